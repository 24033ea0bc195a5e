# lab/lib/lvsd.sh — starting, reaching and stopping lvsd in the director. Sourced by lab/lab.sh; not run on its own.
# shellcheck shell=bash

# ---------------------------------------------------------------------------------------
# lvsd and lvsadm

lab_lvsadm() { lab_exec director "$LAB_BIN/lvsadm" "$@"; }

# lab_start_lvsd [ARGS...]: start bin/lvsd in the director (default --interface eth0) and
# wait until `lvsadm -Ln` answers (20 s at most). $LAB_LVSD_ARGS, when set, is appended
# (e.g. LAB_LVSD_ARGS="--port xdp" runs any test over the AF_XDP port).
lab_start_lvsd() {
    (($#)) || set -- --interface eth0
    [[ -x "$LAB_BIN/lvsd" && -x "$LAB_BIN/lvsadm" ]] ||
        { _lab_die "$LAB_BIN/lvsd or lvsadm is missing (publish them first)"; return 1; }
    [[ -z "$LAB_LVSD_PID" ]] || { _lab_die "lvsd already running (PID $LAB_LVSD_PID)"; return 1; }
    # lvsd --fast-path sends with XDP_TX: the switch ports of the director's veths must run
    # an XDP program to take those frames (lab/lib/xdp.sh).
    if [[ " $* ${LAB_LVSD_ARGS:-} " == *" --fast-path "* ]]; then
        local port
        for port in lan-director rs-director; do
            if ip -n "$(lab_ns sw)" link show dev "$port" >/dev/null 2>&1 && [[ ! -f "$LAB_DIR/xdp-pass-sw-$port.log" ]]; then
                lab_xdp_pass sw "$port" || return 1
            fi
        done
    fi
    LAB_LVSD_RUNS=$((${LAB_LVSD_RUNS:-0} + 1))
    LAB_LVSD_LOG="$LAB_DIR/lvsd-$LAB_LVSD_RUNS.log"
    # shellcheck disable=SC2086
    lab_spawn director "lvsd-$LAB_LVSD_RUNS" "$LAB_BIN/lvsd" "$@" ${LAB_LVSD_ARGS:-} || return 1
    LAB_LVSD_PID=$LAB_LAST_PID
    local deadline=$((SECONDS + 20))
    while ! lab_lvsadm -Ln >/dev/null 2>&1; do
        if ! _lab_running "$LAB_LVSD_PID"; then
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
    # A daemon that answered and then quit is no daemon (lvsadm may talk to a stale one).
    if ! _lab_running "$LAB_LVSD_PID"; then
        local st=0; wait "$LAB_LVSD_PID" 2>/dev/null || st=$?
        _lab_die "lvsd exited right after start-up (status $st); its log:" || true
        tail -n 30 "$LAB_LVSD_LOG" >&2
        LAB_LVSD_PID=""
        return 1
    fi
}

# lab_stop_lvsd: SIGTERM by PID, wait up to 10 s; non-zero if it had to be killed or if it
# exited with an error status.
lab_stop_lvsd() {
    [[ -n "$LAB_LVSD_PID" ]] || return 0
    local pid=$LAB_LVSD_PID status=0
    LAB_LVSD_PID=""
    if ! _lab_running "$pid"; then
        wait "$pid" 2>/dev/null || status=$?
        _lab_log "lvsd (PID $pid) had already exited with status $status"
        return 1
    fi
    kill -TERM "$pid" 2>/dev/null || true
    if ! lab_wait_exit "$pid" 10; then
        _lab_log "lvsd (PID $pid) ignored SIGTERM for 10 s; killing it"
        kill -KILL "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
        return 1
    fi
    wait "$pid" 2>/dev/null || status=$?
    # 143: killed by the SIGTERM itself (no handler); still a clean stop for the lab.
    ((status == 0 || status == 143)) || { _lab_log "lvsd exited with status $status"; return 1; }
    return 0
}
