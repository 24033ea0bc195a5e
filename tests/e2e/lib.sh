# shellcheck shell=bash
# tests/e2e/lib.sh — sourced by every tests/e2e/*.test.sh.
#
# A test prints what it does, calls `fail "reason"` on the first broken expectation (the
# harness shows the reason) and ends with `pass`. The lab it builds is torn down by the
# trap that lab_up installs, whatever happens. Tests do not use `set -e`: every check is
# explicit so that a failure always says what was expected.

set -uo pipefail

E2E_HOME="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=../../lab/lab.sh
. "$E2E_HOME/../../lab/lab.sh"

E2E_T0=$SECONDS

step() { printf '[%3ds] %s\n' "$((SECONDS - E2E_T0))" "$*"; }

# fail REASON: print the reason where the harness looks for it, dump useful logs, exit 1.
fail() {
    printf 'FAIL: %s\n' "$*"
    e2e_dump_logs
    exit 1
}

pass() {
    step "passed"
    exit 0
}

# Logs worth seeing when a test fails: lvsd's and the last lines of everything else.
e2e_dump_logs() {
    [[ -n "${LAB_DIR:-}" && -d "$LAB_DIR" ]] || return 0
    local f
    for f in "$LAB_DIR"/lvsd-*.log; do
        [[ -f "$f" ]] || continue
        printf -- '--- %s (last 40 lines)\n' "${f##*/}"
        tail -n 40 "$f"
    done
    if [[ -n "${LAB_LVSD_PID:-}" ]]; then
        printf -- '--- lvsadm -Ln\n'
        lab_lvsadm -Ln 2>&1 | head -n 40
    fi
}

require_lvs() {
    [[ -x "$LAB_BIN/lvsd" ]] || fail "bin/lvsd not built (run: dotnet publish src/SharpLvs.Daemon -c Release -o bin)"
    [[ -x "$LAB_BIN/lvsadm" ]] || fail "bin/lvsadm not built (run: dotnet publish src/SharpLvs.Cli -c Release -o bin)"
}

# lvsadm_ok ARGS...: run lvsadm in the director; fail the test if it does not succeed.
lvsadm_ok() {
    local out
    out="$(lab_lvsadm "$@" 2>&1)" || fail "lvsadm $* failed: $out"
    [[ -z "$out" ]] || printf '%s\n' "$out"
}

start_lvsd() {
    lab_start_lvsd "$@" || fail "lvsd did not start ($*)"
}

# http_get HOST URL: the body of one HTTP GET (a new connection each time), 12 s at most
# (generous: CI machines run at a load of 30 on 2 cores at times; a lost SYN costs 1 s).
http_get() {
    lab_exec "$1" curl -sS -g --max-time 12 --connect-timeout 8 -H 'Connection: close' "$2" 2>&1
}

# The ipvsadm real-server line prefix: "  -> %-28s %-7s %-6d ".
route_line_prefix() {
    printf '  -> %-28s %-7s %-6d ' "$1" "$2" "$3"
}

# udp_ask HOST ADDR PORT [SRCPORT]: send one datagram "ping" from HOST, print the first
# answer (empty if none within 8 s); ADDR may be IPv6. socat's UDP client connects its
# socket, so only an answer from ADDR:PORT counts. The answer is read by a small script instead of socat's
# stdout because socat gives up 0.5 s after its stdin ends, which a loaded machine
# can exceed.
udp_ask() {
    local host="$1" addr="$2" port="$3" opts="" f
    [[ -n "${4:-}" ]] && opts=",sourceport=$4,reuseaddr"
    f="$(mktemp -p "$LAB_DIR" udp.XXXXXX)"
    [[ -f "$LAB_DIR/udp-ask.sh" ]] ||
        printf '%s\n' 'echo ping' 'read -t 8 -r a && printf "%s\n" "$a" >"$1"' >"$LAB_DIR/udp-ask.sh"
    local peer="UDP4:$addr:$port"
    [[ "$addr" == *:* ]] && peer="UDP6:[$addr]:$port"
    lab_exec "$host" timeout 12 socat -T 10 -t 0.1 "$peer$opts" \
        "EXEC:bash $LAB_DIR/udp-ask.sh $f" >/dev/null 2>&1
    cat "$f"
    rm -f "$f"
}
