#!/usr/bin/env bash
# A statically linked mock-s3 for machines without Swift (CI images of other languages, a
# container FROM scratch): the Swift runtime, Foundation, glibc and libcrypto linked in. Writes
# dist/mock-s3 (stripped), then proves it: not a dynamic executable, starts, answers S3 and the
# control API. The Dockerfile's mock-s3 target runs the same build.
#   bash scripts/build-static-mock-s3.sh
set -euo pipefail
cd "$(dirname "$0")/.."
swift build -c release --product mock-s3 -Xswiftc -static-executable --scratch-path .build-static 2>&1 \
    | grep -v "statically linked applications requires at runtime" | tail -n 1
mkdir -p dist
strip -o dist/mock-s3 .build-static/release/mock-s3
if ldd dist/mock-s3 >/dev/null 2>&1; then echo "dist/mock-s3 is dynamically linked" >&2; exit 1; fi
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
dist/mock-s3 --port "$port" --accept-any-credentials --admin > /dev/null &
pid=$!
trap 'kill $pid 2>/dev/null || true' EXIT
for _ in $(seq 50); do curl -s -o /dev/null "http://127.0.0.1:$port/" && break; sleep 0.1; done
curl -sf "http://127.0.0.1:$port/_mock/counters" | grep -q '"requests"'
curl -sf --aws-sigv4 "aws:amz:us-east-1:s3" --user testing:testing -H "x-amz-content-sha256: UNSIGNED-PAYLOAD" \
    -X PUT "http://127.0.0.1:$port/some-bucket" -o /dev/null
curl -s "http://127.0.0.1:$port/some-bucket" | grep -q '<Code>AccessDenied</Code>'   # anonymous: a private bucket is not listed
echo "static mock-s3: ok (dist/mock-s3, $(du -m dist/mock-s3 | cut -f1) MB, not a dynamic executable; answers S3 and /_mock/)"
