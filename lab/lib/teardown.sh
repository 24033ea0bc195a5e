# lab/lib/teardown.sh — stopping processes by PID and deleting namespaces. Sourced by lab/lab.sh; not run on its own.
# shellcheck shell=bash

# ---------------------------------------------------------------------------------------
# Teardown

# lab_down: stop every process by PID, delete the namespaces, remove the temp dir.
# Idempotent and safe to call from a trap.
lab_down() {
    local prefix="${LAB_PREFIX:-}"
    [[ -n "$prefix" ]] || return 0
    if [[ -n "$LAB_DIR" && -f "$LAB_DIR/pids" ]]; then
        local pid pids=()
        while read -r pid _; do pids+=("$pid"); done <"$LAB_DIR/pids"
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
    # lvsd's state file of the director's namespace (/run/sharplvs/netns-INODE): the
    # namespace dies now, and a later one may get the same inode.
    local ino
    if ino="$(stat -L -c %i "/run/netns/${prefix}director" 2>/dev/null)" && [[ "$ino" =~ ^[0-9]+$ ]]; then
        rm -rf "/run/sharplvs/netns-$ino"
    fi
    lab_reap "$prefix"
    if [[ -n "$LAB_DIR" && -d "$LAB_DIR" ]]; then
        if [[ -n "${LAB_KEEP_DIR:-}" ]]; then
            _lab_log "keeping $LAB_DIR"
        else
            rm -rf "$LAB_DIR"
        fi
    fi
    # shellcheck disable=SC2034  # library state, read by lab.sh
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
