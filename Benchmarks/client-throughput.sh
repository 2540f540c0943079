#!/usr/bin/env bash
# GET and PUT of a 256 MiB object: our S3 client against curl, same server (nginx with WebDAV PUT on
# loopback, which ignores the signature), same run, alternating rounds. Prints medians and ratios. The
# *_sink rows PUT to a location where nginx discards the body (what the client alone can do).
#   bash Benchmarks/client-throughput.sh [rounds]      (needs nginx: apt-get install nginx-light)
set -euo pipefail
cd "$(dirname "$0")/.."
source Benchmarks/lib.sh
rounds=${1:-5}
size_mib=${SIZE_MIB:-256}
# tmpfs, so disk writeback does not decide the PUT figures
work=$(mktemp -d -p /dev/shm 2>/dev/null || mktemp -d)
trap 'kill $(cat "$work/nginx.pid" 2>/dev/null) 2>/dev/null || true; rm -rf "$work"' EXIT
mkdir -p "$work/www/bench"
head -c $((size_mib << 20)) /dev/urandom > "$work/object.bin"
cp "$work/object.bin" "$work/www/bench/object.bin"
port=$(free_port)
start_nginx "$work" "$port"
build_release s3bench
bench=$s3bench
url="http://127.0.0.1:$port"

declare -A results
run() { results[$1]+="$2 "; }
for round in $(seq "$rounds"); do
    run curl_get "$(curl -s -o /dev/null -w '%{speed_download}' "$url/bench/object.bin" | awk '{printf "%.1f", $1/1e6}')"
    run our_get "$("$bench" get "$url" bench object.bin | awk '{print $4}')"
    run curl_put "$(curl -s -o /dev/null -T "$work/object.bin" -w '%{speed_upload}' "$url/bench/up-curl.bin" | awk '{printf "%.1f", $1/1e6}')"
    run our_put_unsigned "$("$bench" put "$url" bench up-ours.bin "$work/object.bin" unsigned nomd5 | awk '{print $4}')"
    run our_put_unsigned_md5 "$("$bench" put "$url" bench up-ours.bin "$work/object.bin" unsigned md5 | awk '{print $4}')"
    run our_put_signed "$("$bench" put "$url" bench up-ours.bin "$work/object.bin" signed nomd5 | awk '{print $4}')"
    run our_put_signed_md5 "$("$bench" put "$url" bench up-ours.bin "$work/object.bin" signed md5 | awk '{print $4}')"
    run our_put_streaming "$("$bench" put "$url" bench up-ours.bin "$work/object.bin" streaming nomd5 | awk '{print $4}')"
    run our_put_checksum "$("$bench" put "$url" bench up-ours.bin "$work/object.bin" checksum nomd5 | awk '{print $4}')"
    run curl_put_sink "$(curl -s -o /dev/null -T "$work/object.bin" -w '%{speed_upload}' "$url/sink/up-curl.bin" | awk '{printf "%.1f", $1/1e6}')"
    run our_put_unsigned_sink "$("$bench" put "$url" sink up-ours.bin "$work/object.bin" unsigned nomd5 | awk '{print $4}')"
    run our_put_streaming_sink "$("$bench" put "$url" sink up-ours.bin "$work/object.bin" streaming nomd5 | awk '{print $4}')"
done
# nginx stores an aws-chunked body as sent (it is not S3): check a plain upload byte for byte.
"$bench" put "$url" bench up-check.bin "$work/object.bin" signed md5 >/dev/null
cmp "$work/object.bin" "$work/www/bench/up-check.bin" || { echo "uploaded object differs" >&2; exit 1; }
echo "$size_mib MiB object, $rounds rounds, medians in MB/s (10^6 bytes/s), nginx on loopback"
echo "(curl's own rate drifts between rounds, so the ratio is also given per round: ours / curl of that round;"
echo " *_sink: PUTs that nginx reads and discards, so the client's own cost decides, not nginx's storing)"
for k in curl_get our_get curl_put our_put_unsigned our_put_unsigned_md5 our_put_signed our_put_signed_md5 our_put_streaming our_put_checksum \
         curl_put_sink our_put_unsigned_sink our_put_streaming_sink; do
    m=$(echo "${results[$k]}" | median)
    curl_key=$([[ $k == *get* ]] && echo curl_get || { [[ $k == *sink ]] && echo curl_put_sink || echo curl_put; })
    base=$(echo "${results[$curl_key]}" | median)
    per_round=$(paste -d' ' <(echo "${results[$k]}" | tr ' ' '\n' | grep -v '^$') <(echo "${results[$curl_key]}" | tr ' ' '\n' | grep -v '^$') \
        | awk '{print 100*$1/$2}' | median)
    printf '%-22s %8.1f   %5.0f%% of curl, per round %5.0f%%   (all: %s)\n' "$k" "$m" \
        "$(awk -v a="$m" -v b="$base" 'BEGIN{print 100*a/b}')" "$per_round" "${results[$k]}"
done
