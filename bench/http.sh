#!/usr/bin/env bash
# HTTP benchmark: one command. wrk against nginx through the VIP, for every candidate, in
# interleaved rounds (A B C … per round), medians of the rounds and per-round ratios:
#
#   direct    no director: the client addresses the real server's MAC for the VIP
#   kernel    kernel DR equivalent: nftables netdev ingress `fwd` to the real server's MAC
#   dnat      kernel NAT load balancing: nftables DNAT in prerouting (conntrack)
#   haproxy   HAProxy in TCP mode, one thread, on the director (VIP on its lo)
#   lvsd      bin/lvsd --realtime --cpu 1, lvsadm -A -t VIP:80 -s rr; -a -r RIP -g
#   lvsd-nat  the same with -m (skipped with a note when this lvsd does not take -m)
#   lvsd-xdp  lvsd DR with --port xdp (AF_XDP); lvsd-fast: with --port xdp --fast-path (the XDP
#             program forwards established packets itself, docs/fast-path.md); lvsd-fastg: the
#             same with --xdp-mode generic; all count their XDP work on CPU 1 as bench/dr.sh
#             does (bench/lib/xdp.sh). Not in the default set.
#
# Cells: 1 and 50 connections, keep-alive and a new connection per request
# (`-H 'Connection: close'`; the client sets tcp_tw_reuse=1 and ip_local_port_range 1024 65535,
# TESTBED fact 7). Latency: wrk --latency p50/p99 at 1 connection.
#
# Topology (flat L2 in namespaces named lvsh<pid>*, 198.18.0.0/24, VIP 198.18.0.100):
# client, director, real server, each on a veth into a bridge namespace. CPU placement as in
# bench/dr.sh: wrk, nginx and the bridge on CPU 0; the director's ingress (rps_cpus), lvsd and
# HAProxy on CPU 1.
#
# Usage: bench/http.sh [--quick] [--rounds N] [--seconds S] [--candidates "..."] [--cells "1:keepalive 50:keepalive 1:close 50:close"]
#                      [--no-build] [--out NAME] [--wait-quiet S]
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
ROUNDS=5
SECS=3
CANDIDATES="direct kernel dnat haproxy lvsd lvsd-nat"
CELLS="1:keepalive 50:keepalive 1:close 50:close"
BUILD=1
OUT=http
WAIT_QUIET=0
ARGS="$*"

while [ $# -gt 0 ]; do
    case "$1" in
        --quick) ROUNDS=3; SECS=2 ;;
        --rounds) ROUNDS=$2; shift ;;
        --seconds) SECS=$2; shift ;;
        --candidates) CANDIDATES=$2; shift ;;
        --cells) CELLS=$2; shift ;;
        --no-build) BUILD=0 ;;
        --out) OUT=$2; shift ;;
        --wait-quiet) WAIT_QUIET=$2; shift ;;
        -h|--help) sed -n '2,24p' "$0"; exit 0 ;;
        *) echo "http.sh: unknown option $1" >&2; exit 2 ;;
    esac
    shift
done

[ "$(id -u)" = 0 ] || { echo "http.sh: needs root (network namespaces)" >&2; exit 1; }
need=()
for tool in ip:iproute2 nft:nftables taskset:util-linux wrk:wrk nginx:nginx-light haproxy:haproxy; do
    command -v "${tool%%:*}" >/dev/null || need+=("${tool#*:}")
done
if [ ${#need[@]} -gt 0 ]; then
    echo "http.sh: installing ${need[*]}" >&2
    { apt-get install -y "${need[@]}" || { apt-get update && apt-get install -y "${need[@]}"; }; } >/dev/null
fi
[ "$(getconf _NPROCESSORS_ONLN)" -ge 2 ] || { echo "http.sh: needs 2 CPUs" >&2; exit 1; }

GEN_BIN=$ROOT/bench/Generator/bin/Release/net10.0/lvsgen
LVSD=$ROOT/bin/lvsd
LVSADM=$ROOT/bin/lvsadm
if [ "$BUILD" = 1 ]; then
    dotnet build "$ROOT/bench/Generator" -c Release --nologo -v q >/dev/null
    case " $CANDIDATES " in *" lvsd"*)
        dotnet publish "$ROOT/src/SharpLvs.Daemon" -c Release -o "$ROOT/bin" --nologo -v q >/dev/null &&
            dotnet publish "$ROOT/src/SharpLvs.Cli" -c Release -o "$ROOT/bin" --nologo -v q >/dev/null ||
            echo "http.sh: building lvsd/lvsadm failed; trying whatever is in bin/" >&2 ;;
    esac
fi
case " $CANDIDATES " in *" lvsd"*)
    if [ ! -x "$LVSD" ] || [ ! -x "$LVSADM" ]; then
        echo "http.sh: bin/lvsd or bin/lvsadm missing: skipping the lvsd candidates" >&2
        CANDIDATES=$(echo " $CANDIDATES " | sed 's/ lvsd-nat / /; s/ lvsd-xdp / /; s/ lvsd-fast / /; s/ lvsd-fastg / /; s/ lvsd / /')
    fi ;;
esac

taskset -pc 0 $$ >/dev/null

P="lvsh$$"
CLI=${P}cli; DIR=${P}dir; RS=${P}rs; BR=${P}br
CLI_IP=198.18.0.1; DIR_IP=198.18.0.2; RS_IP=198.18.0.3; VIP=198.18.0.100
WORK=$(mktemp -d /tmp/lvshttp.XXXXXX)
PIDS=()
ACTIVE=""

alive() { local st; st=$(sed 's/^.*) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f1) || true; [ -n "$st" ] && [ "$st" != Z ]; }
stop_pid() {
    local i
    [ -n "$1" ] || return 0
    kill "$1" 2>/dev/null || { wait "$1" 2>/dev/null || true; return 0; }
    for i in $(seq 1 100); do alive "$1" || break; sleep 0.1; done
    kill -KILL "$1" 2>/dev/null || true
    wait "$1" 2>/dev/null || true
}
cleanup() {
    set +e
    [ -n "$ACTIVE" ] && teardown "$ACTIVE"
    for pid in "${PIDS[@]}"; do stop_pid "$pid"; done
    for ns in "$CLI" "$DIR" "$RS" "$BR"; do ip netns del "$ns" 2>/dev/null; done
    rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
in_ns() { local ns=$1; shift; ip netns exec "$ns" "$@"; }
# shellcheck source=bench/lib/xdp.sh
. "$ROOT/bench/lib/xdp.sh"

for ns in "$CLI" "$DIR" "$RS" "$BR"; do ip netns add "$ns"; ip -n "$ns" link set lo up; done
ip -n "$BR" link add br0 type bridge
ip -n "$BR" link set br0 up
in_ns "$BR" sysctl -qw net.bridge.bridge-nf-call-iptables=0 net.bridge.bridge-nf-call-ip6tables=0 \
    net.bridge.bridge-nf-call-arptables=0 2>/dev/null || true
link() { ip -n "$BR" link add "$3" type veth peer name "$2" netns "$1"; ip -n "$BR" link set "$3" master br0 up; ip -n "$1" link set "$2" up; }
link "$CLI" c0 pc
link "$DIR" d0 pd
link "$RS" r0 pr
ip -n "$CLI" addr add $CLI_IP/24 dev c0
ip -n "$DIR" addr add $DIR_IP/24 dev d0
ip -n "$RS" addr add $RS_IP/24 dev r0
ip -n "$RS" addr add $VIP/32 dev lo
in_ns "$RS" sysctl -qw net.ipv4.conf.all.arp_ignore=1 net.ipv4.conf.all.arp_announce=2 \
    net.ipv4.conf.r0.arp_ignore=1 net.ipv4.conf.r0.arp_announce=2 net.core.somaxconn=4096
# TESTBED fact 7: without these a client making a connection per request runs out of ports.
in_ns "$CLI" sysctl -qw net.ipv4.tcp_tw_reuse=1 net.ipv4.ip_local_port_range="1024 65535"
mac() { ip -n "$1" -br link show dev "$2" | awk '{print $3}'; }
CLI_MAC=$(mac "$CLI" c0); DIR_MAC=$(mac "$DIR" d0); RS_MAC=$(mac "$RS" r0)
ip -n "$DIR" neigh replace $RS_IP lladdr "$RS_MAC" dev d0 nud permanent
ip -n "$DIR" neigh replace $CLI_IP lladdr "$CLI_MAC" dev d0 nud permanent
ip -n "$RS" neigh replace $CLI_IP lladdr "$CLI_MAC" dev r0 nud permanent
ip -n "$RS" neigh replace $DIR_IP lladdr "$DIR_MAC" dev r0 nud permanent
ip -n "$CLI" neigh replace $DIR_IP lladdr "$DIR_MAC" dev c0 nud permanent
for p in "pc $CLI_MAC" "pd $DIR_MAC" "pr $RS_MAC"; do set -- $p; bridge -n "$BR" fdb replace "$2" dev "$1" master static; done
rps() { in_ns "$1" sh -c "echo $3 > /sys/class/net/$2/queues/rx-0/rps_cpus"; }
rps "$DIR" d0 2; rps "$BR" pd 1; rps "$BR" pc 1; rps "$BR" pr 1; rps "$RS" r0 1; rps "$CLI" c0 1

# nginx: one worker on CPU 0, every request answered from memory, keep-alive without limit.
mkdir -p "$WORK/nginx"
cat >"$WORK/nginx/nginx.conf" <<EOF
worker_processes 1;
worker_cpu_affinity 01;
worker_rlimit_nofile 16384;
daemon off;
pid $WORK/nginx/nginx.pid;
error_log $WORK/nginx/error.log warn;
events { worker_connections 8192; }
http {
    access_log off;
    keepalive_requests 100000000;
    keepalive_timeout 60s;
    client_body_temp_path $WORK/nginx;
    proxy_temp_path $WORK/nginx;
    fastcgi_temp_path $WORK/nginx;
    uwsgi_temp_path $WORK/nginx;
    scgi_temp_path $WORK/nginx;
    server {
        listen 80 backlog=4096 reuseport;
        location / { return 200 "ok\n"; }
    }
}
EOF
ip netns exec "$RS" taskset -c 0 nginx -p "$WORK/nginx" -e "$WORK/nginx/error.log" -c "$WORK/nginx/nginx.conf" >"$WORK/nginx.log" 2>&1 &
PIDS+=($!)

cat >"$WORK/haproxy.cfg" <<EOF
global
    nbthread 1
    maxconn 8000
defaults
    mode tcp
    timeout connect 5s
    timeout client 60s
    timeout server 60s
listen vip
    bind $VIP:80
    server rs $RS_IP:80
EOF

LVSD_PID=""; HAPROXY_PID=""; XDP_PASS_PID=""
client_to() { ip -n "$CLI" neigh replace $VIP lladdr "$1" dev c0 nud permanent; }
# NAT candidates: the real server's replies to the client must come back through the director.
rs_via_director() { ip -n "$RS" route replace $CLI_IP/32 via $DIR_IP dev r0; }
rs_direct() { ip -n "$RS" route del $CLI_IP/32 2>/dev/null || true; }

setup() {
    ACTIVE=$1
    case "$1" in
        direct) client_to "$RS_MAC" ;;
        kernel)
            client_to "$DIR_MAC"
            in_ns "$DIR" nft -f - <<EOF
table netdev lvshttp {
    chain ingress {
        type filter hook ingress device "d0" priority 0;
        ip daddr $VIP tcp dport 80 ether saddr set $DIR_MAC ether daddr set $RS_MAC fwd to "d0"
    }
}
EOF
            ;;
        dnat)
            client_to "$DIR_MAC"; rs_via_director
            in_ns "$DIR" sysctl -qw net.ipv4.ip_forward=1 net.ipv4.conf.all.send_redirects=0 net.ipv4.conf.d0.send_redirects=0
            in_ns "$DIR" nft -f - <<EOF
table ip lvshttpnat {
    chain prerouting {
        type nat hook prerouting priority dstnat;
        ip daddr $VIP tcp dport 80 dnat to $RS_IP
    }
}
EOF
            ;;
        haproxy)
            client_to "$DIR_MAC"
            ip -n "$DIR" addr add $VIP/32 dev lo
            ip netns exec "$DIR" taskset -c 1 haproxy -db -f "$WORK/haproxy.cfg" >"$WORK/haproxy.log" 2>&1 &
            HAPROXY_PID=$!; PIDS+=("$HAPROXY_PID")
            local i
            for i in $(seq 1 50); do in_ns "$DIR" sh -c "ss -ltn | grep -q '$VIP:80'" && break; sleep 0.1; done
            ;;
        lvsd|lvsd-nat|lvsd-xdp|lvsd-fast|lvsd-fastg)
            client_to "$DIR_MAC"
            [ "$1" = lvsd-nat ] && rs_via_director
            local port=()
            [ "$1" = lvsd-xdp ] && port=(--port xdp)
            [ "$1" = lvsd-fast ] && port=(--port xdp --fast-path)
            [ "$1" = lvsd-fastg ] && port=(--port xdp --xdp-mode generic --fast-path)
            ip netns exec "$DIR" nice -n -15 taskset -c 1 "$LVSD" --interface d0 --realtime --cpu 1 "${port[@]}" --state-file "$WORK/lvsd.rules" >"$WORK/lvsd.log" 2>&1 &
            LVSD_PID=$!; PIDS+=("$LVSD_PID")
            local i
            for i in $(seq 1 100); do
                in_ns "$DIR" "$LVSADM" -L -n >/dev/null 2>&1 && break
                alive "$LVSD_PID" || { echo "http.sh: lvsd exited:" >&2; cat "$WORK/lvsd.log" >&2; return 1; }
                sleep 0.1
            done
            case "$1" in lvsd-xdp|lvsd-fast) xdp_pin_napi "$DIR" d0 fifo || return 1 ;; esac
            if [ "$1" = lvsd-fast ]; then
                XDP_PASS_PID=$(xdp_pass_start "$BR" pd "$WORK/xdp-pass.log") || return 1
            fi
            in_ns "$DIR" "$LVSADM" -A -t $VIP:80 -s rr
            local method=-g
            [ "$1" = lvsd-nat ] && method=-m
            in_ns "$DIR" "$LVSADM" -a -t $VIP:80 -r $RS_IP $method || { echo "http.sh: this lvsd does not take $method" >&2; return 1; }
            ;;
    esac
}
teardown() {
    case "$1" in
        kernel) in_ns "$DIR" nft delete table netdev lvshttp ;;
        dnat)
            in_ns "$DIR" nft delete table ip lvshttpnat
            in_ns "$DIR" sysctl -qw net.ipv4.ip_forward=0
            rs_direct ;;
        haproxy) stop_pid "$HAPROXY_PID"; HAPROXY_PID=""; ip -n "$DIR" addr del $VIP/32 dev lo ;;
        lvsd|lvsd-nat|lvsd-xdp|lvsd-fast|lvsd-fastg)
            case "$1" in lvsd-xdp|lvsd-fast) xdp_unpin_napi "$DIR" d0 ;; esac
            stop_pid "$XDP_PASS_PID"; XDP_PASS_PID=""
            alive "$LVSD_PID" || echo "http.sh: lvsd ended by itself (log below)" >&2
            stop_pid "$LVSD_PID"; LVSD_PID=""; rm -f "$WORK/lvsd.rules"
            cat "$WORK/lvsd.log" >>"$ROOT/bench/results/lvsd-http.log"
            rs_direct ;;
    esac
    ACTIVE=""
}

# wrk's latency units → µs
to_us() { awk -v v="$1" 'BEGIN { n = v + 0; if (v ~ /us$/) f = 1; else if (v ~ /ms$/) f = 1000; else if (v ~ /s$/) f = 1e6; else f = 1; printf "%.1f", n * f }'; }

measure() { # measure ROUND CANDIDATE CONNS MODE
    local hdr=() out rps p50 p99 errors
    [ "$4" = close ] && hdr=(-H "Connection: close")
    out=$(in_ns "$CLI" taskset -c 0 wrk -t1 -c"$3" -d"${SECS}s" --timeout 2s --latency "${hdr[@]}" "http://$VIP/" 2>&1) || true
    rps=$(awk '/^Requests\/sec:/ { print $2 }' <<<"$out")
    p50=$(to_us "$(awk '$1 == "50%" { print $2 }' <<<"$out")")
    p99=$(to_us "$(awk '$1 == "99%" { print $2 }' <<<"$out")")
    errors=$(awk '/Socket errors:/ { gsub(",", ""); s = 0; for (i = 1; i <= NF; i++) if ($i ~ /^[0-9]+$/) s += $i; print s } /Non-2xx/ { print $NF }' <<<"$out" | awk '{ s += $1 } END { print s + 0 }')
    [ -n "$rps" ] || { rps=0; echo "  wrk said: $(tail -n 3 <<<"$out" | tr '\n' ' ')" >&2; }
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$4" "$rps" "$p50" "$p99" "$errors" >>"$RUNS"
    printf '  round %s %-9s %2s conn %-9s %10s req/s  p50 %8s µs  p99 %9s µs  errors %s\n' "$1" "$2" "$3" "$4" "$rps" "$p50" "$p99" "$errors"
}

machine_busy() { awk '$1 == "cpu" { print $2 + $3 + $4 + $7 + $8 + $9 }' /proc/stat; }
wait_quiet() {
    local waited=0 a b pct hz; hz=$(getconf CLK_TCK)
    while :; do
        a=$(machine_busy); sleep 1; b=$(machine_busy)
        pct=$(( (b - a) * 100 / hz ))
        if [ "$pct" -lt 15 ] || [ "$waited" -ge "$WAIT_QUIET" ]; then break; fi
        waited=$((waited + 1))
    done
    echo "  (other load before round: ${pct}% of a CPU, waited ${waited}s)"
}

RUNS=$WORK/runs.tsv
: >"$RUNS"
mkdir -p "$ROOT/bench/results"
: >"$ROOT/bench/results/lvsd-http.log"
for i in $(seq 1 50); do in_ns "$RS" sh -c "ss -ltn | grep -q ':80 '" && break; sleep 0.1; done
echo "topology $P: client $CLI_IP → VIP $VIP:80 (director $DIR_IP) → nginx $RS_IP; candidates: $CANDIDATES; cells: $CELLS; $ROUNDS rounds × ${SECS}s"

SKIP=""
for round in $(seq 1 "$ROUNDS"); do
    [ "$WAIT_QUIET" -gt 0 ] && wait_quiet
    for c in $CANDIDATES; do
        case " $SKIP " in *" $c "*) continue ;; esac
        if ! setup "$c"; then
            echo "http.sh: skipping $c from now on" >&2
            SKIP="$SKIP $c"; teardown "$c" || true; continue
        fi
        in_ns "$CLI" taskset -c 0 wrk -t1 -c10 -d1s "http://$VIP/" >/dev/null 2>&1 || true   # warm-up
        for cell in $CELLS; do
            measure "$round" "$c" "${cell%%:*}" "${cell#*:}"
        done
        teardown "$c"
    done
done

RESULTS=$ROOT/bench/results
cp "$RUNS" "$RESULTS/$OUT-runs.tsv"
{
    "$GEN_BIN" http-report --input "$RUNS" --chart-data "$RESULTS/$OUT-chart.dat" \
        --title "## HTTP benchmark ($(date -u +%Y-%m-%d), $(uname -r), $(getconf _NPROCESSORS_ONLN) CPUs)"
    echo
    echo "Setup: wrk (1 thread, CPU 0) → VIP → nginx \`return 200\` (1 worker, CPU 0); director work on CPU 1 (ingress rps_cpus, lvsd --realtime --cpu 1, HAProxy pinned); ${ROUNDS} rounds × ${SECS} s per cell.${SKIP:+ Skipped: $SKIP (see above).} Command: \`bench/http.sh${ARGS:+ $ARGS}\`."
} >"$RESULTS/$OUT.md"
echo
cat "$RESULTS/$OUT.md"
