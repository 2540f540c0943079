#!/usr/bin/env bash
# mock-s3 beside moto_server as the S3 a project's tests start: seconds from launch to the first
# answered request (ROUNDS rounds, servers in turn: median [min-max]); resident memory at idle and
# after N small objects (MOTO_N for moto, whose PUTs are slower); and, for mock-s3 --data-dir, the
# restart time with N objects on disk (the catalog replayed before the first answer).
#   [ROUNDS=5] [MOTO_N=N] bash Benchmarks/mock-operability.sh [N]      (needs moto[server])
set -euo pipefail
cd "$(dirname "$0")/.."
source Benchmarks/lib.sh
n=${1:-100000}; moto_n=${MOTO_N:-$n}; rounds=${ROUNDS:-5}
work=$(mktemp -d -p /dev/shm 2>/dev/null || mktemp -d)
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"' EXIT
build_release mock-s3 racedata
export AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing AWS_REGION=us-east-1

now() { date +%s.%N; }
# launch PORT COMMAND...: starts it and waits for any HTTP answer; sets $pid and $took (seconds).
launch() {
    local port=$1; shift
    local t0; t0=$(now)
    "$@" > /dev/null 2>&1 & pid=$!; pids+=($pid)
    until curl -s -o /dev/null "http://127.0.0.1:$port/"; do sleep 0.002; done
    took=$(echo "$(now) - $t0" | bc)
}
rss() { awk '/VmRSS/ {printf "%.0f", $2 / 1024}' "/proc/$1/status"; }
spread() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {printf "%.3f [%.3f-%.3f]", a[int((NR+1)/2)], a[1], a[NR]}'; }
tree() { python3 - "$1" "$2" <<'PY'
import os, sys
root, n = sys.argv[1], int(sys.argv[2])
for i in range(n):
    d = os.path.join(root, "T", f"d{i // 1000}")
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, f"o{i}.csv"), "w") as f: f.write("x" * 1024)
PY
}

mock_times=(); moto_times=()
for _ in $(seq "$rounds"); do
    port=$(free_port); launch "$port" "$bin/mock-s3" --port "$port" --accept-any-credentials; mock_times+=("$took")
    kill "$pid"; wait "$pid" 2>/dev/null || true
    port=$(free_port); launch "$port" moto_server -H 127.0.0.1 -p "$port"; moto_times+=("$took")
    kill "$pid"; wait "$pid" 2>/dev/null || true
done
echo "start to first answer, seconds, $rounds rounds"
printf '  %-12s %s\n' mock-s3 "$(spread "${mock_times[@]}")" moto_server "$(spread "${moto_times[@]}")"

tree "$work/tree" "$n"
[ "$moto_n" = "$n" ] && cp -r "$work/tree" "$work/moto-tree" || tree "$work/moto-tree" "$moto_n"
mkdir -p "$work/data"
port=$(free_port); launch "$port" "$bin/mock-s3" --port "$port" --accept-any-credentials --bucket bench --data-dir "$work/data"
mock_pid=$pid; mock_port=$port; mock_idle=$(rss "$mock_pid")
port=$(free_port); launch "$port" "$bin/mock-s3" --port "$port" --accept-any-credentials --bucket bench
mem_pid=$pid; mem_port=$port; mem_idle=$(rss "$mem_pid")
port=$(free_port); launch "$port" moto_server -H 127.0.0.1 -p "$port"
moto_pid=$pid; moto_port=$port; moto_idle=$(rss "$moto_pid")
curl -s -X PUT "http://127.0.0.1:$moto_port/bench" > /dev/null
upload() { # PORT TREE: seconds
    local t0; t0=$(now)
    AWS_ENDPOINT_URL_S3="http://127.0.0.1:$1" "$bin/racedata" upload "$2" --bucket bench --acl none --concurrency 32 \
        --tag-cache none --payload-signing unsigned --json > "$work/upload.json"
    echo "$(now) - $t0" | bc
}
mem_upload=$(upload "$mem_port" "$work/tree"); mock_upload=$(upload "$mock_port" "$work/tree"); moto_upload=$(upload "$moto_port" "$work/moto-tree")
echo
echo "resident memory (MiB) at idle, and after uploading 1 KiB objects (racedata upload, 32 at once)"
printf '  %-26s %6s %8s %10s %12s\n' server idle objects after "upload s"
printf '  %-26s %6s %8s %10s %12.1f\n' "mock-s3 (memory)" "$mem_idle" "$n" "$(rss "$mem_pid")" "$mem_upload"
printf '  %-26s %6s %8s %10s %12.1f\n' "mock-s3 --data-dir" "$mock_idle" "$n" "$(rss "$mock_pid")" "$mock_upload"
printf '  %-26s %6s %8s %10s %12.1f\n' moto_server "$moto_idle" "$moto_n" "$(rss "$moto_pid")" "$moto_upload"

kill "$mock_pid"; wait "$mock_pid" 2>/dev/null || true
restarts=()
for _ in $(seq "$rounds"); do
    port=$(free_port)
    launch "$port" "$bin/mock-s3" --port "$port" --accept-any-credentials --data-dir "$work/data"; restarts+=("$took")
    kill "$pid"; wait "$pid" 2>/dev/null || true
done
echo
echo "mock-s3 --data-dir restart with $n objects on disk, seconds to the first answer: $(spread "${restarts[@]}")"
