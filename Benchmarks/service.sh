#!/usr/bin/env bash
# race-api under wrk on loopback, warm cache: /api/analytics/tracks and a best-lap endpoint, with the
# S3 source (the sample on mock-s3) and the local source. Also checks in the mock's request count
# that the warm /tracks calls cost no S3 request.
#   bash Benchmarks/service.sh [seconds]      (needs wrk: apt-get install wrk)
set -euo pipefail
cd "$(dirname "$0")/.."
source Benchmarks/lib.sh
seconds=${1:-5}
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done' EXIT
build_release race-api mock-s3 racedata
mock=$(free_port); s3api=$(free_port); localapi=$(free_port)
export AWS_ACCESS_KEY_ID=AKIAMOCKS3SERVER0001 AWS_SECRET_ACCESS_KEY='mock/s3+server+secret+key+0000000000001'
"$bin/mock-s3" --port "$mock" --bucket race-data > /dev/null 2> "${TMPDIR:-/tmp}/service-bench-mock.log" & pids+=($!)
mock_pid=$!
sleep 0.5
AWS_ENDPOINT_URL_S3="http://127.0.0.1:$mock" "$bin/racedata" upload Sample/data --bucket race-data --acl none > /dev/null
USE_S3_DATA=true S3_BUCKET_NAME=race-data AWS_ENDPOINT_URL_S3="http://127.0.0.1:$mock" HOST=127.0.0.1 PORT=$s3api LOG_LEVEL=error "$bin/race-api" & pids+=($!)
USE_S3_DATA=false DATA_DIR=Sample/data HOST=127.0.0.1 PORT=$localapi LOG_LEVEL=error "$bin/race-api" & pids+=($!)
sleep 1
for port in $s3api $localapi; do # warm the caches
    curl -sf "http://127.0.0.1:$port/api/analytics/tracks" > /dev/null
    curl -sf "http://127.0.0.1:$port/api/analytics/track/COTA/session/R1/best-lap" > /dev/null
done
kill -USR1 "$mock_pid"; sleep 0.2
printf '%-8s %-45s %10s %10s\n' source endpoint req/s p99
for entry in "s3 $s3api" "local $localapi"; do
    set -- $entry
    for path in /api/analytics/tracks /api/analytics/track/COTA/session/R1/best-lap; do
        out=$(wrk -t2 -c16 -d"${seconds}s" --latency "http://127.0.0.1:$2$path")
        rps=$(echo "$out" | awk '/Requests\/sec/ {printf "%.0f", $2}')
        p99=$(echo "$out" | awk '$1 == "99%" {print $2}')
        printf '%-8s %-45s %10s %10s\n' "$1" "$path" "$rps" "$p99"
    done
done
kill -USR1 "$mock_pid"; sleep 0.2
before=$(grep 'mock-s3 requests' "${TMPDIR:-/tmp}/service-bench-mock.log" | head -1)
after=$(grep 'mock-s3 requests' "${TMPDIR:-/tmp}/service-bench-mock.log" | tail -1)
echo "S3 requests after warm-up: $before"
echo "S3 requests after wrk:     $after"
[ "$before" = "$after" ] && echo "warm requests cost no S3 request" || echo "WARNING: the benchmark caused S3 requests"
