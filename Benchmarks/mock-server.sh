#!/usr/bin/env bash
# The mock S3 server against moto_server, same client (our S3 client, s3bench) in the same run:
# 1 KiB PUT/GET/HEAD and ListObjectsV2 ops/s at 1 and 8 client threads; then a 256 MiB GET and PUT
# through curl from the mock, next to curl from nginx serving the same file (the loopback ceiling).
#   [ROUNDS=3] bash Benchmarks/mock-server.sh [seconds-per-measure]     (needs moto[server], nginx-light, wrk)
set -euo pipefail
cd "$(dirname "$0")/.."
source Benchmarks/lib.sh
seconds=${1:-3}
work=$(mktemp -d -p /dev/shm 2>/dev/null || mktemp -d)
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; kill $(cat "$work/nginx.pid" 2>/dev/null) 2>/dev/null || true; rm -rf "$work"' EXIT

build_release s3bench mock-s3
export AWS_ACCESS_KEY_ID=AKIAMOCKS3SERVER0001 AWS_SECRET_ACCESS_KEY='mock/s3+server+secret+key+0000000000001'

mock_port=$(free_port)
"$bin/mock-s3" --port "$mock_port" --bucket bench --access-key "$AWS_ACCESS_KEY_ID" --secret-key "$AWS_SECRET_ACCESS_KEY" >/dev/null &
pids+=($!)
moto_port=$(free_port)
moto_server -H 127.0.0.1 -p "$moto_port" >/dev/null 2>&1 &
pids+=($!)
for _ in $(seq 50); do curl -s -o /dev/null "http://127.0.0.1:$moto_port/" && break; sleep 0.2; done
curl -s -X PUT "http://127.0.0.1:$moto_port/bench" >/dev/null

echo "ops/s, our S3 client (s3bench), ${seconds}s per measure"
printf '%-6s %-8s %10s %10s %8s\n' op threads mock moto ratio
for threads in 1 8; do
    "$s3bench" ops "http://127.0.0.1:$mock_port" bench "$threads" "$seconds" > "$work/mock.txt"
    "$s3bench" ops "http://127.0.0.1:$moto_port" bench "$threads" "$seconds" > "$work/moto.txt"
    paste "$work/mock.txt" "$work/moto.txt" | awk '{printf "%-6s %-8s %10s %10s %7.1fx\n", $1, $2, $3, $6, $3/$6}'
done
# One request in flight is a ping-pong between two threads; on this kind of VM each wake-up of a thread
# on the other core costs ~20 us, two per round trip, whoever the server is. The same measure again with
# the client and each server on one core (both servers alike) shows the servers without that toll.
if command -v taskset >/dev/null; then
    pin() { local cpus=$1; shift; for p in "$@"; do taskset -apc "$cpus" "$p" >/dev/null; done; }
    pin 0 "${pids[@]}"
    taskset -c 0 "$s3bench" ops "http://127.0.0.1:$mock_port" bench 1 "$seconds" > "$work/mock.txt"
    taskset -c 0 "$s3bench" ops "http://127.0.0.1:$moto_port" bench 1 "$seconds" > "$work/moto.txt"
    pin "0-$(( $(nproc) - 1 ))" "${pids[@]}"
    paste "$work/mock.txt" "$work/moto.txt" | awk '{printf "%-6s %-8s %10s %10s %7.1fx\n", $1, "1, 1 core", $3, $6, $3/$6}'
fi

# At one request in flight the client's own cost is in every figure: where a 1 KiB GET's time goes.
echo
echo "one 1 KiB request at a time to the mock, microseconds per request (cpu: the client's, all threads)"
"$s3bench" latency "http://127.0.0.1:$mock_port" bench | awk 'BEGIN {printf "  %-14s %8s %8s\n", "", "wall", "cpu"} {printf "  %-14s %8s %8s\n", $1, $2, $4}'

# The mock's own CPU time per request, in-process (its pipeline on an EmbeddedChannel: no sockets, no
# wake-ups); floor: NIO's HTTP pipeline answering 1 KiB and doing nothing else. hot: the same request
# again and again; cold: L1 and L2 refilled with other data before each one, nearer what a socket sees.
echo
echo "the mock alone, in-process, CPU microseconds per request"
"$s3bench" handler | awk 'BEGIN {printf "  %-14s %8s %8s\n", "", "hot", "cold"} {printf "  %-14s %8s %8s\n", $1, $2, $4}'

# The same with wrk as the client (C, so the servers are what is measured), through presigned
# SigV4 URLs: the mock verifies each signature, moto (open mode) checks none.
urls() { python3 - "$1" <<'PY'
import sys, boto3
from botocore.config import Config
s3 = boto3.client("s3", endpoint_url=sys.argv[1], region_name="us-east-1", config=Config(signature_version="s3v4"))
s3.put_object(Bucket="bench", Key="wrk/object", Body=b"a" * 1024)
for method, params in [("put_object", {"Key": "wrk/object"}), ("get_object", {"Key": "wrk/object"}),
                       ("head_object", {"Key": "wrk/object"}), ("list_objects_v2", {"Prefix": "list/", "Delimiter": "/"})]:
    print(s3.generate_presigned_url(method, Params={"Bucket": "bench", **params}, ExpiresIn=3600))
PY
}
cat > "$work/put.lua" <<'LUA'
wrk.method = "PUT"
wrk.body = string.rep("a", 1024)
LUA
wrk_rate() { # connections url [script]; on_core=N runs wrk on core N only
    local script=() pinned=()
    [ -n "${3:-}" ] && script=(-s "$3")
    [ -n "${on_core:-}" ] && pinned=(taskset -c "$on_core")
    "${pinned[@]}" wrk -t "$(( $1 < 2 ? 1 : 2 ))" -c "$1" -d "${seconds}s" "${script[@]}" "$2" | awk '/Requests\/sec/ {printf "%.0f", $2}'
}
# HEAD through s3bench raw: wrk and h2load wait for a body after a HEAD's Content-Length, and ApacheBench's
# HTTP/1.0 keep-alive is something moto does not keep (74 req/s). raw GET agrees with wrk GET on both servers.
raw_rate() { # connections url method
    "$s3bench" raw "$3" "$2" "$1" "$seconds" | awk '{print $3}'
}
mapfile -t mock_urls < <(urls "http://127.0.0.1:$mock_port")
mapfile -t moto_urls < <(urls "http://127.0.0.1:$moto_port")
# The ceiling on this loopback: nginx serving a static 1 KiB file (a server that does no work) to the same client.
nginx_port=$(free_port)
mkdir -p "$work/www/bench"
head -c 1024 /dev/zero | tr '\0' a > "$work/www/bench/one.bin"
start_nginx "$work" "$nginx_port"
static="http://127.0.0.1:$nginx_port/bench/one.bin"
# One row: ROUNDS rounds of mock, moto and nginx in turn (at one connection the rates drift with the
# machine, moto's by up to 15% between runs); the medians of the rates and of the per-round ratios.
rounds=${ROUNDS:-3}
rate() { # server row connections; row: 0 put, 1 get, 2 head, 3 list, 4 get through s3bench raw
    local urls
    case $1 in mock) urls=("${mock_urls[@]}");; moto) urls=("${moto_urls[@]}");; nginx) urls=("$static" "$static" "$static" "$static");; esac
    case $2 in
        0) if [ "$1" = nginx ]; then wrk_rate "$3" "$static"; else wrk_rate "$3" "${urls[0]}" "$work/put.lua"; fi ;;
        1|3) wrk_rate "$3" "${urls[$2]}" ;;
        2) raw_rate "$3" "${urls[2]}" HEAD ;;
        4) raw_rate "$3" "${urls[1]}" GET ;;
    esac
}
divide() { awk -v a="$1" -v b="$2" -v scale="${3:-1}" 'BEGIN{print scale*a/b}'; }
print_row() { # op conns mock moto ratio nginx mock/nginx
    printf '%-6s %-8s %10.0f %10.0f %7.1fx %10.0f %7.0f%%\n' "$@"
}
row() { # row connections rounds
    local a=() b=() c=() ratio=() share=()
    for _ in $(seq "$3"); do
        a+=("$(rate mock "$1" "$2")"); b+=("$(rate moto "$1" "$2")"); c+=("$(rate nginx "$1" "$2")")
        ratio+=("$(divide "${a[-1]}" "${b[-1]}")"); share+=("$(divide "${a[-1]}" "${c[-1]}" 100)")
    done
    local names=(put get head list "get*")
    print_row "${names[$1]}" "$2" "$(echo "${a[@]}" | median)" "$(echo "${b[@]}" | median)" \
        "$(echo "${ratio[@]}" | median)" "$(echo "${c[@]}" | median)" "$(echo "${share[@]}" | median)"
}
if command -v wrk >/dev/null; then
    echo
    echo "ops/s, wrk with presigned URLs (HEAD: s3bench raw, plain sockets), ${seconds}s per measure"
    echo "(nginx: the same client fetching a static 1 KiB file from nginx, what a server doing no work gets here;"
    echo " 1 connection: medians of $rounds rounds, the ratios per round)"
    printf '%-6s %-8s %10s %10s %8s %10s %8s\n' op conns mock moto ratio nginx mock/nginx
    for conns in 1 8; do
        for i in 0 1 2 3 4; do row "$i" "$conns" "$([ "$conns" = 1 ] && echo "$rounds" || echo 1)"; done
    done
    echo "(get*: GET through s3bench raw, the HEAD rows' client)"
    # GET again with wrk and every server on one core, as the s3bench rows above: the servers without
    # the toll of waking a thread on the other core twice per round trip.
    if command -v taskset >/dev/null; then
        nginx_pids=("$(cat "$work/nginx.pid")" $(pgrep -P "$(cat "$work/nginx.pid")"))
        pin 0 "${pids[@]}" "${nginx_pids[@]}"
        a=$(on_core=0 wrk_rate 1 "${mock_urls[1]}"); b=$(on_core=0 wrk_rate 1 "${moto_urls[1]}"); c=$(on_core=0 wrk_rate 1 "$static")
        pin "0-$(( $(nproc) - 1 ))" "${pids[@]}" "${nginx_pids[@]}"
        print_row get "1, 1 core" "$a" "$b" "$(divide "$a" "$b")" "$c" "$(divide "$a" "$c" 100)"
    fi
fi

size_mib=256
head -c $((size_mib << 20)) /dev/urandom > "$work/object.bin"
cp "$work/object.bin" "$work/www/bench/object.bin"
"$s3bench" put "http://127.0.0.1:$mock_port" bench object.bin "$work/object.bin" unsigned nomd5 >/dev/null
for i in 1 2 3 4 5; do curl -s -o /dev/null -w '%{speed_download}\n' "http://127.0.0.1:$nginx_port/bench/object.bin"; done | median > "$work/nginx_get"
presigned() { python3 - "$mock_port" <<'PY'
import sys, boto3
from botocore.config import Config
s3 = boto3.client("s3", endpoint_url=f"http://127.0.0.1:{sys.argv[1]}", region_name="us-east-1", config=Config(signature_version="s3v4"))
print(s3.generate_presigned_url("get_object", Params={"Bucket": "bench", "Key": "object.bin"}, ExpiresIn=600))
PY
}
get_url=$(presigned)
for i in 1 2 3 4 5; do curl -s -o /dev/null -w '%{speed_download}\n' "$get_url"; done | median > "$work/mock_get"
for i in 1 2 3 4 5; do "$s3bench" get "http://127.0.0.1:$mock_port" bench object.bin | awk '{print $4 * 1e6}'; done | median > "$work/mock_get_ours"
for i in 1 2 3 4 5; do "$s3bench" put "http://127.0.0.1:$mock_port" bench up.bin "$work/object.bin" unsigned nomd5 | awk '{print $4 * 1e6}'; done | median > "$work/mock_put"
"$s3bench" put "http://127.0.0.1:$moto_port" bench object.bin "$work/object.bin" unsigned nomd5 >/dev/null
for i in 1 2 3; do "$s3bench" get "http://127.0.0.1:$moto_port" bench object.bin | awk '{print $4 * 1e6}'; done | median > "$work/moto_get"
for i in 1 2 3; do "$s3bench" put "http://127.0.0.1:$moto_port" bench up.bin "$work/object.bin" unsigned nomd5 | awk '{print $4 * 1e6}'; done | median > "$work/moto_put"
echo
echo "$size_mib MiB object, medians in MB/s"
awk -v n="$(cat "$work/nginx_get")" -v m="$(cat "$work/mock_get")" -v o="$(cat "$work/mock_get_ours")" \
    -v p="$(cat "$work/mock_put")" -v mg="$(cat "$work/moto_get")" -v mp="$(cat "$work/moto_put")" 'BEGIN {
    printf "GET  curl <- nginx (static file)     %8.0f\n", n/1e6
    printf "GET  curl <- mock (presigned)        %8.0f   (%.0f%% of nginx)\n", m/1e6, 100*m/n
    printf "GET  our client <- mock              %8.0f\n", o/1e6
    printf "GET  our client <- moto              %8.0f\n", mg/1e6
    printf "PUT  our client -> mock (MD5 ETag)   %8.0f\n", p/1e6
    printf "PUT  our client -> moto              %8.0f\n", mp/1e6 }'
