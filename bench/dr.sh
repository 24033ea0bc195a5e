#!/usr/bin/env bash
# Direct-Routing packet benchmark: one command.
#
# Builds a flat L2 topology in its own namespaces (generator, director, real server, and a
# bridge namespace joining them), offers 60-byte UDP frames over 64 flows at a fixed rate
# (default 150 kpps) and at saturation, and prints the director's CPU cost per packet and
# the delivered rate for each candidate, side by side, as medians of interleaved rounds:
#
#   none    no director: the generator addresses the real server's MAC directly
#   kernel  kernel in-path DR equivalent: nftables netdev ingress on the director rewrites
#           the Ethernet addresses to the real server's and `fwd`s back out the same port
#   lvsd    bin/lvsd, configured with lvsadm -A -u VIP:9000 -s rr; -a ... -r RIP -g
#   dnat    kernel NAT: nftables `dnat to RIP` in prerouting (conntrack), ip_forward on
#   lvsd-nat  bin/lvsd with -m (masquerading) instead of -g
#   lvsd-poll lvsd (DR) with --coalesce-us 0: woken per frame, to show what coalescing saves
#   lvsd-xdp  lvsd (DR) with --port xdp: its XDP program steers the flows to AF_XDP. On veth
#             the program runs in the director veth's NAPI, which is the *sending* CPU's
#             softirq (the generator's CPU 0) unless NAPI is threaded: the bench makes d0's
#             NAPI threaded and pins that kthread to CPU 1, so the XDP work is counted there
#   lvsd-fast lvsd-xdp with --fast-path: the XDP program forwards the flows' established
#             packets itself (MAC rewrite, XDP_TX; docs/fast-path.md), lvsd sees each flow's
#             first packet only. The bridge port pd gets an XDP_PASS program (lab/lib/
#             xdp_pass.py): a veth takes XDP_TX frames only when it runs one itself; pd's NAPI
#             then runs on CPU 1 and is counted as the director's (a NIC would not need it)
#   lvsd-fastg lvsd-fast with --xdp-mode generic: the kernel runs the program on the skb in
#             netif_receive_skb, after RPS, on CPU 1 (no threaded NAPI, no XDP_PASS on pd,
#             no skb ↔ XDP frame conversions on veth)
#   lvsd-tun  lvsd with -i (IP-in-IP to the real server, which counts the wrapped frames at
#             its ingress: this kernel has no ipip module to unwrap them)
#   lvsd-alt  DR with another build or other flags, for A/B runs: $LVSD_ALT (default bin/lvsd)
#             with $LVSD_ALT_ARGS added, e.g. LVSD_ALT_ARGS="--ring-frames 2048"
#
# --traffic syn sends TCP SYNs to VIP:80 from up to 16 M distinct clients (198.18.128.0/17 ×
# source ports) instead of UDP, so every packet is a new connection for the director; the real
# server counts and drops them at its netdev ingress (nft counter): connections per second.
#
# CPU placement (TESTBED fact 8): the generator runs on CPU 0; the director's ingress is
# steered to CPU 1 (rps_cpus on its veth) and lvsd is pinned there too; what the director
# sends is steered back to CPU 0 (rps_cpus on the bridge port that receives it), so CPU 1's
# busy time is the director's work alone. Cost = CPU 1 busy / packets delivered.
#
# Usage: bench/dr.sh [--quick] [--rounds N] [--seconds S] [--pps N] [--candidates "none kernel lvsd"]
#                    [--gen-mode packet|udp] [--wait-quiet SECONDS] [--no-build] [--publish]
#                    [--traffic udp|syn] [--out NAME (bench/results/NAME.md, default latest)]
# --wait-quiet S: before each round wait (at most S seconds) until other load on the machine
# is below 15 % of a CPU, since a shared machine's builds skew every figure.
# --lvsd-sched fifo|other: lvsd's data-plane thread runs SCHED_FIFO by default (lvsd --realtime
# --cpu 1), so it owns CPU 1 the way the kernel's softirq does; with `other` (nice only) it
# waits behind whatever else runs on CPU 1 and its RX ring overflows on a busy machine.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
ROUNDS=5
SECS=4
WARM=1
PPS=150000
FLOWS=64
CANDIDATES="none kernel lvsd"
GEN_MODE=packet
BUILD=1
PUBLISH=0
LVSD_ARGS=${LVSD_ARGS:---interface d0}
WAIT_QUIET=0
LVSD_SCHED=fifo
TRAFFIC=udp
OUT=latest
ARGS="$*"
# The machine may be shared (other builds): the generator and lvsd run at a high priority so
# they keep their CPUs; the kernel candidate's work is softirq, which preempts tasks anyway.
NICE=${NICE:--15}

while [ $# -gt 0 ]; do
    case "$1" in
        --quick) ROUNDS=2; SECS=2; WARM=0.5 ;;
        --rounds) ROUNDS=$2; shift ;;
        --seconds) SECS=$2; shift ;;
        --pps) PPS=$2; shift ;;
        --flows) FLOWS=$2; shift ;;
        --candidates) CANDIDATES=$2; shift ;;
        --gen-mode) GEN_MODE=$2; shift ;;
        --no-build) BUILD=0 ;;
        --publish) PUBLISH=1 ;;
        --wait-quiet) WAIT_QUIET=$2; shift ;;
        --lvsd-sched) LVSD_SCHED=$2; shift ;;
        --traffic) TRAFFIC=$2; shift ;;
        --out) OUT=$2; shift ;;
        -h|--help) sed -n '2,36p' "$0"; exit 0 ;;
        *) echo "dr.sh: unknown option $1" >&2; exit 2 ;;
    esac
    shift
done

case "$TRAFFIC" in
    udp) L4=udp ;;
    syn) L4=tcp; GEN_MODE=syn ;;
    *) echo "dr.sh: --traffic is udp or syn" >&2; exit 2 ;;
esac

for tool in ip nft taskset; do
    command -v "$tool" >/dev/null || { echo "dr.sh: needs $tool (apt-get install -y iproute2 nftables util-linux)" >&2; exit 1; }
done
[ "$(id -u)" = 0 ] || { echo "dr.sh: needs root (network namespaces)" >&2; exit 1; }
NCPU=$(getconf _NPROCESSORS_ONLN)
[ "$NCPU" -ge 2 ] || { echo "dr.sh: needs 2 CPUs (generator on 0, director on 1)" >&2; exit 1; }

GEN_BIN=$ROOT/bench/Generator/bin/Release/net10.0/lvsgen
LVSD=$ROOT/bin/lvsd
LVSD_ALT=${LVSD_ALT:-$LVSD}
LVSD_ALT_ARGS=${LVSD_ALT_ARGS:-}
LVSADM=$ROOT/bin/lvsadm

# --- build -------------------------------------------------------------------------------
if [ "$BUILD" = 1 ]; then
    dotnet build "$ROOT/bench/Generator" -c Release --nologo -v q >/dev/null
    case " $CANDIDATES " in *" lvsd"*)
        if ! { dotnet publish "$ROOT/src/SharpLvs.Daemon" -c Release -o "$ROOT/bin" --nologo -v q >/dev/null &&
               dotnet publish "$ROOT/src/SharpLvs.Cli" -c Release -o "$ROOT/bin" --nologo -v q >/dev/null; }; then
            echo "dr.sh: building lvsd/lvsadm failed; trying whatever is in bin/" >&2
        fi ;;
    esac
fi
[ -x "$GEN_BIN" ] || { echo "dr.sh: $GEN_BIN missing (run without --no-build)" >&2; exit 1; }
case " $CANDIDATES " in *" lvsd"*)
    if [ ! -x "$LVSD" ] || [ ! -x "$LVSADM" ]; then
        echo "dr.sh: bin/lvsd or bin/lvsadm missing: skipping the lvsd candidates" >&2
        CANDIDATES=$(echo " $CANDIDATES " | sed 's/ lvsd-nat / /; s/ lvsd-xdp / /; s/ lvsd-fast / /; s/ lvsd-fastg / /; s/ lvsd / /')
    fi ;;
esac

# Everything this script runs itself stays on CPU 0, leaving CPU 1 to the director.
taskset -pc 0 $$ >/dev/null

# --- topology ------------------------------------------------------------------------------
P="lvsb$$"
GEN=${P}gen; DIR=${P}dir; RS=${P}rs; BR=${P}br
GEN_IP=198.18.0.1; DIR_IP=198.18.0.2; RS_IP=198.18.0.3; VIP=198.18.0.100; PORT=9000
if [ "$TRAFFIC" = syn ]; then
    PORT=80
    # Room for every SYN of a round (the table is preallocated; entries live 60 s in SYN_RECV).
    LVSD_ARGS="$LVSD_ARGS --connections 4194304"
fi
WORK=$(mktemp -d /tmp/lvsbench.XXXXXX)
PIDS=()

alive() { local st; st=$(sed 's/^.*) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f1) || true; [ -n "$st" ] && [ "$st" != Z ]; }
# SIGTERM, then SIGKILL if the process has not gone within 10 s.
stop_pid() {
    local i
    [ -n "$1" ] || return 0
    kill "$1" 2>/dev/null || { wait "$1" 2>/dev/null || true; return 0; }
    for i in $(seq 1 100); do
        alive "$1" || break
        sleep 0.1
    done
    kill -KILL "$1" 2>/dev/null || true
    wait "$1" 2>/dev/null || true
}

cleanup() {
    set +e
    for pid in "${PIDS[@]}"; do stop_pid "$pid"; done
    for ns in "$GEN" "$DIR" "$RS" "$BR"; do ip netns del "$ns" 2>/dev/null; done
    rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

in_ns() { local ns=$1; shift; ip netns exec "$ns" "$@"; }
# shellcheck source=bench/lib/xdp.sh
. "$ROOT/bench/lib/xdp.sh"

for ns in "$GEN" "$DIR" "$RS" "$BR"; do
    ip netns add "$ns"
    ip -n "$ns" link set lo up
done
ip -n "$BR" link add br0 type bridge
ip -n "$BR" link set br0 up
# br_netfilter (when loaded) sends every bridged frame through the IP hooks: a switch does
# not do that, and here it costs a third of the generator's rate.
in_ns "$BR" sysctl -qw net.bridge.bridge-nf-call-iptables=0 net.bridge.bridge-nf-call-ip6tables=0 \
    net.bridge.bridge-nf-call-arptables=0 2>/dev/null || true
# Each pair is created inside the bridge namespace with its peer moved straight to its owner,
# so nothing ever appears in the root namespace.
link() { # link NS IFNAME PORTNAME
    ip -n "$BR" link add "$3" type veth peer name "$2" netns "$1"
    ip -n "$BR" link set "$3" master br0 up
    ip -n "$1" link set "$2" up
}
link "$GEN" g0 pg
link "$DIR" d0 pd
link "$RS" r0 pr
ip -n "$GEN" addr add $GEN_IP/24 dev g0
ip -n "$DIR" addr add $DIR_IP/24 dev d0
ip -n "$RS" addr add $RS_IP/24 dev r0

# Real server as in the LVS DR how-tos: VIP on lo, never answering ARP for it.
ip -n "$RS" addr add $VIP/32 dev lo
in_ns "$RS" sysctl -qw net.ipv4.conf.all.arp_ignore=1 net.ipv4.conf.all.arp_announce=2 \
    net.ipv4.conf.r0.arp_ignore=1 net.ipv4.conf.r0.arp_announce=2

mac() { ip -n "$1" -br link show dev "$2" | awk '{print $3}'; }
GEN_MAC=$(mac "$GEN" g0); DIR_MAC=$(mac "$DIR" d0); RS_MAC=$(mac "$RS" r0)
ip -n "$DIR" neigh replace $RS_IP lladdr "$RS_MAC" dev d0 nud permanent
ip -n "$RS" neigh replace $GEN_IP lladdr "$GEN_MAC" dev r0 nud permanent
ip -n "$GEN" neigh replace $RS_IP lladdr "$RS_MAC" dev g0 nud permanent
ip -n "$GEN" neigh replace $DIR_IP lladdr "$DIR_MAC" dev g0 nud permanent
# Bridge FDB entries up front: no flooding while the bridge learns.
for p in "pg $GEN_MAC" "pd $DIR_MAC" "pr $RS_MAC"; do
    set -- $p; bridge -n "$BR" fdb replace "$2" dev "$1" master static
done

rps() { in_ns "$1" sh -c "echo $3 > /sys/class/net/$2/queues/rx-0/rps_cpus"; }
rps "$DIR" d0 2   # director ingress → CPU 1
rps "$BR" pd 1    # what the director sends → CPU 0 (bridge and real server work)
rps "$BR" pg 1
rps "$RS" r0 1

# Sink: a bound socket absorbs the datagrams (no ICMP port unreachable); the kernel counts
# them per namespace in /proc/net/snmp, checksums verified.
# Background processes are started with `ip netns exec` itself (which execs, never forks),
# not through a shell function, so $! is the program's own PID.
if [ "$TRAFFIC" = udp ]; then
    ip netns exec "$RS" taskset -c 0 "$GEN_BIN" sink --port $PORT --seconds 3600 >"$WORK/sink.log" 2>&1 &
    PIDS+=($!)
else
    # SYNs are counted and dropped before the real server's stack (which would answer
    # clients it has no route to): the count is what the director delivered.
    in_ns "$RS" nft -f - <<EOF
table netdev lvsbrs {
    counter syns {
    }
    chain ingress {
        type filter hook ingress device "r0" priority 0;
        ip protocol tcp tcp dport $PORT tcp flags syn counter name "syns" drop
    }
}
EOF
fi

delivered() { # Udp: InDatagrams + RcvbufErrors + InCsumErrors reported separately; syn: the counter
    if [ "$TRAFFIC" = syn ]; then
        in_ns "$RS" nft list counter netdev lvsbrs syns | awk '/packets/ { for (i = 1; i < NF; i++) if ($i == "packets") print $(i + 1), 0 }'
        return
    fi
    local tun=0
    [ "$TUN_COUNTER" = 1 ] && tun=$(in_ns "$RS" nft list counter netdev lvsbtun ipip | awk '/packets/ { for (i = 1; i < NF; i++) if ($i == "packets") print $(i + 1) }')
    in_ns "$RS" awk -v tun="${tun:-0}" '/^Udp:/ { if (!h) { for (i = 1; i <= NF; i++) col[$i] = i; h = 1 } else print $col["InDatagrams"] + $col["RcvbufErrors"] + tun, $col["InCsumErrors"] }' /proc/net/snmp
}
# lvsd-tun: the real server (no ipip module here) counts the IP-in-IP frames at its ingress
# and drops them there: what the director delivered, wrapped.
TUN_COUNTER=0
case " $CANDIDATES " in *" lvsd-tun "*)
    TUN_COUNTER=1
    in_ns "$RS" nft -f - <<EOF
table netdev lvsbtun {
    counter ipip {
    }
    chain ingress {
        type filter hook ingress device "r0" priority 0;
        ip protocol 4 counter name "ipip" drop
    }
}
EOF
    ;;
esac
# CPU 1's busy time, in µs: wall time minus CPU 1's idle time from /proc/stat, which with
# NO_HZ is the kernel's idle sleep time: it stops at every interrupt's entry and restarts
# after the interrupt's softirq work, so the kernel candidate's forwarding, done in softirq
# straight out of idle, counts as busy. Two other sources are wrong here: cpuidle's state
# residency counts an interrupt taken in `hlt` as idle (the handler runs before `hlt`
# returns), and /proc/stat's busy columns are tick samples that, without
# CONFIG_IRQ_TIME_ACCOUNTING, charge a softirq tick that interrupts lvsd to both softirq and
# lvsd, and miss softirq work between ticks on an otherwise idle CPU. The director's cost is
# CPU 1's busy time during a run minus the background measured just before it (same
# candidate set up, no traffic): softirq, lvsd and its syscalls, each once. Resolution:
# USER_HZ (10 ms) per reading.
cpu1_sample() { # → "wall_us idle_us"
    local idle
    idle=$(awk -v hz="$HZ" '$1 == "cpu1" { printf "%.0f", ($5 + $6) * 1e6 / hz }' /proc/stat)
    echo "$(date +%s%6N) $idle"
}
HZ=$(getconf CLK_TCK)

# --- candidates ------------------------------------------------------------------------
LVSD_PID=""
XDP_PASS_PID=""
setup() {
    case "$1" in
        none) ip -n "$GEN" neigh replace $VIP lladdr "$RS_MAC" dev g0 nud permanent; DST_MAC=$RS_MAC ;;
        kernel)
            ip -n "$GEN" neigh replace $VIP lladdr "$DIR_MAC" dev g0 nud permanent; DST_MAC=$DIR_MAC
            # The kernel's DR equivalent: what ip_vs_dr_xmit does to a frame (new Ethernet
            # header towards the real server), done at ingress, out the interface it came in.
            in_ns "$DIR" nft -f - <<EOF
table netdev lvsbench {
    chain ingress {
        type filter hook ingress device "d0" priority 0;
        ip daddr $VIP $L4 dport $PORT ether saddr set $DIR_MAC ether daddr set $RS_MAC fwd to "d0"
    }
}
EOF
            ;;
        dnat)
            ip -n "$GEN" neigh replace $VIP lladdr "$DIR_MAC" dev g0 nud permanent; DST_MAC=$DIR_MAC
            # Kernel NAT load balancing: conntrack + DNAT in prerouting, forwarded back out d0
            # (no ICMP redirects: the real server's replies would come back through us).
            in_ns "$DIR" sysctl -qw net.ipv4.ip_forward=1 net.ipv4.conf.all.send_redirects=0 net.ipv4.conf.d0.send_redirects=0
            in_ns "$DIR" nft -f - <<EOF
table ip lvsbnat {
    chain prerouting {
        type nat hook prerouting priority dstnat;
        ip daddr $VIP $L4 dport $PORT dnat to $RS_IP
    }
}
EOF
            ;;
        lvsd|lvsd-nat|lvsd-poll|lvsd-xdp|lvsd-fast|lvsd-fastg|lvsd-alt|lvsd-tun)
            ip -n "$GEN" neigh replace $VIP lladdr "$DIR_MAC" dev g0 nud permanent; DST_MAC=$DIR_MAC
            # shellcheck disable=SC2086
            local placement="" binary=$LVSD
            [ "$LVSD_SCHED" = fifo ] && placement="--realtime --cpu 1"
            [ "$1" = lvsd-poll ] && placement="$placement --coalesce-us 0"
            [ "$1" = lvsd-xdp ] && placement="$placement --port xdp"
            [ "$1" = lvsd-fast ] && placement="$placement --port xdp --fast-path"
            [ "$1" = lvsd-fastg ] && placement="$placement --port xdp --xdp-mode generic --fast-path"
            [ "$1" = lvsd-alt ] && { binary=$LVSD_ALT; placement="$placement $LVSD_ALT_ARGS"; }
            # shellcheck disable=SC2086
            ip netns exec "$DIR" nice -n "$NICE" taskset -c 1 "$binary" $LVSD_ARGS $placement --state-file "$WORK/lvsd.rules" >"$WORK/lvsd.log" 2>&1 &
            LVSD_PID=$!; PIDS+=("$LVSD_PID")
            local i
            for i in $(seq 1 100); do
                in_ns "$DIR" "$LVSADM" -L -n >/dev/null 2>&1 && break
                alive "$LVSD_PID" || { echo "dr.sh: lvsd exited:" >&2; cat "$WORK/lvsd.log" >&2; return 1; }
                sleep 0.1
            done
            case "$1" in lvsd-xdp|lvsd-fast) xdp_pin_napi "$DIR" d0 "$LVSD_SCHED" || return 1 ;; esac
            if [ "$1" = lvsd-fast ]; then
                XDP_PASS_PID=$(xdp_pass_start "$BR" pd "$WORK/xdp-pass.log") || return 1
                PIDS+=("$XDP_PASS_PID")
            fi
            local flag=-u method=-g
            [ "$L4" = tcp ] && flag=-t
            [ "$1" = lvsd-nat ] && method=-m
            [ "$1" = lvsd-tun ] && method=-i
            in_ns "$DIR" "$LVSADM" -A $flag $VIP:$PORT -s rr
            if ! in_ns "$DIR" "$LVSADM" -a $flag $VIP:$PORT -r $RS_IP $method; then
                echo "dr.sh: this lvsd does not take '$method'" >&2; return 1
            fi
            ;;
    esac
}
teardown() {
    case "$1" in
        kernel) in_ns "$DIR" nft delete table netdev lvsbench ;;
        dnat)
            in_ns "$DIR" nft delete table ip lvsbnat
            in_ns "$DIR" sysctl -qw net.ipv4.ip_forward=0
            # Forget the connections, so the next round's SYNs are new ones again.
            in_ns "$DIR" sh -c 'command -v conntrack >/dev/null && conntrack -F >/dev/null 2>&1' || true ;;
        lvsd|lvsd-nat|lvsd-poll|lvsd-xdp|lvsd-fast|lvsd-fastg|lvsd-alt|lvsd-tun)
            if [ "$1" = lvsd-xdp ] || [ "$1" = lvsd-fast ]; then
                # Where frames went: redirected to AF_XDP, sent by the fast path, or dropped by veth (ring full).
                echo "dr.sh: $1: d0 $(in_ns "$DIR" ethtool -S d0 | awk '/rx_queue_0_(xdp_redirect|xdp_tx|drops|xdp_drops):/ { printf "%s %s ", $1, $2 }')" >&2
                xdp_unpin_napi "$DIR" d0
            fi
            if [ "$1" = lvsd-fast ]; then
                stop_pid "$XDP_PASS_PID"
                XDP_PASS_PID=""
            fi
            alive "$LVSD_PID" || echo "dr.sh: lvsd ended by itself during the runs (log: bench/results/lvsd.log)" >&2
            stop_pid "$LVSD_PID"
            rm -f "$WORK/lvsd.rules"   # each round starts from no rules, as it configures them
            cat "$WORK/lvsd.log" >>"$ROOT/bench/results/lvsd.log"
            LVSD_PID="" ;;
    esac
}

send() { # send PPS SECONDS → "sent seconds"
    local extra=() out offset
    # SYN mode: every run continues where the last one stopped, so no client repeats (kept in
    # a file: send runs in a command substitution).
    offset=$(cat "$WORK/syn-offset" 2>/dev/null || echo 0)
    [ "$GEN_MODE" = syn ] && extra=(--sources 16777216 --source-offset "$offset")
    out=$(in_ns "$GEN" nice -n "$NICE" taskset -c 0 "$GEN_BIN" send --mode "$GEN_MODE" --dev g0 --dst-mac "$DST_MAC" \
        --src $GEN_IP --dst $VIP --port $PORT --flows "$FLOWS" --batch 64 --pps "$1" --seconds "$2" "${extra[@]}" |
        sed -n 's/^sent=\([0-9]*\) seconds=\([0-9.]*\).*/\1 \2/p')
    echo $(( (offset + ${out%% *}) % 16777216 )) >"$WORK/syn-offset"
    echo "$out"
}

measure() { # measure ROUND CANDIDATE LOAD PPS
    local w0 i0 w1 i1 w2 i2 w3 i3 d0 d1 c0 c1 out own all
    read -r w0 i0 < <(cpu1_sample); sleep 0.5; read -r w1 i1 < <(cpu1_sample)
    read -r d0 c0 < <(delivered); read -r w2 i2 < <(cpu1_sample)
    out=$(send "$4" "$SECS")
    sleep 0.2   # let queued frames drain into the counters
    read -r w3 i3 < <(cpu1_sample); read -r d1 c1 < <(delivered)
    set -- "$1" "$2" "$3" $out
    # all = CPU 1 busy during the run; own = that minus the background rate before it.
    read -r own all < <(awk -v bw=$((w1 - w0)) -v bi=$((i1 - i0)) -v w=$((w3 - w2)) -v i=$((i3 - i2)) 'BEGIN {
        bg = bw > 0 ? 1 - bi / bw : 0; if (bg < 0) bg = 0
        busy = w - i; if (busy < 0) busy = 0
        own = busy - bg * w; if (own < 0) own = 0
        printf "%.4f %.4f\n", own / 1e6, busy / 1e6 }')
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$4" "$5" $((d1 - d0)) "$own" "$all" >>"$RUNS"
    awk -v r="$1" -v c="$2" -v l="$3" -v s="$4" -v t="$5" -v d=$((d1 - d0)) -v b="$own" -v a="$all" -v bad=$((c1 - c0)) 'BEGIN {
        printf "  round %s %-6s %-5s sent %8d  delivered %8d (%6.1f kpps, loss %5.1f%%)  director %.2fs = %s µs/pkt  (CPU 1 busy %.2fs)%s\n",
            r, c, l, s, d, d / t / 1e3, 100 * (s - d) / s, b, d ? sprintf("%.2f", b * 1e6 / d) : "-", a,
            bad ? sprintf("  (%d bad checksums!)", bad) : "" }'
}

RUNS=$WORK/runs.tsv
: >"$RUNS"
mkdir -p "$ROOT/bench/results"
: >"$ROOT/bench/results/lvsd.log"
read -r bw0 bi0 < <(cpu1_sample); sleep 1; read -r bw1 bi1 < <(cpu1_sample)
echo "topology $P: generator $GEN_IP ($GEN_MAC) → director $DIR_IP ($DIR_MAC) → real server $RS_IP ($RS_MAC), VIP $VIP:$PORT udp"
echo "CPU 1 background load before the runs: $(( 100 - (bi1 - bi0) * 100 / (bw1 - bw0) ))%"
echo "candidates: $CANDIDATES; $ROUNDS rounds × ${SECS}s at $PPS pps and at saturation; $FLOWS flows; generator $GEN_MODE"

machine_busy() { awk '$1 == "cpu" { print $2 + $3 + $4 + $7 + $8 + $9 }' /proc/stat; }
wait_quiet() {
    local waited=0 a b pct
    while :; do
        a=$(machine_busy); sleep 1; b=$(machine_busy)
        pct=$(( (b - a) * 100 / HZ ))
        if [ "$pct" -lt 15 ] || [ "$waited" -ge "$WAIT_QUIET" ]; then break; fi
        waited=$((waited + 1))
    done
    echo "  (other load before round: ${pct}% of a CPU, waited ${waited}s)"
}

for round in $(seq 1 "$ROUNDS"); do
    [ "$WAIT_QUIET" -gt 0 ] && wait_quiet
    for c in $CANDIDATES; do
        setup "$c"
        send "$PPS" "$WARM" >/dev/null   # warm-up: JIT tiers, caches, neighbour state
        measure "$round" "$c" fixed "$PPS"
        measure "$round" "$c" sat 0
        teardown "$c"
    done
done

RESULTS=$ROOT/bench/results
mkdir -p "$RESULTS"
cp "$RUNS" "$RESULTS/$OUT-runs.tsv"
TITLE="Direct-Routing packet benchmark"
case " $CANDIDATES " in *" dnat "*|*" lvsd-nat "*) TITLE="NAT packet benchmark" ;; esac
FRAMES="60-byte UDP frames, $FLOWS flows"
[ "$TRAFFIC" = syn ] && { TITLE="New-connection benchmark (TCP SYNs, each from a new client)"; FRAMES="54-byte TCP SYNs from distinct clients"; }
{
    "$GEN_BIN" report --input "$RUNS" --title "## $TITLE ($(date -u +%Y-%m-%d), $(uname -r), $NCPU CPUs)"
    echo
    echo "Setup: $FRAMES, $ROUNDS rounds × ${SECS} s, fixed load $PPS pps, generator ($GEN_MODE) on CPU 0, director ingress on CPU 1 (rps_cpus), lvsd pinned to CPU 1 (data plane $LVSD_SCHED), generator and lvsd at nice $NICE. Command: \`bench/dr.sh${ARGS:+ $ARGS}\`. Target: lvsd ≤ 2.0 µs/packet at 150 kpps."
} >"$RESULTS/$OUT.md"
echo
cat "$RESULTS/$OUT.md"
if [ "$PUBLISH" = 1 ]; then
    cp "$RESULTS/$OUT.md" "$ROOT/docs/benchmark.md"
    echo "(written to docs/benchmark.md)"
fi
