"""The CSV readers people pick instead of our loader, one load per process so peak memory is the load's own.

    python3 Benchmarks/readers.py READER FILE [VEHICLE]
    python3 Benchmarks/readers.py --version READER

READER is pandas, pyarrow, polars or duckdb. Prints `SECONDS PEAK_KIB ROWS`: the time of the load
alone (after the import), the process's peak resident memory, the rows read. With VEHICLE, only that
car's rows are kept, each reader in its own best way (pandas and pyarrow read then filter; polars and
duckdb push the filter into the scan). Exit status 3: the reader is not installed.
"""
import importlib
import resource
import sys
import time

MODULES = {"pandas": "pandas", "pyarrow": "pyarrow", "polars": "polars", "duckdb": "duckdb"}


def load(reader, path, vehicle):
    if reader == "pandas":
        import pandas
        frame = pandas.read_csv(path)
        if vehicle:
            frame = frame[frame.vehicle_id == vehicle]
        return len(frame)
    if reader == "pyarrow":
        import pyarrow.compute as pc
        import pyarrow.csv
        table = pyarrow.csv.read_csv(path)
        if vehicle:
            table = table.filter(pc.equal(table["vehicle_id"], vehicle))
        return table.num_rows
    if reader == "polars":
        import polars
        if vehicle:
            return polars.scan_csv(path).filter(polars.col("vehicle_id") == vehicle).collect().height
        return polars.read_csv(path).height
    if reader == "duckdb":
        import duckdb
        quoted = lambda text: "'" + text.replace("'", "''") + "'"
        where = f" WHERE vehicle_id = {quoted(vehicle)}" if vehicle else ""
        relation = duckdb.sql(f"SELECT * FROM read_csv({quoted(path)}){where}")
        table = relation.to_arrow_table() if hasattr(relation, "to_arrow_table") else relation.arrow()
        return table.num_rows
    raise SystemExit(f"unknown reader {reader}; one of {', '.join(MODULES)}")


def main():
    args = sys.argv[1:]
    if args and args[0] == "--version":
        try:
            print(importlib.import_module(MODULES[args[1]]).__version__)
        except ImportError:
            sys.exit(3)
        return
    reader, path = args[0], args[1]
    vehicle = args[2] if len(args) > 2 else None
    try:
        importlib.import_module(MODULES[reader])
    except ImportError:
        sys.exit(3)
    started = time.perf_counter()
    rows = load(reader, path, vehicle)
    seconds = time.perf_counter() - started
    print(f"{seconds:.4f} {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss} {rows}")


main()
