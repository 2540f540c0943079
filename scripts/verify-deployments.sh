#!/usr/bin/env bash
# The main job as an operator runs it after a deployment, on two S3 servers: Ceph's RADOS Gateway
# (a real one) and a standalone mock-s3. On each: a fresh bucket, the bundled sample uploaded by
# `racedata upload` in its default mode, then `verify --bucket` read-only and `--allow-writes`.
# Fails if any step fails; prints each step's time and, over several rounds (servers interleaved),
# the median and the range.
#   scripts/verify-deployments.sh [ROUNDS]   (default 1)
#   RGW_ENDPOINT, RGW_MAIN_KEY, RGW_MAIN_SECRET   a running RGW (scripts/rgw.sh); one is started if unset
#   BIN   where racedata, verify and mock-s3 are (default: swift build's, built if missing)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
rounds=${1:-1}
bin=${BIN:-}
if [ -z "$bin" ]; then
    (cd "$root" && swift build --product racedata 2>&1 | tail -n 1 && swift build --product verify 2>&1 | tail -n 1 &&
        swift build --product mock-s3 2>&1 | tail -n 1)
    bin="$(cd "$root" && swift build --show-bin-path)"
fi
say() { echo "verify-deployments: $*" >&2; }

cleanup=()
trap 'for c in "${cleanup[@]}"; do eval "$c" || true; done' EXIT
if [ -z "${RGW_ENDPOINT:-}" ]; then
    eval "$(bash "$root/scripts/rgw.sh" start)"
    cleanup+=("bash '$root/scripts/rgw.sh' stop '$RGW_DIR'")
fi
mock_port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$bin/mock-s3" --port "$mock_port" --access-key MOCKVERIFYKEY0000001 --secret-key mock/verify/secret \
    --object-ownership ObjectWriter > /dev/null 2>&1 &
cleanup+=("kill $!")
for _ in $(seq 100); do curl -s -o /dev/null "http://127.0.0.1:$mock_port/" && break; sleep 0.1; done

# name endpoint key secret
servers=("rgw $RGW_ENDPOINT $RGW_MAIN_KEY $RGW_MAIN_SECRET"
    "mock-s3 http://127.0.0.1:$mock_port MOCKVERIFYKEY0000001 mock/verify/secret")
times=$(mktemp)
cleanup+=("rm -f '$times'")
timed() { # label command...
    local started; started=$(date +%s.%N)
    if ! "${@:2}" > "$times.out" 2>&1; then
        say "$1 failed:"; tail -n 30 "$times.out" >&2; return 1
    fi
    local seconds; seconds=$(python3 -c "import sys; print(f'{float(sys.argv[2]) - float(sys.argv[1]):.1f}')" "$started" "$(date +%s.%N)")
    echo "$1 $seconds" >> "$times"
    say "$1: $(tail -n 1 "$times.out") ($seconds s)"
}
for round in $(seq "$rounds"); do
    for server in "${servers[@]}"; do
        read -r name endpoint key secret <<< "$server"
        bucket="sample-$round-$RANDOM"
        export AWS_ENDPOINT_URL="$endpoint" AWS_ACCESS_KEY_ID="$key" AWS_SECRET_ACCESS_KEY="$secret"
        export AWS_REGION=us-east-1
        aws s3api create-bucket --bucket "$bucket" > /dev/null
        timed "$name upload" "$bin/racedata" upload "$root/Sample/data" --bucket "$bucket" --tag-cache none
        # The default upload asks for public-read, which both servers apply: anonymous GETs must work.
        timed "$name verify-read-only" "$bin/verify" --bucket "$bucket" --endpoint "$endpoint" --expect-public-read
        timed "$name verify-allow-writes" "$bin/verify" --bucket "$bucket" --endpoint "$endpoint" --allow-writes \
            --expect-public-read
    done
done
python3 - "$times" <<'PY'
import statistics, sys
runs = {}
for line in open(sys.argv[1]):
    label, seconds = line.rsplit(" ", 1)
    runs.setdefault(label, []).append(float(seconds))
print(f"{'step':32} {'rounds':>6} {'median s':>9} {'min':>7} {'max':>7}")
for label, values in runs.items():
    print(f"{label:32} {len(values):6} {statistics.median(values):9.1f} {min(values):7.1f} {max(values):7.1f}")
PY
