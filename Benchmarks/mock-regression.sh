#!/usr/bin/env bash
# Whether the mock got slower: the working tree against an earlier revision, same machine, same run,
# rounds interleaved (old, new, old, new, ...). Per round: s3bench ops (1 KiB PUT/GET/HEAD and
# ListObjectsV2 ops/s, 1 and 8 client threads) against each mock-s3, and s3bench handler (the mock's
# CPU microseconds per request, in-process). Prints medians with [min-max] and new/old.
#   [ROUNDS=5] bash Benchmarks/mock-regression.sh REVISION [seconds-per-measure]
set -euo pipefail
cd "$(dirname "$0")/.."
source Benchmarks/lib.sh
revision=${1:?usage: Benchmarks/mock-regression.sh REVISION [seconds]}
seconds=${2:-2}
rounds=${ROUNDS:-5}
work=$(mktemp -d)
old_tree="$work/old"
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; git worktree remove --force "$old_tree" >/dev/null 2>&1 || true; rm -rf "$work"' EXIT

git worktree add --detach "$old_tree" "$revision" >/dev/null 2>&1
echo "building $(git rev-parse --short "$revision") and the working tree (release) ..." >&2
(cd "$old_tree" && build_release s3bench mock-s3 && echo "$bin $s3bench" > "$work/old.paths")
build_release s3bench mock-s3
read -r old_bin old_s3bench < "$work/old.paths"
new_bin=$bin new_s3bench=$s3bench

export AWS_ACCESS_KEY_ID=AKIAMOCKS3SERVER0001 AWS_SECRET_ACCESS_KEY='mock/s3+server+secret+key+0000000000001'
start_mock_s3 "$old_bin" old_port
start_mock_s3 "$new_bin" new_port

# Each line of a result file: "measure value".
for round in $(seq "$rounds"); do
    echo "round $round/$rounds" >&2
    for side in old new; do
        port_var=${side}_port s3bench_var=${side}_s3bench
        for threads in 1 8; do
            "${!s3bench_var}" ops "http://127.0.0.1:${!port_var}" bench "$threads" "$seconds" \
                | awk -v t="$threads" '{print $1 "@" t "-ops/s", $3}' >> "$work/$side.txt"
        done
        "${!s3bench_var}" handler 20000 | awk '{print $1 "-us(hot)", $2}' >> "$work/$side.txt"
    done
done

echo "mock-s3 $(git rev-parse --short "$revision") (old) against the working tree (new): medians of $rounds interleaved rounds [min-max]"
compare_medians "$work/old.txt" "$work/new.txt" old new
