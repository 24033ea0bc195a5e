#!/usr/bin/env bash
# lab.sh — the SharpLVS namespace lab (see shared TESTBED.md).
#
# Source it from bash (`. lab/lab.sh`) and call lab_up / lab_exec / ... / lab_down, or run
# it as a small CLI: `lab/lab.sh help`.
#
# Topology (seed 002's DR layout; --flat puts the client on the LAN and drops the router):
#
#   client 198.19.0.100 ── br-cli ── 198.19.0.1 router 198.18.0.254 ── br-lan ──┬── director 198.18.0.11
#                       (both bridges live in the "sw" namespace)               ├── rs1 198.18.0.21
#                                                                               └── rs2 198.18.0.22 ...
#   VIP 198.18.0.250; the director and the real servers use the router as default gateway.
#
# Every namespace is named "<prefix><host>" with a per-run prefix; every veth is created
# directly inside the namespaces (nothing is ever placed in the root namespace); every
# process the lab starts is remembered by PID and stopped by PID; lab_down removes it all
# and is idempotent. Functions return non-zero with a message on stderr when they fail.

# ---------------------------------------------------------------------------------------
# Constants and state

LAB_HOME="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
LAB_REPO="$(cd "$LAB_HOME/.." && pwd)"
LAB_BIN="${LAB_BIN:-$LAB_REPO/bin}"
LAB_TMP="${LAB_TMP:-${TMPDIR:-/tmp}}"

LAB_LAN_NET=198.18.0
LAB_CLI_NET=198.19.0
LAB_ROUTER_LAN_IP=198.18.0.254
LAB_ROUTER_CLI_IP=198.19.0.1
LAB_DIRECTOR_IP=198.18.0.11
LAB_DEFAULT_VIP=198.18.0.250
LAB_LAN6=fd00:198:18:0
LAB_CLI6=fd00:198:18:1
LAB_DEFAULT_VIP6=fd00:198:18::250

# Per-lab state (filled by lab_up or lab_attach).
LAB_PREFIX="${LAB_PREFIX:-}"
LAB_DIR=""
LAB_VIP=""
LAB_VIP6=""
LAB_SERVERS=0
LAB_FLAT=0
LAB_IPV6=0
LAB_CLIENT_IP=""
LAB_LVSD_PID=""
LAB_RS_IPS=()
LAB_HOSTS=()

_lab_log() { printf 'lab: %s\n' "$*" >&2; }
_lab_die() { printf 'lab: error: %s\n' "$*" >&2; return 1; }

# A fresh prefix: "slvs<pid>-<4 hex>-". Namespace names are "<prefix><host>". A test that
# needs a second lab in turn uses "<prefix>2-" so that reaping <prefix> covers both.
lab_new_prefix() {
    printf 'slvs%s-%04x-' "$$" "$((RANDOM % 65536))"
}

lab_ns() {
    [[ -n "$LAB_PREFIX" ]] || { _lab_die "no lab (call lab_up first)"; return 1; }
    printf '%s%s' "$LAB_PREFIX" "$1"
}

# Address of a host on its (first) network.
lab_ip() {
    case "$1" in
        client) printf '%s' "$LAB_CLIENT_IP" ;;
        router) printf '%s' "$LAB_ROUTER_LAN_IP" ;;
        director) printf '%s' "$LAB_DIRECTOR_IP" ;;
        rs[0-9]*) printf '%s.%d' "$LAB_LAN_NET" "$((20 + ${1#rs}))" ;;
        *) _lab_die "unknown host '$1'"; return 1 ;;
    esac
}

lab_ip6() {
    case "$1" in
        client) if ((LAB_FLAT)); then printf '%s::100' "$LAB_LAN6"; else printf '%s::100' "$LAB_CLI6"; fi ;;
        router) printf '%s::254' "$LAB_LAN6" ;;
        director) printf '%s::11' "$LAB_LAN6" ;;
        rs[0-9]*) printf '%s::%d' "$LAB_LAN6" "$((20 + ${1#rs}))" ;;
        *) _lab_die "unknown host '$1'"; return 1 ;;
    esac
}

# Deterministic MACs make captures readable: 02:00:<net>:<host octet>.
_lab_mac() { printf '02:00:c6:%02x:00:%02x' "$1" "$2"; }

# MAC of a host's interface (default eth0 on the LAN side; the router's LAN side is eth1).
lab_mac() {
    local host="$1" dev="${2:-}"
    if [[ -z "$dev" ]]; then
        dev=eth0
        [[ "$host" == router ]] && dev=eth1
    fi
    lab_exec "$host" cat "/sys/class/net/$dev/address"
}

# ---------------------------------------------------------------------------------------
# Running things in hosts

lab_exec() {
    local host="$1"; shift
    local ns; ns="$(lab_ns "$host")" || return 1
    ip netns exec "$ns" "$@"
}

# Remember a PID so lab_down stops it.
_lab_track() { printf '%s %s\n' "$1" "$2" >>"$LAB_DIR/pids"; }

# lab_spawn HOST NAME CMD... : run CMD in HOST in the background, stdout+stderr to
# $LAB_DIR/NAME.log; the PID is in LAB_LAST_PID (and tracked for lab_down).
lab_spawn() {
    local host="$1" name="$2"; shift 2
    local ns; ns="$(lab_ns "$host")" || return 1
    # `ip netns exec` execs the command after setns, so $! is the command's own PID.
    ip netns exec "$ns" "$@" </dev/null >"$LAB_DIR/$name.log" 2>&1 &
    LAB_LAST_PID=$!
    _lab_track "$LAB_LAST_PID" "$name"
}

# lab_wait_for SECONDS CMD... : poll CMD every 0.1 s until it succeeds.
lab_wait_for() {
    local limit="$1"; shift
    local deadline=$((SECONDS + limit))
    while ! "$@" >/dev/null 2>&1; do
        ((SECONDS < deadline)) || return 1
        sleep 0.1
    done
}

_lab_alive() { kill -0 "$1" 2>/dev/null; }

# lab_stop_pid PID [SECONDS] : SIGTERM, wait, SIGKILL if it will not go.
lab_stop_pid() {
    local pid="$1" limit="${2:-5}" deadline
    _lab_alive "$pid" || { wait "$pid" 2>/dev/null || true; return 0; }
    kill -TERM "$pid" 2>/dev/null || true
    deadline=$((SECONDS + limit))
    while _lab_alive "$pid" && ((SECONDS < deadline)); do
        # Reap it if it is our child, so kill -0 stops seeing a zombie.
        if ! ps -o stat= -p "$pid" 2>/dev/null | grep -q Z; then sleep 0.1; else wait "$pid" 2>/dev/null || true; fi
    done
    if _lab_alive "$pid" && ! ps -o stat= -p "$pid" 2>/dev/null | grep -q Z; then
        _lab_log "PID $pid ignored SIGTERM for ${limit}s; sending SIGKILL"
        kill -KILL "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
        return 1
    fi
    wait "$pid" 2>/dev/null || true
    return 0
}

# ---------------------------------------------------------------------------------------
# Building the lab

_lab_usage_up() {
    cat >&2 <<'EOF'
lab_up [--servers N] [--flat] [--vip-on eth|lo|none] [--vip ADDR] [--no-rs-vip]
       [--ipv6] [--no-trap]
  --servers N      real servers rs1..rsN (default 2)
  --flat           client on the server LAN (198.18.0.100), no router
  --vip-on WHERE   the director's VIP: eth0 alias "eth0:0" (default), lo, or none
  --vip ADDR       VIP (default 198.18.0.250)
  --no-rs-vip      do not put the VIP on the real servers' lo (seed 001's script)
  --ipv6           also give every host an fd00:198:18::/48 address (nodad)
  --no-trap        do not install the EXIT/INT/TERM trap that calls lab_down
EOF
}

lab_up() {
    local servers=2 flat=0 vip_on=eth vip="$LAB_DEFAULT_VIP" rs_vip=1 ipv6=0 trap=1
    while (($#)); do
        case "$1" in
            --servers) servers="${2:?}"; shift 2 ;;
            --flat) flat=1; shift ;;
            --vip-on) vip_on="${2:?}"; shift 2 ;;
            --vip) vip="${2:?}"; shift 2 ;;
            --no-rs-vip) rs_vip=0; shift ;;
            --ipv6) ipv6=1; shift ;;
            --no-trap) trap=0; shift ;;
            -h|--help) _lab_usage_up; return 0 ;;
            *) _lab_usage_up; _lab_die "lab_up: unknown option '$1'"; return 1 ;;
        esac
    done
    case "$vip_on" in eth|lo|none) ;; *) _lab_die "--vip-on must be eth, lo or none"; return 1 ;; esac
    [[ "$servers" =~ ^[0-9]+$ ]] && ((servers >= 1 && servers <= 50)) ||
        { _lab_die "--servers must be 1..50"; return 1; }
    [[ "$vip" =~ ^198\.1[89]\.[0-9]+\.[0-9]+$ ]] || { _lab_die "VIP must be in 198.18.0.0/15"; return 1; }
    ((EUID == 0)) || { _lab_die "the lab needs root"; return 1; }
    [[ -z "$LAB_DIR" ]] || { _lab_die "a lab is already up ($LAB_PREFIX); lab_down first"; return 1; }

    [[ -n "$LAB_PREFIX" ]] || LAB_PREFIX="$(lab_new_prefix)"
    if ip netns list | awk '{print $1}' | grep -q "^${LAB_PREFIX}"; then
        _lab_die "namespaces with prefix $LAB_PREFIX already exist"; return 1
    fi
    LAB_DIR="$LAB_TMP/${LAB_PREFIX}lab"
    mkdir -m 700 "$LAB_DIR" || { LAB_DIR=""; _lab_die "cannot create $LAB_DIR"; return 1; }
    : >"$LAB_DIR/pids"
    if ((trap)); then
        trap 'lab_down' EXIT
        trap 'lab_down; trap - INT; kill -INT $$' INT
        trap 'lab_down; trap - TERM; kill -TERM $$' TERM
    fi

    LAB_SERVERS=$servers LAB_FLAT=$flat LAB_IPV6=$ipv6 LAB_VIP=$vip
    LAB_VIP6=""; ((ipv6)) && LAB_VIP6=$LAB_DEFAULT_VIP6
    if ((flat)); then LAB_CLIENT_IP="$LAB_LAN_NET.100"; else LAB_CLIENT_IP="$LAB_CLI_NET.100"; fi
    LAB_RS_IPS=() LAB_HOSTS=(client director)
    ((flat)) || LAB_HOSTS+=(router)
    local i
    for ((i = 1; i <= servers; i++)); do
        LAB_HOSTS+=("rs$i") LAB_RS_IPS+=("$LAB_LAN_NET.$((20 + i))")
    done
    _lab_save_state

    _lab_build "$vip_on" "$rs_vip" || { _lab_log "lab_up failed; tearing down"; lab_down; return 1; }
    _lab_log "up: prefix $LAB_PREFIX, $servers real server(s), $( ((flat)) && echo flat || echo routed), VIP $vip on ${vip_on}"
}

_lab_save_state() {
    {
        printf 'LAB_PREFIX=%q\nLAB_DIR=%q\nLAB_VIP=%q\nLAB_VIP6=%q\n' "$LAB_PREFIX" "$LAB_DIR" "$LAB_VIP" "$LAB_VIP6"
        printf 'LAB_SERVERS=%q\nLAB_FLAT=%q\nLAB_IPV6=%q\nLAB_CLIENT_IP=%q\n' "$LAB_SERVERS" "$LAB_FLAT" "$LAB_IPV6" "$LAB_CLIENT_IP"
        printf 'LAB_RS_IPS=(%s)\nLAB_HOSTS=(%s)\n' "${LAB_RS_IPS[*]}" "${LAB_HOSTS[*]}"
    } >"$LAB_DIR/state"
}

# Re-attach to a lab made by another process (the CLI): lab_attach PREFIX.
lab_attach() {
    local dir="$LAB_TMP/${1}lab"
    [[ -f "$dir/state" ]] || { _lab_die "no lab state in $dir"; return 1; }
    # shellcheck disable=SC1091
    . "$dir/state"
}

_lab_sysctl() { local host="$1"; shift; lab_exec "$host" sysctl -qw "$@" >/dev/null; }

_lab_build() {
    local vip_on="$1" rs_vip="$2" host sw

    sw="$(lab_ns sw)"
    ip netns add "$sw" || return 1
    for host in "${LAB_HOSTS[@]}"; do
        ip netns add "$(lab_ns "$host")" || return 1
    done
    for host in sw "${LAB_HOSTS[@]}"; do
        # IPv6 off unless asked for: no DAD, router solicitations or MLD noise in captures.
        if ((LAB_IPV6)); then
            _lab_sysctl "$host" net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0 \
                net.ipv6.conf.all.disable_ipv6=0 net.ipv6.conf.default.disable_ipv6=0 || return 1
        else
            _lab_sysctl "$host" net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1 || return 1
        fi
        lab_exec "$host" ip link set lo up || return 1
    done

    # Bridges: no STP, no forward delay, no multicast snooping; a port forwards at once.
    lab_exec sw ip link add br-lan type bridge stp_state 0 forward_delay 0 mcast_snooping 0 || return 1
    lab_exec sw ip link set br-lan up || return 1
    if ((!LAB_FLAT)); then
        lab_exec sw ip link add br-cli type bridge stp_state 0 forward_delay 0 mcast_snooping 0 || return 1
        lab_exec sw ip link set br-cli up || return 1
    fi

    # Hosts on the LAN (net octet 0x12 = 18) and on the client net (0x13 = 19).
    local i
    _lab_plug director eth0 br-lan "$(_lab_mac 18 11)" "$LAB_DIRECTOR_IP/24" "$(lab_ip6 director)/64" || return 1
    for ((i = 1; i <= LAB_SERVERS; i++)); do
        _lab_plug "rs$i" eth0 br-lan "$(_lab_mac 18 $((20 + i)))" "$(lab_ip "rs$i")/24" "$(lab_ip6 "rs$i")/64" || return 1
    done
    if ((LAB_FLAT)); then
        _lab_plug client eth0 br-lan "$(_lab_mac 18 100)" "$LAB_CLIENT_IP/24" "$(lab_ip6 client)/64" || return 1
    else
        _lab_plug client eth0 br-cli "$(_lab_mac 19 100)" "$LAB_CLIENT_IP/24" "$(lab_ip6 client)/64" || return 1
        _lab_plug router eth0 br-cli "$(_lab_mac 19 1)" "$LAB_ROUTER_CLI_IP/24" "$LAB_CLI6::1/64" || return 1
        _lab_plug router eth1 br-lan "$(_lab_mac 18 254)" "$LAB_ROUTER_LAN_IP/24" "$LAB_LAN6::254/64" || return 1
        _lab_sysctl router net.ipv4.ip_forward=1 || return 1
        ((LAB_IPV6)) && { _lab_sysctl router net.ipv6.conf.all.forwarding=1 || return 1; }
        # Default routes (seed 002: `route add default gw 192.168.10.254`).
        lab_exec client ip route add default via "$LAB_ROUTER_CLI_IP" || return 1
        ((LAB_IPV6)) && { lab_exec client ip -6 route add default via "$LAB_CLI6::1" || return 1; }
        for host in "${LAB_HOSTS[@]}"; do
            [[ "$host" == director || "$host" == rs* ]] || continue
            lab_exec "$host" ip route replace default via "$LAB_ROUTER_LAN_IP" || return 1
            ((LAB_IPV6)) && { lab_exec "$host" ip -6 route replace default via "$LAB_LAN6::254" || return 1; }
        done
    fi
    _lab_sysctl director net.ipv4.ip_forward=0 || return 1

    # TESTBED fact 7: a client that opens many connections needs these.
    _lab_sysctl client net.ipv4.tcp_tw_reuse=1 "net.ipv4.ip_local_port_range=1024 65535" || return 1

    _lab_wait_links || return 1

    case "$vip_on" in
        eth) lab_director_vip_alias "$LAB_VIP" || return 1 ;;
        lo) lab_director_vip_lo "$LAB_VIP" || return 1 ;;
        none) ;;
    esac
    if ((rs_vip)); then
        for ((i = 1; i <= LAB_SERVERS; i++)); do
            lab_realserver_vip "rs$i" "$LAB_VIP" || return 1
        done
    fi
}

# _lab_plug HOST IFNAME BRIDGE MAC ADDR4 ADDR6: a veth from HOST to BRIDGE. The pair is
# created inside the switch namespace with its peer placed straight into HOST, so no
# interface ever exists in the root namespace.
_lab_plug() {
    local host="$1" ifname="$2" bridge="$3" mac="$4" addr="$5" addr6="$6" port
    port="${bridge#br-}-${host}"
    port="${port:0:15}"
    lab_exec sw ip link add "$port" type veth peer name "$ifname" netns "$(lab_ns "$host")" || return 1
    lab_exec sw ip link set "$port" master "$bridge" up || return 1
    lab_exec "$host" ip link set "$ifname" address "$mac" || return 1
    lab_exec "$host" ip addr add "$addr" dev "$ifname" || return 1
    if ((LAB_IPV6)); then
        lab_exec "$host" ip -6 addr add "$addr6" dev "$ifname" nodad || return 1
    fi
    lab_exec "$host" ip link set "$ifname" up || return 1
}

# Until a link's operstate is UP its qdisc is still noop and drops what is sent.
_lab_link_up() { ip -n "$1" -o link show dev "$2" | grep -q 'state UP'; }

_lab_wait_links() {
    local host ns dev
    for host in sw "${LAB_HOSTS[@]}"; do
        ns="$(lab_ns "$host")"
        for dev in $(ip -n "$ns" -o link show | awk -F': ' '{print $2}' | cut -d@ -f1); do
            [[ "$dev" == lo || "$dev" == br-* ]] && continue
            lab_wait_for 10 _lab_link_up "$ns" "$dev" || { _lab_die "link $dev in $host did not come up"; return 1; }
        done
    done
}

# ---------------------------------------------------------------------------------------
# VIP placement (seeds 001/002, with ip(8) instead of ifconfig)

# Seed 001's real-server script: VIP on lo as a /32, and the ARP sysctls that stop the
# real server from answering ARP for the VIP (arp_ignore=1) or announcing it as a source
# (arp_announce=2).
lab_realserver_vip() {
    local host="$1" vip="${2:-$LAB_VIP}"
    _lab_sysctl "$host" net.ipv4.conf.all.arp_ignore=1 net.ipv4.conf.lo.arp_ignore=1 \
        net.ipv4.conf.all.arp_announce=2 net.ipv4.conf.lo.arp_announce=2 || return 1
    # `ifconfig lo:0 VIP netmask 255.255.255.255`; the seed's `route add -host VIP dev lo:0`
    # is implied: the kernel adds the local-table route with the address.
    lab_exec "$host" ip addr add "$vip/32" dev lo label lo:0 || return 1
}

lab_realserver_vip_del() {
    local host="$1" vip="${2:-$LAB_VIP}"
    lab_exec "$host" ip addr del "$vip/32" dev lo 2>/dev/null || true
    _lab_sysctl "$host" net.ipv4.conf.all.arp_ignore=0 net.ipv4.conf.lo.arp_ignore=0 \
        net.ipv4.conf.all.arp_announce=0 net.ipv4.conf.lo.arp_announce=0
}

# Seed 002: `ifconfig eth0:0 VIP netmask 255.255.255.255 ... up`.
lab_director_vip_alias() {
    local vip="${1:-$LAB_VIP}"
    lab_exec director ip addr add "$vip/32" dev eth0 label eth0:0
}

lab_director_vip_lo() {
    local vip="${1:-$LAB_VIP}"
    lab_exec director ip addr add "$vip/32" dev lo label lo:0
}

# Remove the VIP from wherever it is on the director.
lab_director_vip_clear() {
    local vip="${1:-$LAB_VIP}"
    lab_exec director ip addr del "$vip/32" dev eth0 2>/dev/null || true
    lab_exec director ip addr del "$vip/32" dev lo 2>/dev/null || true
    return 0
}

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
    _lab_alive "$pid" || { _lab_die "nginx on $host exited"; return 1; }
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
    local host="$1" port="$2" bind="${3:-0.0.0.0}" name="${4:-$1}"
    # The child must keep reading its input (cat): if it exited at once, socat could hit
    # EPIPE writing the datagram to it and die before sending the answer. -T 2 ends each
    # child once its exchange is idle.
    lab_spawn "$host" "udp-$host-$port" socat -T 2 "UDP4-RECVFROM:$port,bind=$bind,reuseaddr,fork" \
        "SYSTEM:echo $name; cat >/dev/null" || return 1
    lab_wait_for 10 _lab_listening "$host" udp "$port" ||
        { _lab_die "socat UDP echo on $host:$port did not start"; cat "$LAB_DIR/udp-$host-$port.log" >&2; return 1; }
}

# ---------------------------------------------------------------------------------------
# lvsd and lvsadm

lab_lvsadm() { lab_exec director "$LAB_BIN/lvsadm" "$@"; }

# lab_start_lvsd [ARGS...]: start bin/lvsd in the director (default --interface eth0) and
# wait until `lvsadm -Ln` answers (20 s at most).
lab_start_lvsd() {
    (($#)) || set -- --interface eth0
    [[ -x "$LAB_BIN/lvsd" && -x "$LAB_BIN/lvsadm" ]] ||
        { _lab_die "$LAB_BIN/lvsd or lvsadm is missing (publish them first)"; return 1; }
    [[ -z "$LAB_LVSD_PID" ]] || { _lab_die "lvsd already running (PID $LAB_LVSD_PID)"; return 1; }
    LAB_LVSD_RUNS=$((${LAB_LVSD_RUNS:-0} + 1))
    LAB_LVSD_LOG="$LAB_DIR/lvsd-$LAB_LVSD_RUNS.log"
    lab_spawn director "lvsd-$LAB_LVSD_RUNS" "$LAB_BIN/lvsd" "$@" || return 1
    LAB_LVSD_PID=$LAB_LAST_PID
    local deadline=$((SECONDS + 20))
    while ! lab_lvsadm -Ln >/dev/null 2>&1; do
        if ! _lab_alive "$LAB_LVSD_PID"; then
            local st=0; wait "$LAB_LVSD_PID" 2>/dev/null || st=$?
            _lab_die "lvsd exited during start-up (status $st); its log:" || true
            tail -n 30 "$LAB_LVSD_LOG" >&2
            LAB_LVSD_PID=""
            return 1
        fi
        if ((SECONDS >= deadline)); then
            _lab_die "lvsd not ready after 20 s (lvsadm -Ln keeps failing); its log:"
            tail -n 30 "$LAB_LVSD_LOG" >&2
            return 1
        fi
        sleep 0.2
    done
}

# lab_stop_lvsd: SIGTERM by PID, wait up to 10 s; non-zero if it had to be killed or if it
# exited with an error status.
lab_stop_lvsd() {
    [[ -n "$LAB_LVSD_PID" ]] || return 0
    local pid=$LAB_LVSD_PID status=0
    LAB_LVSD_PID=""
    if ! _lab_alive "$pid"; then
        status=0; wait "$pid" 2>/dev/null || status=$?
        _lab_log "lvsd (PID $pid) had already exited with status $status"
        return 1
    fi
    kill -TERM "$pid" 2>/dev/null || true
    local deadline=$((SECONDS + 10))
    while ((SECONDS < deadline)); do
        # `wait` on our own child returns as soon as it exits and gives its status.
        if ! ps -p "$pid" -o stat= 2>/dev/null | grep -qv Z; then
            status=0; wait "$pid" 2>/dev/null || status=$?
            ((status == 0 || status == 143)) || { _lab_log "lvsd exited with status $status"; return 1; }
            return 0
        fi
        sleep 0.1
    done
    _lab_log "lvsd (PID $pid) ignored SIGTERM for 10 s; killing it"
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    return 1
}

# ---------------------------------------------------------------------------------------
# Packet capture

# lab_capture_start NAME HOST IF [FILTER...]: tcpdump -w $LAB_DIR/NAME.pcap in HOST.
lab_capture_start() {
    local name="$1" host="$2" dev="$3"; shift 3
    # -Z root: tcpdump would otherwise drop to its own user and fail to write in LAB_DIR.
    lab_spawn "$host" "cap-$name" tcpdump -i "$dev" -n -U --immediate-mode -s 256 -Z root -w "$LAB_DIR/$name.pcap" "$@" || return 1
    eval "LAB_CAP_PID_${name//[^A-Za-z0-9_]/_}=$LAB_LAST_PID"
    lab_wait_for 10 grep -q 'listening on' "$LAB_DIR/cap-$name.log" ||
        { _lab_die "tcpdump $name did not start"; cat "$LAB_DIR/cap-$name.log" >&2; return 1; }
}

lab_capture_stop() {
    local name="$1" var pid
    var="LAB_CAP_PID_${name//[^A-Za-z0-9_]/_}"
    pid="${!var:-}"
    [[ -n "$pid" ]] || return 0
    # Let frames in flight land in the socket buffer before tcpdump's final read.
    sleep 0.3
    kill -INT "$pid" 2>/dev/null || true
    lab_wait_for 5 bash -c "! kill -0 $pid 2>/dev/null || ps -p $pid -o stat= | grep -q Z" ||
        kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    eval "$var="
    return 0
}

# lab_capture_read NAME [FILTER...]: the capture as text (one packet a line, with MACs).
lab_capture_read() {
    local name="$1"; shift
    tcpdump -r "$LAB_DIR/$name.pcap" -n -e -tt "$@" 2>/dev/null
}

lab_capture_count() {
    local name="$1"; shift
    lab_capture_read "$name" "$@" | wc -l
}

# ---------------------------------------------------------------------------------------
# Teardown

# lab_down: stop every process by PID, delete the namespaces, remove the temp dir.
# Idempotent and safe to call from a trap.
lab_down() {
    local prefix="${LAB_PREFIX:-}"
    [[ -n "$prefix" ]] || return 0
    if [[ -n "$LAB_DIR" && -f "$LAB_DIR/pids" ]]; then
        local pid name pids=()
        while read -r pid name; do pids+=("$pid"); done <"$LAB_DIR/pids"
        for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
        local deadline=$((SECONDS + 5)) any
        while ((SECONDS < deadline)); do
            any=0
            for pid in "${pids[@]}"; do
                if kill -0 "$pid" 2>/dev/null && ! ps -p "$pid" -o stat= 2>/dev/null | grep -q Z; then any=1; fi
            done
            ((any)) || break
            sleep 0.1
        done
        for pid in "${pids[@]}"; do kill -KILL "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; done
    fi
    lab_reap "$prefix"
    if [[ -n "$LAB_DIR" && -d "$LAB_DIR" ]]; then
        if [[ -n "${LAB_KEEP_DIR:-}" ]]; then
            _lab_log "keeping $LAB_DIR"
        else
            rm -rf "$LAB_DIR"
        fi
    fi
    LAB_DIR="" LAB_LVSD_PID="" LAB_PREFIX=""
    trap - EXIT INT TERM
    return 0
}

# lab_reap PREFIX: the last line of defence (also used by the e2e harness after a test
# that was killed): any process still inside one of this prefix's namespaces was started
# by the lab, so kill it by PID, then delete the namespaces and the temp dir.
lab_reap() {
    local prefix="$1" ns pid
    [[ "$prefix" =~ ^slvs[0-9]+(-[0-9a-f]+)+-$ ]] || [[ -n "${LAB_ALLOW_ANY_PREFIX:-}" ]] ||
        { _lab_die "refusing to reap unexpected prefix '$prefix'"; return 1; }
    for ns in $(ip netns list | awk '{print $1}' | grep "^${prefix}"); do
        for pid in $(ip netns pids "$ns" 2>/dev/null); do kill -KILL "$pid" 2>/dev/null || true; done
    done
    for ns in $(ip netns list | awk '{print $1}' | grep "^${prefix}"); do
        # Hosts first, then the switch (deleting a namespace deletes its veth ends).
        [[ "$ns" == "${prefix}sw" ]] && continue
        ip netns del "$ns" 2>/dev/null || true
    done
    ip netns del "${prefix}sw" 2>/dev/null || true
    if ip netns list | awk '{print $1}' | grep -q "^${prefix}"; then
        _lab_log "warning: namespaces left with prefix $prefix"
        return 1
    fi
    # The prefix's own dir and those of labs built under it ("<prefix>2-lab", ...).
    [[ -n "${LAB_KEEP_DIR:-}" ]] || rm -rf "$LAB_TMP/${prefix}"*lab
    return 0
}

# ---------------------------------------------------------------------------------------
# CLI

_lab_cli_usage() {
    cat <<'EOF'
usage: lab/lab.sh COMMAND ...
  up [lab_up options]         build a lab and leave it running; prints its prefix
  down PREFIX                 tear it down (processes, namespaces, temp dir)
  exec PREFIX HOST CMD...     run CMD in a host (client, router, director, rsN, sw)
  http PREFIX                 start nginx on every real server
  list                        list lab prefixes present on this machine
  selftest                    build a lab, check it, tear it down
EOF
}

_lab_cli() {
    set -uo pipefail
    local cmd="${1:-help}"; shift || true
    case "$cmd" in
        up)
            lab_up --no-trap "$@" || exit 1
            echo "$LAB_PREFIX"
            ;;
        down)
            lab_attach "${1:?prefix}" || { lab_reap "$1"; exit $?; }
            lab_down
            ;;
        exec)
            lab_attach "${1:?prefix}" || exit 1
            shift
            lab_exec "$@"
            ;;
        http)
            lab_attach "${1:?prefix}" || exit 1
            local i
            for ((i = 1; i <= LAB_SERVERS; i++)); do lab_start_http "rs$i" || exit 1; done
            ;;
        list)
            ip netns list | awk '{print $1}' | grep -oE '^slvs[0-9]+(-[0-9a-f]+)+-' | sort -u
            ;;
        selftest)
            exec bash "$LAB_REPO/tests/e2e/lab_selftest.test.sh"
            ;;
        help|-h|--help) _lab_cli_usage ;;
        *) _lab_cli_usage >&2; exit 2 ;;
    esac
}

if [[ "${BASH_SOURCE[0]}" == "$0" ]]; then
    _lab_cli "$@"
fi
