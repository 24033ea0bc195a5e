# lab/lib/servers.sh — nginx and socat on the real servers. Sourced by lab/lab.sh; not run on its own.
# shellcheck shell=bash

# ---------------------------------------------------------------------------------------
# Servers on the real servers

# lab_start_http HOST [NAME] [PORT]: nginx answering every request with "NAME\n".
lab_start_http() {
    local host="$1" name="${2:-$1}" port="${3:-80}" dir
    dir="$LAB_DIR/nginx-$host-$port"
    mkdir -p "$dir" || return 1
    local temps="client_body_temp_path $dir/body; proxy_temp_path $dir/proxy;"
    local v; v="$(nginx -V 2>&1)"
    [[ "$v" == *--without-http_fastcgi_module* ]] || temps+=" fastcgi_temp_path $dir/fastcgi;"
    [[ "$v" == *--without-http_uwsgi_module* ]] || temps+=" uwsgi_temp_path $dir/uwsgi;"
    [[ "$v" == *--without-http_scgi_module* ]] || temps+=" scgi_temp_path $dir/scgi;"
    local listen6=""
    ((LAB_IPV6)) && listen6="listen [::]:$port;"
    cat >"$dir/nginx.conf" <<EOF
user root;
worker_processes 1;
daemon off;
master_process on;
pid $dir/nginx.pid;
error_log $dir/error.log warn;
worker_rlimit_nofile 16384;
events { worker_connections 8192; }
http {
    access_log off;
    $temps
    keepalive_requests 1000000;
    keepalive_timeout 120s;
    server {
        listen $port;
        $listen6
        default_type text/plain;
        location / { return 200 "$name\n"; }
    }
}
EOF
    lab_spawn "$host" "nginx-$host-$port" nginx -p "$dir" -e "$dir/error.log" -c "$dir/nginx.conf" || return 1
    local pid=$LAB_LAST_PID
    if ! lab_wait_for 10 _lab_listening "$host" tcp "$port"; then
        _lab_die "nginx on $host:$port did not start:"
        cat "$LAB_DIR/nginx-$host-$port.log" "$dir/error.log" 2>/dev/null | tail -n 20 >&2
        return 1
    fi
    _lab_running "$pid" || { _lab_die "nginx on $host exited"; return 1; }
}

_lab_listening() {
    local host="$1" proto="$2" port="$3" flag=-Hltn
    [[ "$proto" == udp ]] && flag=-Hlun
    [[ -n "$(lab_exec "$host" ss "$flag" "sport = :$port")" ]]
}

# lab_start_udp_echo HOST PORT [BIND [NAME]]: socat answering each datagram with "NAME\n".
# In DR the reply must leave from the VIP, so pass the VIP as BIND: a socket bound to
# 0.0.0.0 would answer from the real server's own address.
lab_start_udp_echo() {
    local host="$1" port="$2" bind="${3:-0.0.0.0}" name="${4:-$1}" listen
    # The child must keep reading its input (cat): if it exited at once, socat could hit
    # EPIPE writing the datagram to it and die before sending the answer. -T 2 ends each
    # child once its exchange is idle. An IPv6 BIND (:: for any) makes it an IPv6 socket.
    listen="UDP4-RECVFROM:$port,bind=$bind"
    [[ "$bind" == *:* ]] && listen="UDP6-RECVFROM:$port,bind=[$bind]"
    lab_spawn "$host" "udp-$host-$port" socat -T 2 "$listen,reuseaddr,fork" \
        "SYSTEM:echo $name; cat >/dev/null" || return 1
    lab_wait_for 10 _lab_listening "$host" udp "$port" ||
        { _lab_die "socat UDP echo on $host:$port did not start"; cat "$LAB_DIR/udp-$host-$port.log" >&2; return 1; }
}

# lab_start_decapsulator HOST [ARGS...]: `lvsd --decapsulate ARGS` on a real server (LVS-TUN
# on a kernel without ipip); ready once it has opened its sockets.
lab_start_decapsulator() {
    local host="$1"; shift
    lab_spawn "$host" "decap-$host" "$LAB_BIN/lvsd" --decapsulate "$@" || return 1
    lab_wait_for 20 grep -q 'decapsulating into' "$LAB_DIR/decap-$host.log" ||
        { _lab_die "lvsd --decapsulate on $host did not start"; cat "$LAB_DIR/decap-$host.log" >&2; return 1; }
}
