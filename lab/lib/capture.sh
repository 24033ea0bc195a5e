# lab/lib/capture.sh — tcpdump in a host, read back as text. Sourced by lab/lab.sh; not run on its own.
# shellcheck shell=bash

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
    lab_wait_exit "$pid" 5 || kill -KILL "$pid" 2>/dev/null || true
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
