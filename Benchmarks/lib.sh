# Helpers the benchmark scripts share; `source` it.

# A free TCP port on loopback.
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# The median of numbers separated by spaces or newlines on stdin.
median() { tr ' ' '\n' | grep -v '^$' | sort -n | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }

# start_nginx WORK PORT: nginx serving WORK/www on PORT, accepting WebDAV PUTs into it; its pid
# file is WORK/nginx.pid.
start_nginx() {
    local work=$1 port=$2
    mkdir -p "$work/www" "$work/tmp" "$work/logs"
    cat > "$work/nginx.conf" <<CONF
user root;
worker_processes 1;
pid $work/nginx.pid;
error_log $work/logs/error.log;
events { worker_connections 64; }
http {
    access_log off;
    sendfile on;
    client_body_temp_path $work/tmp;
    server {
        listen 127.0.0.1:$port;
        root $work/www;
        location / { dav_methods PUT; create_full_put_path on; client_max_body_size 0; client_body_buffer_size 1m; }
        # A PUT here is read and thrown away: the client's own rate, without nginx's cost of storing it.
        location /sink/ { client_max_body_size 0; return 201; }
    }
}
CONF
    nginx -c "$work/nginx.conf"
}

# build_release PRODUCT...: release builds; the project's programs land in $bin, and s3bench, which
# lives in the Benchmarks package so the project's own build never compiles it, at $s3bench.
build_release() {
    local p
    for p in "$@"; do
        if [ "$p" = s3bench ]; then
            swift build -c release --package-path Benchmarks --product s3bench >/dev/null
        else
            swift build -c release --product "$p" >/dev/null
        fi
    done
    bin=$(swift build -c release --show-bin-path)
    s3bench=$(swift build -c release --package-path Benchmarks --show-bin-path)/s3bench
}

# make_csv FILE MB: real-shaped telemetry (the 12 parameters of the real files for each of 20 cars, laps 1-30).
make_csv() { python3 - "$1" "$2" <<'PY'
import random, sys
path, mb = sys.argv[1], int(sys.argv[2])
random.seed(1)
names = ["speed","gear","nmot","aps","pbrake_f","pbrake_r","accx_can","accy_can","Steering_Angle","VBOX_Long_Minutes","VBOX_Lat_Min","Laptrigger_lapdist_dls"]
with open(path, "w") as f:
    f.write("expire_at,lap,meta_event,meta_session,meta_source,meta_time,original_vehicle_id,outing,telemetry_name,telemetry_value,timestamp,vehicle_id,vehicle_number\n")
    size, n = 0, 0
    while size < mb * 1_000_000:
        v = n % 20
        line = f",{(n // 5000) % 30 + 1},I_R06_2025-09-07,R1,kafka:gr-raw,2025-09-07T14:03:21.{n % 1000:03d}Z,GR86-004-{v},1,{names[(n // 20) % 12]},{random.random() * 200:.3f},2025-09-07T14:03:21.{n % 1000:03d}Z,GR86-004-{v},{v}\n"
        f.write(line); size += len(line); n += 1
PY
}

# start_mock_s3 BIN VAR: BIN/mock-s3 on a free port with the bucket "bench" and the keys in
# AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY; once it answers, VAR holds its port and the caller's
# `pids` its pid (not run in a subshell, so the caller's clean-up can stop it).
start_mock_s3() {
    local port; port=$(free_port)
    "$1/mock-s3" --port "$port" --bucket bench --access-key "$AWS_ACCESS_KEY_ID" --secret-key "$AWS_SECRET_ACCESS_KEY" >/dev/null &
    pids+=($!)
    for _ in $(seq 50); do curl -s -o /dev/null "http://127.0.0.1:$port/" && break; sleep 0.1; done
    printf -v "$2" '%s' "$port"
}

# compare_medians A B NAME_A NAME_B: files of "measure value" lines, one line per measure and round;
# prints each measure's median [min-max] on both sides and B/A.
compare_medians() {
    local a=$1 b=$2 measure x y xm ym
    printf '%-24s %24s %24s %8s\n' measure "$3" "$4" "$4/$3"
    for measure in $(awk '{print $1}' "$b" | awk '!seen[$0]++'); do
        x=$(awk -v m="$measure" '$1 == m {print $2}' "$a")
        y=$(awk -v m="$measure" '$1 == m {print $2}' "$b")
        [ -n "$x" ] || continue
        xm=$(echo "$x" | median) ym=$(echo "$y" | median)
        printf '%-24s %10s %13s %10s %13s %7.2fx\n' "$measure" "$xm" "[$(echo "$x" | sort -n | head -1)-$(echo "$x" | sort -n | tail -1)]" \
            "$ym" "[$(echo "$y" | sort -n | head -1)-$(echo "$y" | sort -n | tail -1)]" "$(awk -v p="$ym" -v q="$xm" 'BEGIN {print (q > 0) ? p / q : 0}')"
    done
}
