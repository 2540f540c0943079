#!/usr/bin/env bash
# race-api on loopback, in the app's contract.
# 1. Warm routes under wrk (tracks, best lap, performance, consistency, a lap's telemetry) with the S3
#    source (the sample on mock-s3) and the local source; the mock's request count shows that warm
#    requests cost no S3 request.
# 2. The telemetry routes on a 1 GB telemetry file (local and through mock-s3): cold (the first
#    request of a fresh race-api: one filtered streaming load) and warm (answered from the cache),
#    medians of ROUNDS rounds with the spread, and race-api's peak memory.
#   [ROUNDS=5] bash Benchmarks/service.sh [seconds] [MB]      (needs wrk: apt-get install wrk)
set -euo pipefail
cd "$(dirname "$0")/.."
source Benchmarks/lib.sh
seconds=${1:-5}; mb=${2:-1000}; rounds=${ROUNDS:-5}
work=$(mktemp -d -p /dev/shm 2>/dev/null || mktemp -d)
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"' EXIT
build_release race-api mock-s3 racedata
mock=$(free_port); s3api=$(free_port); localapi=$(free_port)
export AWS_ACCESS_KEY_ID=AKIAMOCKS3SERVER0001 AWS_SECRET_ACCESS_KEY='mock/s3+server+secret+key+0000000000001'
"$bin/mock-s3" --port "$mock" --bucket race-data --bucket big > /dev/null 2> "$work/mock.log" & pids+=($!)
mock_pid=$!
sleep 0.5
AWS_ENDPOINT_URL_S3="http://127.0.0.1:$mock" "$bin/racedata" upload Sample/data --bucket race-data --acl none > /dev/null
USE_S3_DATA=true S3_BUCKET_NAME=race-data AWS_ENDPOINT_URL_S3="http://127.0.0.1:$mock" HOST=127.0.0.1 PORT=$s3api LOG_LEVEL=error "$bin/race-api" & pids+=($!)
USE_S3_DATA=false DATA_DIR=Sample/data HOST=127.0.0.1 PORT=$localapi LOG_LEVEL=error "$bin/race-api" & pids+=($!)
sleep 1
session=/track/COTA/session/R1
driver=$(curl -sf "http://127.0.0.1:$localapi/api/analytics$session/best-lap" | python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["driver_id"], d["lap_number"])')
set -- $driver; driver=$1; lap=$2
paths="/api/analytics/tracks /api/analytics$session/best-lap /api/analytics$session/driver/$driver/performance /api/strategy$session/driver/$driver/consistency /api/telemetry$session/driver/$driver/lap/$lap"
for port in $s3api $localapi; do for path in $paths; do curl -sf "http://127.0.0.1:$port$path" > /dev/null; done; done # warm the caches
kill -USR1 "$mock_pid"; sleep 0.2
echo "warm routes, wrk -t2 -c16 -d${seconds}s"
printf '  %-6s %-70s %9s %9s\n' source route req/s p99
for entry in "s3 $s3api" "local $localapi"; do
    set -- $entry
    for path in $paths; do
        out=$(wrk -t2 -c16 -d"${seconds}s" --latency "http://127.0.0.1:$2$path")
        printf '  %-6s %-70s %9s %9s\n' "$1" "$path" "$(echo "$out" | awk '/Requests\/sec/ {printf "%.0f", $2}')" "$(echo "$out" | awk '$1 == "99%" {print $2}')"
    done
done
kill -USR1 "$mock_pid"; sleep 0.2
before=$(grep 'mock-s3 requests' "$work/mock.log" | head -1); after=$(grep 'mock-s3 requests' "$work/mock.log" | tail -1)
[ "$before" = "$after" ] && echo "warm requests cost no S3 request" || echo "WARNING: warm requests caused S3 requests ($before -> $after)"

# The telemetry routes on a large file: a track BIG whose R1 has the sample's lap tables and MB of telemetry.
mkdir -p "$work/big/BIG"
cp "Sample/data/COTA/Race 1/COTA_lap_start_time_R1.csv" "Sample/data/COTA/Race 1/COTA_lap_end_time_R1.csv" "$work/big/BIG/"
make_csv "$work/big/BIG/R1_big_telemetry_data.csv" "$mb"
AWS_ENDPOINT_URL_S3="http://127.0.0.1:$mock" "$bin/racedata" upload "$work/big" --bucket big --acl none > /dev/null
big=/api/telemetry/track/BIG/session/R1/driver/GR86-004-3
echo
echo "telemetry routes on a $mb MB telemetry file (driver GR86-004-3 of 20), $rounds rounds: median [min-max] seconds"
printf '  %-6s %-18s %22s %22s %12s\n' source route cold warm "peak RSS"
time_get() { # seconds for a 200; anything else stops the benchmark
    local out; out=$(curl -s -o /dev/null -w '%{http_code} %{time_total}' "$1")
    [ "${out%% *}" = 200 ] || { echo "GET $1 answered ${out%% *}" >&2; exit 1; }
    echo "${out#* }"
}
for source in local s3; do
    for route in lap/5 speed-analysis braking-analysis; do
        colds=(); warms=(); rss=0
        for _ in $(seq "$rounds"); do
            port=$(free_port)
            if [ $source = local ]; then
                USE_S3_DATA=false DATA_DIR="$work/big" HOST=127.0.0.1 PORT=$port LOG_LEVEL=error "$bin/race-api" & api=$!
            else
                USE_S3_DATA=true S3_BUCKET_NAME=big AWS_ENDPOINT_URL_S3="http://127.0.0.1:$mock" HOST=127.0.0.1 PORT=$port LOG_LEVEL=error \
                    "$bin/race-api" & api=$!
            fi
            for _ in $(seq 50); do curl -sf "http://127.0.0.1:$port/health" > /dev/null && break; sleep 0.1; done
            colds+=("$(time_get "http://127.0.0.1:$port$big/$route")")
            warms+=("$(time_get "http://127.0.0.1:$port$big/$route")")
            peak=$(awk '/VmHWM/ {print $2}' "/proc/$api/status")
            rss=$(( peak > rss ? peak : rss ))
            kill -INT "$api"; wait "$api" 2>/dev/null || true
        done
        spread() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {printf "%.3f [%.3f-%.3f]", a[int((NR+1)/2)], a[1], a[NR]}'; }
        printf '  %-6s %-18s %22s %22s %9s MiB\n' "$source" "$route" "$(spread "${colds[@]}")" "$(spread "${warms[@]}")" "$((rss / 1024))"
    done
done
