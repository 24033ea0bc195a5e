#!/usr/bin/env bash
# Connection-memory benchmark: lvsd's resident memory with N concurrent connections.
#
# lvsd's connection table is sized at start (--connections N; buckets taken then, entries made
# resident as connections use them): this script starts lvsd with a tiny table (baseline),
# then with N entries, reads VmRSS after startup, then fills the table with TCP SYNs from
# distinct clients (bench/Generator syn mode: every SYN is a new connection, state SYN_RECV,
# 60 s timeout) until lvsadm counts N connections or the time bound passes, and reads VmRSS
# again.
#
# Topology: generator ─ veth ─ director (namespaces lvsc<pid>*, 198.18.0.0/24). The real
# server is a permanent neighbour entry only: forwarded SYNs go back into the generator's
# namespace, whose kernel drops them (not its MAC).
#
# Usage: bench/conns.sh [--sizes "1000000 10000000"] [--fill-seconds 55] [--no-build] [--out NAME]
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
SIZES="1000000 10000000"
FILL=55
BUILD=1
OUT=conns
while [ $# -gt 0 ]; do
    case "$1" in
        --sizes) SIZES=$2; shift ;;
        --fill-seconds) FILL=$2; shift ;;
        --no-build) BUILD=0 ;;
        --out) OUT=$2; shift ;;
        -h|--help) sed -n '2,15p' "$0"; exit 0 ;;
        *) echo "conns.sh: unknown option $1" >&2; exit 2 ;;
    esac
    shift
done
[ "$(id -u)" = 0 ] || { echo "conns.sh: needs root" >&2; exit 1; }

GEN_BIN=$ROOT/bench/Generator/bin/Release/net10.0/lvsgen
LVSD=$ROOT/bin/lvsd
LVSADM=$ROOT/bin/lvsadm
if [ "$BUILD" = 1 ]; then
    dotnet build "$ROOT/bench/Generator" -c Release --nologo -v q >/dev/null
    dotnet publish "$ROOT/src/SharpLvs.Daemon" -c Release -o "$ROOT/bin" --nologo -v q >/dev/null
    dotnet publish "$ROOT/src/SharpLvs.Cli" -c Release -o "$ROOT/bin" --nologo -v q >/dev/null
fi

P="lvsc$$"
GEN=${P}gen; DIR=${P}dir
GEN_IP=198.18.0.1; DIR_IP=198.18.0.2; RS_IP=198.18.0.3; VIP=198.18.0.100
WORK=$(mktemp -d /tmp/lvsconns.XXXXXX)
LVSD_PID=""
alive() { local st; st=$(sed 's/^.*) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f1) || true; [ -n "$st" ] && [ "$st" != Z ]; }
stop_lvsd() {
    local i
    [ -n "$LVSD_PID" ] || return 0
    kill "$LVSD_PID" 2>/dev/null || true
    for i in $(seq 1 100); do alive "$LVSD_PID" || break; sleep 0.1; done
    kill -KILL "$LVSD_PID" 2>/dev/null || true
    wait "$LVSD_PID" 2>/dev/null || true
    # The connection dump too (written on SIGTERM next to the state file): the next size would
    # otherwise read the previous fill back at start and count that garbage as its own memory.
    LVSD_PID=""; rm -f "$WORK/lvsd.rules" "$WORK/connections"
}
cleanup() { set +e; stop_lvsd; ip netns del "$GEN" 2>/dev/null; ip netns del "$DIR" 2>/dev/null; rm -rf "$WORK"; }
trap cleanup EXIT
trap 'exit 130' INT TERM

ip netns add "$GEN"; ip netns add "$DIR"
ip -n "$GEN" link add g0 type veth peer name d0 netns "$DIR"
ip -n "$GEN" link set g0 up; ip -n "$DIR" link set d0 up
ip -n "$GEN" addr add $GEN_IP/24 dev g0
ip -n "$DIR" addr add $DIR_IP/24 dev d0
ip -n "$DIR" neigh replace $RS_IP lladdr 02:00:00:00:00:03 dev d0 nud permanent
DIR_MAC=$(ip -n "$DIR" -br link show dev d0 | awk '{print $3}')

rss_kb() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"; }
conns() { ip netns exec "$DIR" "$LVSADM" -L -n | awk '$1 == "->" && $NF ~ /^[0-9]+$/ { s += $(NF) + $(NF - 1) } END { print s + 0 }'; }
start_lvsd() { # start_lvsd CAPACITY
    ip netns exec "$DIR" taskset -c 1 "$LVSD" --interface d0 --realtime --cpu 1 --connections "$1" --state-file "$WORK/lvsd.rules" >"$WORK/lvsd.log" 2>&1 &
    LVSD_PID=$!
    local i
    for i in $(seq 1 300); do
        ip netns exec "$DIR" "$LVSADM" -L -n >/dev/null 2>&1 && break
        alive "$LVSD_PID" || { cat "$WORK/lvsd.log" >&2; return 1; }
        sleep 0.1
    done
    ip netns exec "$DIR" "$LVSADM" -A -t $VIP:80 -s rr
    ip netns exec "$DIR" "$LVSADM" -a -t $VIP:80 -r $RS_IP -g
    sleep 1
}

start_lvsd 1024
BASE=$(rss_kb "$LVSD_PID")
stop_lvsd
echo "lvsd with a 1024-entry table: VmRSS $((BASE / 1024)) MB"

{
    echo "## Connection memory ($(date -u +%Y-%m-%d), $(uname -r))"
    echo
    echo "| table size | VmRSS idle | table cost per entry (prealloc) | connections filled | VmRSS filled | bytes per connection (RSS − baseline) / filled | fill rate (SYN/s) |"
    echo "|---:|---:|---:|---:|---:|---:|---:|"
} >"$WORK/out.md"
for n in $SIZES; do
    start_lvsd "$n"
    idle=$(rss_kb "$LVSD_PID")
    t0=$(date +%s.%N)
    ip netns exec "$GEN" taskset -c 0 "$GEN_BIN" send --mode syn --dev g0 --dst-mac "$DIR_MAC" --src $GEN_IP --dst $VIP \
        --port 80 --sources "$n" --pps 0 --seconds "$FILL" >"$WORK/gen.log" 2>&1 &
    gen=$!
    filled=0
    while alive "$gen"; do
        sleep 2
        filled=$(conns)
        [ "$filled" -ge "$n" ] && break
    done
    kill "$gen" 2>/dev/null || true; wait "$gen" 2>/dev/null || true
    t1=$(date +%s.%N)
    filled=$(conns)
    full=$(rss_kb "$LVSD_PID")
    stop_lvsd
    awk -v n="$n" -v idle="$idle" -v full="$full" -v base="$BASE" -v f="$filled" -v t0="$t0" -v t1="$t1" 'BEGIN {
        per = "–"; if (f > 0) per = sprintf("%.0f B", (full - base) * 1024 / f)
        printf "| %d | %.0f MB | %.0f B | %d | %.0f MB | %s | %.0f |\n", n, idle / 1024, (idle - base) * 1024 / n, f, full / 1024, per, f / (t1 - t0) }' | tee -a "$WORK/out.md"
done
{
    echo
    echo "Baseline: lvsd with a 1024-entry table, VmRSS $((BASE / 1024)) MB. The buckets and timer wheel are taken at start, the entries reserved and made resident as connections use them; SYN_RECV entries expire after 60 s, so a fill slower than N/60 s per second plateaus below N. Command: \`bench/conns.sh\`."
} >>"$WORK/out.md"
mkdir -p "$ROOT/bench/results"
cp "$WORK/out.md" "$ROOT/bench/results/$OUT.md"
echo; cat "$ROOT/bench/results/$OUT.md"
