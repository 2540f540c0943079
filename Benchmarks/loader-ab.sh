#!/usr/bin/env bash
# What a change did to the loader: two revisions on the same generated telemetry (in tmpfs), rounds
# interleaved (A, B, A, B, ...), each load its own process; medians of ROUNDS [min-max] of the wall
# time and, where the revision's s3bench reports it, the CPU time of the load.
#   [ROUNDS=15] bash Benchmarks/loader-ab.sh REV_A REV_B [MB] [VEHICLE]
# Each revision is built in a git worktree of its own (a release build: minutes each on 2 cores).
# The machine's speed drifts from minute to minute; a difference counts when it holds across runs.
set -euo pipefail
cd "$(dirname "$0")/.."
source Benchmarks/lib.sh
[ $# -ge 2 ] || { echo "usage: [ROUNDS=15] bash Benchmarks/loader-ab.sh REV_A REV_B [MB] [VEHICLE]" >&2; exit 2; }
revs=("$1" "$2"); mb=${3:-200}; vehicle=${4:-}; rounds=${ROUNDS:-15}
work=$(mktemp -d -p /dev/shm 2>/dev/null || mktemp -d)
cleanup() {
    for side in A B; do [ -d "$work/$side" ] && git worktree remove --force "$work/$side" 2>/dev/null || true; done
    rm -rf "$work"
}
trap cleanup EXIT

bins=()
for i in 0 1; do
    side=$([ "$i" = 0 ] && echo A || echo B)
    git worktree add --quiet --detach "$work/$side" "${revs[$i]}"
    echo "building ${revs[$i]} ($(git rev-parse --short "${revs[$i]}")) ..." >&2
    (cd "$work/$side" && swift build -c release --package-path Benchmarks --product s3bench > "$work/build.$side.log" 2>&1) \
        || { echo "the build of ${revs[$i]} failed: $work/build.$side.log" >&2; tail -20 "$work/build.$side.log" >&2; exit 1; }
    bins+=("$(cd "$work/$side" && swift build -c release --package-path Benchmarks --show-bin-path)/s3bench")
done

mkdir -p "$work/data/COTA"
file="$work/data/COTA/R1_cota_telemetry_data.csv"
make_csv "$file" "$mb"
for side in A B; do : > "$work/wall.$side"; : > "$work/cpu.$side"; done
for ((r = 0; r < rounds; r++)); do
    for i in 0 1; do
        side=$([ "$i" = 0 ] && echo A || echo B)
        # `parse N rows S s R MB/s [cpu C s]`
        read -r -a out < <("${bins[$i]}" parse "$file" $vehicle)
        echo "${out[3]}" >> "$work/wall.$side"
        [ "${#out[@]}" -ge 9 ] && echo "${out[8]}" >> "$work/cpu.$side"
    done
done

spread() { local f=$1; [ -s "$f" ] || { echo "-"; return; }; printf '%.3f [%.3f-%.3f]' "$(median < "$f")" "$(sort -n "$f" | head -1)" "$(sort -n "$f" | tail -1)"; }
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); $mb MB telemetry${vehicle:+, vehicle $vehicle}; $rounds rounds, interleaved"
printf '| %-4s | %-24s | %-24s | %-24s |\n' side revision "wall, s [min-max]" "CPU, s [min-max]"
printf '|%s|%s|%s|%s|\n' ------ -------------------------- -------------------------- --------------------------
for i in 0 1; do
    side=$([ "$i" = 0 ] && echo A || echo B)
    printf '| %-4s | %-24s | %-24s | %-24s |\n' "$side" "${revs[$i]} ($(git rev-parse --short "${revs[$i]}"))" "$(spread "$work/wall.$side")" "$(spread "$work/cpu.$side")"
done
printf 'B takes %.2fx the wall time of A\n' "$(echo "$(median < "$work/wall.B") / $(median < "$work/wall.A")" | bc -l)"
