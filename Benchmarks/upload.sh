#!/usr/bin/env bash
# racedata upload against the AWS CLI, same tree, same server (mock-s3, files in tmpfs), same run:
# a tree like the real one (7 tracks x 2 sessions, a 50 MB telemetry file each, the small files),
# `aws s3 cp --recursive` vs `racedata upload`, then an unchanged re-run, `aws s3 sync` vs
# `racedata upload`; then the peak memory of uploading one 2 GB file.
# Rounds alternate the two tools (fresh prefixes each round); the figures are medians.
#   bash Benchmarks/upload.sh [telemetry-MB] [rounds]
set -euo pipefail
cd "$(dirname "$0")/.."
source Benchmarks/lib.sh
mb=${1:-50}
rounds=${2:-3}
work=$(mktemp -d -p /dev/shm 2>/dev/null || mktemp -d)
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"' EXIT
build_release racedata mock-s3 verify
"$bin/verify" --write-sample "$work/tree" >/dev/null
# Each telemetry file grows to the asked size (CSV-like lines).
for f in "$work"/tree/*/*telemetry* "$work"/tree/*/*/*telemetry* "$work"/tree/*/*/*/*telemetry*; do
    [ -f "$f" ] || continue
    python3 - "$f" "$mb" <<'PY'
import sys
path, mb = sys.argv[1], int(sys.argv[2])
line = open(path).read().splitlines()[1] + "\n"
with open(path, "a") as out:
    out.write(line * (mb * 1_000_000 // len(line)))
PY
done
port=$(free_port)
mkdir -p "$work/store"
"$bin/mock-s3" --port "$port" --bucket bench --object-ownership ObjectWriter --data-dir "$work/store" >/dev/null &
pids+=($!)
sleep 0.5
export AWS_ACCESS_KEY_ID=AKIAMOCKS3SERVER0001 AWS_SECRET_ACCESS_KEY='mock/s3+server+secret+key+0000000000001'
export AWS_DEFAULT_REGION=us-east-1 AWS_ENDPOINT_URL="http://127.0.0.1:$port" AWS_ENDPOINT_URL_S3="http://127.0.0.1:$port"
export AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null
seconds() { local start end; start=$(date +%s.%N); "$@" >/dev/null 2>&1; end=$(date +%s.%N); echo "$end - $start" | bc; }
size=$(du -sb "$work/tree" | cut -f1)
files=$(find "$work/tree" -type f | wc -l)
echo "tree: $files files, $((size / 1000000)) MB"
# racedata remembers content tags here (a fresh cache: the first upload fills it).
export XDG_CACHE_HOME="$work/cache"
cp_times=() ours_times=() sync_times=() again_times=()
# Round 1's objects stay for the unchanged re-runs; later rounds' are deleted once timed, so the
# mock's memory is reused rather than grown (fresh pages cost this VM noticeably more).
for round in $(seq "$rounds"); do
    cp_times+=("$(seconds aws s3 cp --recursive --only-show-errors "$work/tree" "s3://bench/aws$round/")")
    ours_times+=("$(seconds "$bin/racedata" upload "$work/tree" --bucket bench --prefix "ours$round/" --acl none ${RACEDATA_FLAGS:-})")
    if [ "$round" -gt 1 ]; then
        aws s3 rm --recursive --only-show-errors "s3://bench/aws$round/"
        aws s3 rm --recursive --only-show-errors "s3://bench/ours$round/"
    fi
done
for round in $(seq "$rounds"); do
    sync_times+=("$(seconds aws s3 sync --only-show-errors "$work/tree" "s3://bench/aws1/")")
    again_times+=("$(seconds "$bin/racedata" upload "$work/tree" --bucket bench --prefix "ours1/" --acl none ${RACEDATA_FLAGS:-})")
done
aws_cp=$(echo "${cp_times[@]}" | median); ours=$(echo "${ours_times[@]}" | median)
aws_sync=$(echo "${sync_times[@]}" | median); ours_again=$(echo "${again_times[@]}" | median)
echo "$rounds rounds, medians (all: cp ${cp_times[*]} | racedata ${ours_times[*]} | sync ${sync_times[*]} | racedata again ${again_times[*]})"
printf 'full upload:   aws s3 cp --recursive %6.2f s   racedata upload %6.2f s   (%.0f%% of the CLI'"'"'s time)\n' "$aws_cp" "$ours" "$(echo "100 * $ours / $aws_cp" | bc -l)"
printf 'unchanged:     aws s3 sync           %6.2f s   racedata upload %6.2f s   (%.0f%%)\n' "$aws_sync" "$ours_again" "$(echo "100 * $ours_again / $aws_sync" | bc -l)"
mkdir -p "$work/big/track"
head -c $((2000 << 20)) /dev/zero | tr '\0' 'a' > "$work/big/track/R1_big_telemetry.csv"
rm -rf "$work/tree"
/usr/bin/time -f '%M' -o "$work/rss" "$bin/racedata" upload "$work/big" --bucket bench --prefix big/ --acl none >/dev/null 2>&1
echo "2 GB file: peak memory $(( $(cat "$work/rss") / 1024 )) MiB (racedata upload, multipart from file ranges)"
