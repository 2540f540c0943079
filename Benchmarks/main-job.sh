#!/usr/bin/env bash
# The newcomer's two commands, timed as a newcomer runs them: `swift run verify` and `swift test`
# (debug builds, after the build), in this checkout and in another one (an older commit, say), rounds
# interleaved; medians with [min-max].
#   git worktree add /tmp/before <commit> && (cd /tmp/before && swift build --build-tests)
#   bash Benchmarks/main-job.sh /tmp/before [ROUNDS] [verify|test|both]
set -euo pipefail
source "$(dirname "$0")/lib.sh"
other=${1:?usage: main-job.sh OTHER_CHECKOUT [ROUNDS] [verify|test|both]}
rounds=${2:-3}
which=${3:-both}
here=$(cd "$(dirname "$0")/.." && pwd)
(cd "$here" && swift build --build-tests > /dev/null)
declare -A times
for round in $(seq "$rounds"); do
    for side in other here; do
        dir=$other
        [ "$side" = here ] && dir=$here
        for job in verify test; do
            [ "$which" = both ] || [ "$which" = "$job" ] || continue
            command=(swift run verify)
            [ "$job" = test ] && command=(swift test)
            start=$(date +%s.%N)
            (cd "$dir" && "${command[@]}" > /dev/null 2>&1) || echo "$side $job round $round failed" >&2
            seconds=$(echo "$(date +%s.%N) - $start" | bc)
            times[$side-$job]+="$seconds "
            printf '%s %s round %d: %.1f s\n' "$side" "$job" "$round" "$seconds" >&2
        done
    done
done
for key in "${!times[@]}"; do
    values=${times[$key]}
    printf '%-12s median %.1f s [%.1f-%.1f] of %d rounds\n' "$key" "$(echo "$values" | median)" \
        "$(echo "$values" | tr ' ' '\n' | grep -v '^$' | sort -n | head -1)" \
        "$(echo "$values" | tr ' ' '\n' | grep -v '^$' | sort -n | tail -1)" "$rounds"
done | sort
