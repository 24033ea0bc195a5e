# shellcheck shell=bash
# lab_xdp_pass HOST DEV: an XDP program that passes everything, on HOST's DEV, for as long as
# the lab runs (lab/lib/xdp_pass.py holds its BPF link). A veth takes the frames its peer sends
# with XDP_TX (lvsd --fast-path) only when it runs an XDP program itself: put this on the
# switch side of the director's veth (sw lan-director).
lab_xdp_pass() {
    local host="$1" dev="$2"
    lab_spawn "$host" "xdp-pass-$host-$dev" python3 "$LAB_HOME/lib/xdp_pass.py" "$dev" || return 1
    lab_wait_for 10 grep -q 'xdp_pass: attached' "$LAB_DIR/xdp-pass-$host-$dev.log" ||
        { _lab_die "xdp_pass on $host $dev did not attach:"; cat "$LAB_DIR/xdp-pass-$host-$dev.log" >&2; return 1; }
}
