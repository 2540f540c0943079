#!/usr/bin/env bash
# A throwaway Ceph RADOS Gateway on loopback: a real S3 server for the tests and verify to run
# against. One monitor, one OSD keeping its data in memory (memstore), radosgw's beast frontend; no
# mgr, no systemd, nothing outside its own directory. Debian's packages: ceph-mon ceph-osd radosgw
# ceph-common (scripts/setup.sh --rgw installs them).
#   scripts/rgw.sh start [DIR]   starts it in DIR (default: a new temporary directory), prints the
#                                environment to use it (RGW_ENDPOINT, the users' keys, RGW_DIR)
#   scripts/rgw.sh stop DIR      stops every daemon by its PID and removes DIR
#   scripts/rgw.sh restart DIR   restarts radosgw alone (it aborts on some requests; see docs/rgw.md)
# The users, made with the keys given (or these defaults): main and alt, two accounts, as Ceph's
# s3-tests and the tests' cross-account checks need them, and a tenant's user when its key is given.
#   RGW_MAIN_KEY/RGW_MAIN_SECRET, RGW_ALT_KEY/RGW_ALT_SECRET, RGW_MEMORY_MIB (memstore size, 4096)
#   RGW_MAIN_UID/_NAME/_EMAIL, RGW_ALT_UID/_NAME/_EMAIL (ids and names, as s3-tests' configuration has them)
#   RGW_TENANT, RGW_TENANT_UID/_KEY/_SECRET/_NAME/_EMAIL (a user of a tenant, made when RGW_TENANT_KEY is set)
set -euo pipefail

main_key=${RGW_MAIN_KEY:-RGWMAINACCESSKEY0001}
main_secret=${RGW_MAIN_SECRET:-rgw/main/secret/key/0000000000000000001}
alt_key=${RGW_ALT_KEY:-RGWALTACCESSKEY00002}
alt_secret=${RGW_ALT_SECRET:-rgw/alt/secret/key/00000000000000000002}
memory_mib=${RGW_MEMORY_MIB:-4096}

free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
say() { echo "rgw: $*" >&2; }

stop() {
    local dir=$1
    [ -d "$dir" ] || { say "no such directory: $dir"; return 1; }
    for name in rgw osd mon; do
        local pidfile="$dir/$name.pid"
        [ -f "$pidfile" ] || continue
        local pid; pid=$(cat "$pidfile")
        kill "$pid" 2>/dev/null || true
        for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -9 "$pid" 2>/dev/null || true
    done
    rm -rf "$dir"
}

start_rgw() {
    local dir=$1
    # shellcheck disable=SC1091
    source "$dir/env"
    radosgw -f -c "$dir/ceph.conf" -n client.rgw.a > "$dir/log/rgw.out" 2>&1 &
    echo $! > "$dir/rgw.pid"
    for _ in $(seq 300); do
        if curl -s -o /dev/null "$RGW_ENDPOINT"; then return 0; fi
        kill -0 "$(cat "$dir/rgw.pid")" 2>/dev/null || { say "radosgw stopped; see $dir/log"; tail -5 "$dir/log/rgw.out" >&2; return 1; }
        sleep 0.1
    done
    say "radosgw did not answer on $RGW_ENDPOINT within 30 s; see $dir/log"
    return 1
}

start() {
    local dir=${1:-$(mktemp -d /tmp/rgw.XXXXXX)}
    for tool in ceph-mon ceph-osd radosgw radosgw-admin monmaptool ceph; do
        command -v "$tool" > /dev/null || { say "$tool is missing: bash scripts/setup.sh --rgw installs it"; exit 1; }
    done
    mkdir -p "$dir"/{mon,osd,run,log}
    local started=$SECONDS mon_port rgw_port fsid
    mon_port=$(free_port)
    rgw_port=$(free_port)
    fsid=$(python3 -c 'import uuid; print(uuid.uuid4())')
    cat > "$dir/ceph.conf" <<CONF
[global]
fsid = $fsid
mon host = v2:127.0.0.1:$mon_port
auth cluster required = none
auth service required = none
auth client required = none
ms mon client mode = crc
run dir = $dir/run
admin socket = $dir/run/\$name.asok
log file = $dir/log/\$name.log
keyring = /dev/null
osd pool default size = 1
osd pool default min size = 1
mon allow pool size one = true
osd pool default pg num = 8
osd pool default pgp num = 8
osd pool default pg autoscale mode = off
mon warn on pool no redundancy = false
osd objectstore = memstore
memstore device bytes = $((memory_mib << 20))
osd data = $dir/osd/\$id
mon data = $dir/mon/\$id
osd crush chooseleaf type = 0

[client.rgw.a]
rgw frontends = beast endpoint=127.0.0.1:$rgw_port
rgw data = $dir/rgw
auth client required = none
ms mon client mode = crc
rgw dns name = localhost
CONF
    cat > "$dir/env" <<ENV
export RGW_DIR=$dir
export RGW_ENDPOINT=http://127.0.0.1:$rgw_port
export RGW_MAIN_KEY=$main_key
export RGW_MAIN_SECRET=$main_secret
export RGW_ALT_KEY=$alt_key
export RGW_ALT_SECRET=$alt_secret
ENV
    local conf=(-c "$dir/ceph.conf")
    monmaptool --create --add a "127.0.0.1:$mon_port" --fsid "$fsid" "$dir/monmap" > /dev/null
    monmaptool --create --clobber --addv a "[v2:127.0.0.1:$mon_port]" --fsid "$fsid" "$dir/monmap" > /dev/null
    ceph-mon "${conf[@]}" --mkfs -i a --monmap "$dir/monmap" > "$dir/log/mon-mkfs.out" 2>&1
    ceph-mon "${conf[@]}" -f -i a > "$dir/log/mon.out" 2>&1 &
    echo $! > "$dir/mon.pid"
    local id
    id=$(timeout 60 ceph "${conf[@]}" osd create 2>> "$dir/log/ceph.out")
    mkdir -p "$dir/osd/$id"
    ceph-osd "${conf[@]}" -i "$id" --mkfs > "$dir/log/osd-mkfs.out" 2>&1
    ceph-osd "${conf[@]}" -f -i "$id" > "$dir/log/osd.out" 2>&1 &
    echo $! > "$dir/osd.pid"
    for _ in $(seq 300); do
        timeout 10 ceph "${conf[@]}" osd stat 2>/dev/null | grep -q "1 up" && break
        sleep 0.2
    done
    start_rgw "$dir"
    local admin=(radosgw-admin "${conf[@]}" -n client.rgw.a --admin-socket "")
    "${admin[@]}" user create --uid "${RGW_MAIN_UID:-main}" --display-name "${RGW_MAIN_NAME:-RGW main}" \
        ${RGW_MAIN_EMAIL:+--email "$RGW_MAIN_EMAIL"} --access-key "$main_key" --secret-key "$main_secret" > /dev/null
    "${admin[@]}" user create --uid "${RGW_ALT_UID:-alt}" --display-name "${RGW_ALT_NAME:-RGW alt}" \
        ${RGW_ALT_EMAIL:+--email "$RGW_ALT_EMAIL"} --access-key "$alt_key" --secret-key "$alt_secret" > /dev/null
    if [ -n "${RGW_TENANT_KEY:-}" ]; then
        "${admin[@]}" user create --tenant "${RGW_TENANT:?RGW_TENANT names the tenant}" --uid "${RGW_TENANT_UID:?}" \
            --display-name "${RGW_TENANT_NAME:-RGW tenant}" ${RGW_TENANT_EMAIL:+--email "$RGW_TENANT_EMAIL"} \
            --access-key "$RGW_TENANT_KEY" --secret-key "${RGW_TENANT_SECRET:?}" > /dev/null
    fi
    say "ready on http://127.0.0.1:$rgw_port after $((SECONDS - started)) s (stop: bash scripts/rgw.sh stop $dir)"
    cat "$dir/env"
}

case "${1:-}" in
start) start "${2:-}" ;;
stop) stop "${2:?usage: scripts/rgw.sh stop DIR}" ;;
restart)
    dir=${2:?usage: scripts/rgw.sh restart DIR}
    kill "$(cat "$dir/rgw.pid")" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$(cat "$dir/rgw.pid")" 2>/dev/null || break; sleep 0.1; done
    start_rgw "$dir"
    ;;
*) echo "usage: scripts/rgw.sh start [DIR] | stop DIR | restart DIR" >&2; exit 2 ;;
esac
