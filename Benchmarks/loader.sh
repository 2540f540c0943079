#!/usr/bin/env bash
# The loader against pandas, same file, same run: a generated telemetry CSV (200 MB by default)
# parsed from local disk (tmpfs) whole and filtered to one vehicle, then read from S3 (mock-s3) by
# the loader versus boto3 get_object + pandas.read_csv (what the original service did); then the
# peak memory of a filtered load of a larger file (1 GB by default), and the S3 requests a load costs.
# Times are medians of 3 runs each (pandas in one process, after a first read to warm it).
#   bash Benchmarks/loader.sh [MB] [big-MB]      (needs pandas: pip install pandas)
set -euo pipefail
cd "$(dirname "$0")/.."
source Benchmarks/lib.sh
mb=${1:-200}; big=${2:-1000}
work=$(mktemp -d -p /dev/shm 2>/dev/null || mktemp -d)
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"' EXIT
build_release s3bench mock-s3 racedata
mkdir -p "$work/data/COTA"
file="$work/data/COTA/R1_cota_telemetry_data.csv"
make_csv "$file" "$mb"
echo "telemetry file: $mb MB"
pandas_times() { python3 - "$file" "$1" <<'PY'
import statistics, sys, time, pandas
path, vehicle = sys.argv[1], sys.argv[2]
pandas.read_csv(path, nrows=10)
times = []
for _ in range(3):
    t = time.time()
    df = pandas.read_csv(path)
    if vehicle: df = df[df.vehicle_id == vehicle]
    times.append(time.time() - t)
print(f"{statistics.median(times):.3f}")
PY
}
pandas_whole=$(pandas_times "")
pandas_filtered=$(pandas_times GR86-004-3)
ours_whole=$(for i in 1 2 3; do "$s3bench" parse "$file" | awk '{print $4}'; done | median)
ours_filtered=$(for i in 1 2 3; do "$s3bench" parse "$file" GR86-004-3 | awk '{print $4}'; done | median)
printf 'local, whole table:     pandas.read_csv %6.3f s   loader %6.3f s   (%.2fx pandas'"'"' throughput)\n' "$pandas_whole" "$ours_whole" "$(echo "$pandas_whole / $ours_whole" | bc -l)"
printf 'local, one vehicle:     pandas + filter %6.3f s   loader %6.3f s   (%.2fx)\n' "$pandas_filtered" "$ours_filtered" "$(echo "$pandas_filtered / $ours_filtered" | bc -l)"
port=$(free_port)
export AWS_ACCESS_KEY_ID=AKIAMOCKS3SERVER0001 AWS_SECRET_ACCESS_KEY='mock/s3+server+secret+key+0000000000001' AWS_DEFAULT_REGION=us-east-1
"$bin/mock-s3" --port "$port" --bucket bench > /dev/null & pids+=($!)
export XDG_CACHE_HOME="$work/cache"
sleep 0.5
AWS_ENDPOINT_URL_S3="http://127.0.0.1:$port" "$bin/racedata" upload "$work/data" --bucket bench --acl none > /dev/null
boto=$(python3 - "$port" <<'PY'
import io, statistics, sys, time, boto3, pandas
s3 = boto3.client('s3', endpoint_url=f'http://127.0.0.1:{sys.argv[1]}')
times = []
for _ in range(3):
    t = time.time()
    body = s3.get_object(Bucket='bench', Key='data/COTA/R1_cota_telemetry_data.csv')['Body'].read()
    df = pandas.read_csv(io.BytesIO(body))
    times.append(time.time() - t)
print(f"{statistics.median(times):.3f}")
PY
)
ours_s3=$(for i in 1 2 3; do "$s3bench" s3parse "http://127.0.0.1:$port" bench COTA R1 data/ | awk '{print $4}'; done | median)
ours_s3_filtered=$(for i in 1 2 3; do "$s3bench" s3parse "http://127.0.0.1:$port" bench COTA R1 data/ GR86-004-3 | awk '{print $4}'; done | median)
printf 'S3, whole table:        boto3 + pandas  %6.3f s   loader %6.3f s   (%.2fx faster)\n' "$boto" "$ours_s3" "$(echo "$boto / $ours_s3" | bc -l)"
printf 'S3, one vehicle:        boto3 + pandas  %6.3f s   loader %6.3f s   (%.2fx faster)\n' "$boto" "$ours_s3_filtered" "$(echo "$boto / $ours_s3_filtered" | bc -l)"
make_csv "$file" "$big"
/usr/bin/time -f '%M' -o "$work/rss" "$s3bench" parse "$file" GR86-004-3 > "$work/out"
echo "filtered load of a $big MB file: $(cat "$work/out"), peak memory $(( $(cat "$work/rss") / 1024 )) MiB"
# Requests per load: the bundled sample (7 tracks, 56 tables) in the same bucket.
AWS_ENDPOINT_URL_S3="http://127.0.0.1:$port" "$bin/racedata" upload Sample/data --bucket bench --prefix sample/ --acl none > /dev/null 2>&1
"$s3bench" requests "http://127.0.0.1:$port" bench sample/ 2>/dev/null
