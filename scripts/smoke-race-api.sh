#!/usr/bin/env bash
# The Dockerfile's build step, run here (Docker cannot run on these machines): a release build of
# race-api with the static Swift runtime, started on the bundled sample, answering /health and
# /api/analytics/tracks. .ci/run calls it.
set -euo pipefail
cd "$(dirname "$0")/.."
swift build -c release --product race-api --static-swift-stdlib 2>&1 | tail -n 1
binary=$(swift build -c release --show-bin-path)/race-api
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
USE_S3_DATA=false DATA_DIR=Sample/data HOST=127.0.0.1 PORT=$port LOG_LEVEL=warning "$binary" &
pid=$!
trap 'kill $pid 2>/dev/null || true' EXIT
for _ in $(seq 50); do curl -sf "http://127.0.0.1:$port/health" >/dev/null && break; sleep 0.1; done
curl -sf "http://127.0.0.1:$port/health" | grep -q '"status":"healthy"'
curl -sf "http://127.0.0.1:$port/api/analytics/tracks" | grep -q 'virginia-international-raceway'
echo "race-api smoke test: ok (release build, static Swift runtime, /health and /tracks answer)"
