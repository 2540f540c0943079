#!/usr/bin/env bash
# The loader against the CSV readers people pick instead, same generated telemetry file (real-shaped:
# the 13 columns and 12 parameters of the real files), same run, in tmpfs:
#   1. whole table, MB-sized file: loader, pandas, pyarrow, polars, duckdb;
#   2. one vehicle of the same file (each reader in its own best way);
#   3. one vehicle of a BIG-sized file: the loader's GB/s and peak memory, with polars and duckdb;
#   4. the BIG file from S3 (mock-s3 on this machine, parallel ranged GETs) against the same file
#      from local disk, and boto3 + pandas (what the original service did) on the MB file;
#   5. requests per load on the bundled sample.
# Each round runs every reader once, in turn (rounds interleaved); each load is its own process, timed
# inside it (after imports), peak memory from /usr/bin/time. Medians of ROUNDS rounds, [min-max].
#   [ROUNDS=5] bash Benchmarks/loader.sh [MB] [BIG-MB]
# Peers: pip install pandas pyarrow polars duckdb boto3 (a missing one is skipped with a line saying so).
set -euo pipefail
cd "$(dirname "$0")/.."
source Benchmarks/lib.sh
mb=${1:-200}; big=${2:-1000}; rounds=${ROUNDS:-5}
work=$(mktemp -d -p /dev/shm 2>/dev/null || mktemp -d)
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"' EXIT
build_release s3bench mock-s3 racedata
vehicle=GR86-004-3

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(. /etc/os-release; echo "$PRETTY_NAME"), $(swift --version 2>/dev/null | head -1 | sed 's/ (.*//')"
peers=()
versions="loader $(git rev-parse --short HEAD)$(git diff --quiet HEAD -- Sources || echo '+changes')"
for peer in pandas pyarrow polars duckdb; do
    if v=$(python3 Benchmarks/readers.py --version "$peer" 2>/dev/null); then
        peers+=("$peer"); versions+=", $peer $v"
    else
        echo "skipped: $peer is not installed (pip install $peer)"
    fi
done
echo "readers: $versions; $rounds rounds, interleaved; time inside each process, peak RSS from /usr/bin/time"

# run READER FILE [VEHICLE] -> "seconds peak_KiB"
run() {
    local reader=$1 file=$2 filter=${3:-} out
    if [ "$reader" = loader ]; then
        out=$(/usr/bin/time -f '%M' -o "$work/rss" "$s3bench" parse "$file" $filter | awk '{print $4}')
    else
        out=$(/usr/bin/time -f '%M' -o "$work/rss" python3 Benchmarks/readers.py "$reader" "$file" $filter | awk '{print $1}')
    fi
    echo "$out $(tail -1 "$work/rss")"
}

# table TITLE FILE MB [VEHICLE] READERS...: the interleaved rounds and their table.
table() {
    local title=$1 file=$2 size=$3 filter=$4; shift 4
    local readers=("$@") r i
    for r in "${readers[@]}"; do : > "$work/t.$r"; : > "$work/m.$r"; done
    for ((i = 0; i < rounds; i++)); do
        for r in "${readers[@]}"; do
            read -r seconds rss < <(run "$r" "$file" "$filter")
            echo "$seconds" >> "$work/t.$r"; echo "$rss" >> "$work/m.$r"
        done
    done
    local base; base=$(median < "$work/t.loader")
    echo
    echo "$title"
    printf '| %-8s | %-22s | %9s | %-17s | %s |\n' reader "time, s [min-max]" "MB/s" "peak RSS, MiB" "loader is"
    printf '|%s|%s|%s|%s|%s|\n' ---------- ------------------------ ----------- ------------------- -----------
    for r in "${readers[@]}"; do
        local t lo hi m mlo mhi
        t=$(median < "$work/t.$r"); lo=$(sort -n "$work/t.$r" | head -1); hi=$(sort -n "$work/t.$r" | tail -1)
        m=$(median < "$work/m.$r"); mlo=$(sort -n "$work/m.$r" | head -1); mhi=$(sort -n "$work/m.$r" | tail -1)
        printf '| %-8s | %-22s | %9.0f | %-17s | %s |\n' "$r" "$(printf '%.3f [%.3f-%.3f]' "$t" "$lo" "$hi")" "$(echo "$size / $t" | bc -l)" \
            "$(printf '%.0f [%.0f-%.0f]' "$(echo "$m / 1024" | bc -l)" "$(echo "$mlo / 1024" | bc -l)" "$(echo "$mhi / 1024" | bc -l)")" \
            "$([ "$r" = loader ] && echo - || printf '%.2fx faster' "$(echo "$t / $base" | bc -l)")"
    done
}

mkdir -p "$work/data/COTA" "$work/big/COTA"
file="$work/data/COTA/R1_cota_telemetry_data.csv"
bigfile="$work/big/COTA/R1_cota_telemetry_data.csv"
make_csv "$file" "$mb"
table "whole table, $mb MB file" "$file" "$mb" "" loader "${peers[@]}"
table "one vehicle ($vehicle), $mb MB file" "$file" "$mb" "$vehicle" loader "${peers[@]}"
make_csv "$bigfile" "$big"
filtering=(loader)
for p in polars duckdb; do [[ " ${peers[*]} " == *" $p "* ]] && filtering+=("$p"); done
table "one vehicle ($vehicle), $big MB file" "$bigfile" "$big" "$vehicle" "${filtering[@]}"

# S3: the big file through mock-s3 against the same file from local disk, rounds interleaved.
port=$(free_port)
export AWS_ACCESS_KEY_ID=AKIAMOCKS3SERVER0001 AWS_SECRET_ACCESS_KEY='mock/s3+server+secret+key+0000000000001' AWS_DEFAULT_REGION=us-east-1
mkdir -p "$work/mock"
"$bin/mock-s3" --port "$port" --bucket bench --data-dir "$work/mock" > /dev/null & pids+=($!)
export XDG_CACHE_HOME="$work/cache"
sleep 0.5
AWS_ENDPOINT_URL_S3="http://127.0.0.1:$port" "$bin/racedata" upload "$work/big" --bucket bench --prefix big/ --acl none > /dev/null 2>&1
AWS_ENDPOINT_URL_S3="http://127.0.0.1:$port" "$bin/racedata" upload "$work/data" --bucket bench --prefix small/ --acl none > /dev/null 2>&1
: > "$work/s3.t"; : > "$work/s3.m"; : > "$work/local.t"; : > "$work/local.m"
for ((i = 0; i < rounds; i++)); do
    read -r seconds rss < <(run loader "$bigfile"); echo "$seconds" >> "$work/local.t"; echo "$rss" >> "$work/local.m"
    /usr/bin/time -f '%M' -o "$work/rss" "$s3bench" s3parse "http://127.0.0.1:$port" bench COTA R1 big/ | awk '{print $4}' >> "$work/s3.t"
    tail -1 "$work/rss" >> "$work/s3.m"
done
local_t=$(median < "$work/local.t"); s3_t=$(median < "$work/s3.t")
echo
echo "whole table, $big MB file, S3 (mock-s3 on this machine; parts of ${S3_GET_PART_MIB:-8} MiB, ${S3_GET_CONCURRENCY:-4} in flight) against local disk"
printf '| %-6s | %-22s | %9s | %s |\n' source "time, s [min-max]" "MB/s" "peak RSS, MiB"
printf '|%s|%s|%s|%s|\n' -------- ------------------------ ----------- ---------------
for s in local s3; do
    t=$(median < "$work/$s.t")
    printf '| %-6s | %-22s | %9.0f | %.0f |\n' "$s" "$(printf '%.3f [%.3f-%.3f]' "$t" "$(sort -n "$work/$s.t" | head -1)" "$(sort -n "$work/$s.t" | tail -1)")" \
        "$(echo "$big / $t" | bc -l)" "$(echo "$(median < "$work/$s.m") / 1024" | bc -l)"
done
printf 'S3 takes %.2fx the local time\n' "$(echo "$s3_t / $local_t" | bc -l)"

if python3 -c 'import boto3, pandas' 2>/dev/null; then
    boto=$(python3 - "$port" "$rounds" <<'PY'
import io, statistics, sys, time, boto3, pandas
s3 = boto3.client('s3', endpoint_url=f'http://127.0.0.1:{sys.argv[1]}')
times = []
for _ in range(int(sys.argv[2])):
    t = time.perf_counter()
    body = s3.get_object(Bucket='bench', Key='small/COTA/R1_cota_telemetry_data.csv')['Body'].read()
    pandas.read_csv(io.BytesIO(body))
    times.append(time.perf_counter() - t)
print(f"{statistics.median(times):.3f} {min(times):.3f} {max(times):.3f}")
PY
)
    ours=$(for ((i = 0; i < rounds; i++)); do "$s3bench" s3parse "http://127.0.0.1:$port" bench COTA R1 small/ | awk '{print $4}'; done | median)
    read -r b blo bhi <<< "$boto"
    printf '\nS3, whole table, %s MB file: boto3 get_object + pandas.read_csv %.3f s [%.3f-%.3f], loader %.3f s (%.2fx faster)\n' \
        "$mb" "$b" "$blo" "$bhi" "$ours" "$(echo "$b / $ours" | bc -l)"
else
    echo "skipped: boto3 + pandas over S3 (pip install boto3 pandas)"
fi

# Requests per load: the bundled sample (7 tracks, 56 tables) in the same bucket.
AWS_ENDPOINT_URL_S3="http://127.0.0.1:$port" "$bin/racedata" upload Sample/data --bucket bench --prefix sample/ --acl none > /dev/null 2>&1
echo
"$s3bench" requests "http://127.0.0.1:$port" bench sample/ 2>/dev/null
