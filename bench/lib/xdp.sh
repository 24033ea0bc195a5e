# Sourced by bench/dr.sh and bench/http.sh: where lvsd's XDP work runs and is counted.
#
# xdp_pin_napi NS DEV [fifo]: the XDP program lvsd attaches runs in DEV's NAPI, which on a
# veth is the *sending* CPU's softirq (CPU 0, the load's) unless NAPI is threaded. Threaded,
# it is a kthread "napi/DEV-ID" (IDs are global, so ours is the one that appears now), pinned
# here to CPU 1 beside lvsd so that the XDP work counts as the director's. Unthreaded this
# work is softirq, which preempts every task; as a kthread it would queue behind other load
# and veth's 256-frame ring would overflow: with lvsd SCHED_FIFO ("fifo"), the kthread gets
# the same policy and priority (they take turns).
xdp_pin_napi() {
    local ns=$1 dev=$2 sched=${3:-} before after pid
    before=$(pgrep -x "napi/$dev-[0-9]*" | sort)
    ip netns exec "$ns" sh -c "echo 1 > /sys/class/net/$dev/threaded"
    sleep 0.2
    after=$(pgrep -x "napi/$dev-[0-9]*" | sort)
    pid=$(comm -13 <(echo "$before") <(echo "$after") | head -n 1)
    [ -n "$pid" ] || { echo "bench: no threaded NAPI kthread for $dev (is the XDP program attached?)" >&2; return 1; }
    taskset -pc 1 "$pid" >/dev/null
    [ "$sched" = fifo ] && chrt -f -p 50 "$pid"
    echo "bench: $dev's NAPI is kthread $pid ($(cat "/proc/$pid/comm")), pinned to CPU 1 ($(chrt -p "$pid" | head -n 1 | sed 's/.*: //'))" >&2
}

xdp_unpin_napi() { ip netns exec "$1" sh -c "echo 0 > /sys/class/net/$2/threaded"; }

# xdp_pass_start NS DEV LOG: attaches an XDP_PASS program to DEV (the switch side of the
# director's veth) and prints the PID that holds it. A veth takes the frames its peer sends
# with XDP_TX (lvsd --fast-path) only when it runs a program itself (lab/lib/xdp_pass.py says
# why); its NAPI then runs on the CPU that sent, CPU 1, and counts as the director's work.
xdp_pass_start() {
    local ns=$1 dev=$2 log=$3 root i
    root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
    ip netns exec "$ns" python3 "$root/lab/lib/xdp_pass.py" "$dev" >"$log" 2>&1 &
    local pid=$!
    for i in $(seq 1 50); do grep -q attached "$log" && break; sleep 0.1; done
    grep -q attached "$log" || { echo "bench: xdp_pass on $dev:" >&2; cat "$log" >&2; kill "$pid" 2>/dev/null; return 1; }
    echo "$pid"
}
