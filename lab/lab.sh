#!/usr/bin/env bash
# shellcheck disable=SC2034  # the LAB_* variables are the library's public state
# lab.sh — the SharpLVS namespace lab (see shared TESTBED.md).
#
# Source it from bash (`. lab/lab.sh`) and call lab_up / lab_exec / ... / lab_down, or run
# it as a small CLI: `lab/lab.sh help`.
#
# Topology (seed 002's DR layout; --flat puts the client on the LAN and drops the router;
# --nat/--fullnat move the real servers to a LAN of their own behind the director's eth1):
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
# --nat/--fullnat: the real servers' private LAN behind the director's eth1.
LAB_RS_NET=198.18.1
LAB_RS_GW_IP=198.18.1.1
LAB_RS6=fd00:198:18:2

# Per-lab state (filled by lab_up or lab_attach).
LAB_PREFIX="${LAB_PREFIX:-}"
LAB_DIR=""
LAB_VIP=""
LAB_VIP6=""
LAB_SERVERS=0
LAB_FLAT=0
LAB_IPV6=0
LAB_NAT=0
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
        rs[0-9]*) if ((LAB_NAT)); then printf '%s.%d' "$LAB_RS_NET" "$((20 + ${1#rs}))"; else printf '%s.%d' "$LAB_LAN_NET" "$((20 + ${1#rs}))"; fi ;;
        *) _lab_die "unknown host '$1'"; return 1 ;;
    esac
}

# IPv6 address of a host, in the canonical form (RFC 5952) that lvsadm and ip(8) print.
lab_ip6() {
    local a
    a="$(_lab_ip6 "$1")" || return 1
    printf '%s' "${a/:0::/::}"
}

_lab_ip6() {
    case "$1" in
        client) if ((LAB_FLAT)); then printf '%s::100' "$LAB_LAN6"; else printf '%s::100' "$LAB_CLI6"; fi ;;
        router) printf '%s::254' "$LAB_LAN6" ;;
        director) printf '%s::11' "$LAB_LAN6" ;;
        rs[0-9]*) if ((LAB_NAT)); then printf '%s::%d' "$LAB_RS6" "$((20 + ${1#rs}))"; else printf '%s::%d' "$LAB_LAN6" "$((20 + ${1#rs}))"; fi ;;
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
# Running and not a zombie (an exited child of ours stays visible to kill -0 until reaped).
_lab_running() { kill -0 "$1" 2>/dev/null && ! ps -p "$1" -o stat= 2>/dev/null | grep -q Z; }

# lab_wait_exit PID SECONDS: wait until PID has exited (non-zero if it is still running).
lab_wait_exit() {
    local pid="$1" deadline=$((SECONDS + $2))
    while _lab_running "$pid"; do
        ((SECONDS < deadline)) || return 1
        sleep 0.1
    done
}

# lab_stop_pid PID [SECONDS]: SIGTERM, wait, SIGKILL if it will not go (then non-zero).
lab_stop_pid() {
    local pid="$1" limit="${2:-5}"
    if _lab_running "$pid"; then
        kill -TERM "$pid" 2>/dev/null || true
        if ! lab_wait_exit "$pid" "$limit"; then
            _lab_log "PID $pid ignored SIGTERM for ${limit}s; sending SIGKILL"
            kill -KILL "$pid" 2>/dev/null || true
            wait "$pid" 2>/dev/null || true
            return 1
        fi
    fi
    wait "$pid" 2>/dev/null || true
    return 0
}

# ---------------------------------------------------------------------------------------
# The rest of the library

# shellcheck source=lib/topology.sh
. "$LAB_HOME/lib/topology.sh"
# shellcheck source=lib/vip.sh
. "$LAB_HOME/lib/vip.sh"
# shellcheck source=lib/servers.sh
. "$LAB_HOME/lib/servers.sh"
# shellcheck source=lib/lvsd.sh
. "$LAB_HOME/lib/lvsd.sh"
# shellcheck source=lib/capture.sh
. "$LAB_HOME/lib/capture.sh"
# shellcheck source=lib/xdp.sh
. "$LAB_HOME/lib/xdp.sh"
# shellcheck source=lib/teardown.sh
. "$LAB_HOME/lib/teardown.sh"

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
