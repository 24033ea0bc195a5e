#!/usr/bin/env bash
# Control-path scale: how long lvsd and lvsadm take with a big table.
#
# Starts bin/lvsd in a throwaway network namespace (lvsc<pid>, one veth pair inside it,
# its own state file in a temp dir), generates SERVICES virtual services with REALS real
# servers each (198.18.0.0/15 addresses), and times:
#   lvsadm -R        the whole table as one transaction (parse, send, apply, compile,
#                    publish to the data plane, kernel-guard update, state file write)
#   lvsadm -Ln       listing it (lvsd builds it with runtime counts, lvsadm sorts and prints)
#   lvsadm -Sn       saving it
#   lvsadm -e        one real-server change on the full table; lvsd's log times the
#                    publish (rule logged -> data plane switched, "now N virtual services")
#   lvsadm -Lcn      the (empty) connection listing
# and prints the figures (medians of REPEAT runs where it repeats). Everything it creates is
# removed on exit, whatever happens.
#
# Usage: bench/control.sh [--services N] [--reals N] [--repeat N] [--no-build]
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
SERVICES=10000
REALS=10
REPEAT=3
BUILD=1
while (($#)); do
    case "$1" in
        --services) SERVICES=$2; shift 2 ;;
        --reals) REALS=$2; shift 2 ;;
        --repeat) REPEAT=$2; shift 2 ;;
        --no-build) BUILD=0; shift ;;
        *) echo "usage: $0 [--services N] [--reals N] [--repeat N] [--no-build]" >&2; exit 2 ;;
    esac
done
((EUID == 0)) || { echo "bench/control.sh needs root (network namespace)" >&2; exit 1; }
((SERVICES >= 1 && SERVICES <= 60000 && REALS >= 1 && REALS <= 250)) || { echo "1..60000 services, 1..250 reals" >&2; exit 2; }

NS="lvsc$$"
WORK=$(mktemp -d "${TMPDIR:-/tmp}/sharplvs-control.XXXXXX")
LVSD_PID=""
cleanup() {
    local status=$?
    if ((status != 0)) && [[ -f "$WORK/lvsd.log" ]]; then
        echo "--- lvsd log (last 20 lines)" >&2
        tail -n 20 "$WORK/lvsd.log" >&2
    fi
    if [[ -n "$LVSD_PID" ]]; then
        kill -TERM "$LVSD_PID" 2>/dev/null || true
        for _ in $(seq 1 50); do kill -0 "$LVSD_PID" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$LVSD_PID" 2>/dev/null || true
    fi
    ip netns del "$NS" 2>/dev/null || true
    rm -rf "$WORK"
}
trap cleanup EXIT INT TERM

if ((BUILD)); then
    dotnet publish "$ROOT/src/SharpLvs.Daemon" -c Release -o "$ROOT/bin" -nologo -v q -clp:NoSummary >/dev/null
    dotnet publish "$ROOT/src/SharpLvs.Cli" -c Release -o "$ROOT/bin" -nologo -v q -clp:NoSummary >/dev/null
fi
LVSADM="${LVSADM:-$ROOT/bin/lvsadm}"

ip netns add "$NS"
ip -n "$NS" link set lo up
ip -n "$NS" link add d0 type veth peer name d1
ip -n "$NS" link set d1 up
ip -n "$NS" addr add 198.18.0.1/15 dev d0
ip -n "$NS" link set d0 up
# The real servers exist as far as lvsd can tell (permanent neighbour entries): a change
# returns once its new real servers' next hops are known (at most 500 ms), and real servers
# that never answer ARP would measure that bound instead of the control path.
awk -v reals="$REALS" -v services="$SERVICES" 'BEGIN {
    for (r = 0; r < reals; r++) for (h = 1; h <= 250 && h <= services; h++)
        printf "neigh add 198.19.%d.%d lladdr 02:00:00:00:%02x:%02x dev d0 nud permanent\n", r, h, r, h }' |
    ip -n "$NS" -batch -
ip netns exec "$NS" "$ROOT/bin/lvsd" --interface d0 --state-file "$WORK/rules" >"$WORK/lvsd.log" 2>&1 &
LVSD_PID=$!
for _ in $(seq 1 100); do ip netns exec "$NS" "$LVSADM" -Ln >/dev/null 2>&1 && break; sleep 0.2; done
ip netns exec "$NS" "$LVSADM" -Ln >/dev/null || { cat "$WORK/lvsd.log"; echo "lvsd did not start" >&2; exit 1; }

# Service i: VIP 198.18.(1 + i / 250).(1 + i % 250):80; real servers 198.19.r.(1 + i % 250).
python3 - "$SERVICES" "$REALS" >"$WORK/rules.txt" <<'PY'
import sys
services, reals = int(sys.argv[1]), int(sys.argv[2])
out = []
for i in range(services):
    vip = "198.18.%d.%d:80" % (1 + i // 250, 1 + i % 250)
    out.append("-A -t %s -s wrr" % vip)
    for r in range(reals):
        out.append("-a -t %s -r 198.19.%d.%d:80 -g -w %d" % (vip, r, 1 + i % 250, 1 + r % 3))
print("\n".join(out))
PY
lines=$(wc -l <"$WORK/rules.txt")
{ echo "-C"; cat "$WORK/rules.txt"; } >"$WORK/restore.txt"

ms() { python3 -c 'import sys; print("%.0f" % ((float(sys.argv[2]) - float(sys.argv[1])) * 1000))' "$1" "$2"; }
now() { date +%s.%N; }
median() { sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
CLK_TCK=$(getconf CLK_TCK)
# lvsd's CPU time so far (user + system), in ms.
lvsd_cpu() { awk -v hz="$CLK_TCK" '{ printf "%.0f", ($14 + $15) * 1000 / hz }' "/proc/$LVSD_PID/stat"; }
# timed NAME CMD...: runs CMD in the namespace (stdin/stdout as given) and appends, to the
# arrays NAME_wall, NAME_cli and NAME_lvsd, the wall time, lvsadm's CPU time (user + sys)
# and the CPU time lvsd spent meanwhile, all in ms. The machine is shared: CPU time is the
# figure that does not grow with the load average, wall time the one a user waits.
timed() {
    local name=$1; shift
    local d0 d1 t0 t1
    d0=$(lvsd_cpu); t0=$(now)
    ip netns exec "$NS" /usr/bin/time -f '%U %S' -o "$WORK/time" "$@"
    t1=$(now); d1=$(lvsd_cpu)
    eval "${name}_wall+=(\"$(ms "$t0" "$t1")\")"
    eval "${name}_cli+=(\"$(awk '{ printf "%.0f", ($1 + $2) * 1000 }' "$WORK/time")\")"
    eval "${name}_lvsd+=(\"$((d1 - d0))\")"
}
run() { ip netns exec "$NS" "$LVSADM" "$@"; }
load_before=$(cut -d' ' -f1-3 /proc/loadavg)

for _ in $(seq 1 "$REPEAT"); do
    run -C
    timed restore "$LVSADM" -R <"$WORK/restore.txt"
done
for _ in $(seq 1 "$REPEAT"); do
    timed list "$LVSADM" -Ln >"$WORK/listing.txt"
    timed save "$LVSADM" -Sn >"$WORK/save.txt"
    timed conns "$LVSADM" -Lcn >/dev/null
    timed version "$LVSADM" -v >/dev/null
done
listed=$(grep -c '^TCP' "$WORK/listing.txt" || true)
((listed == SERVICES)) || { echo "listing shows $listed services, expected $SERVICES" >&2; exit 1; }
cmp -s <(sort "$WORK/save.txt") <(sort "$WORK/rules.txt") || echo "warning: -Sn differs from the restored rules" >&2

publish=()
for k in $(seq 1 "$REPEAT"); do
    before=$(wc -l <"$WORK/lvsd.log")
    timed change "$LVSADM" -e -t 198.18.1.1:80 -r 198.19.0.1:80 -g -w $((k + 5))
    # lvsd logs "rules: ..." when the change arrives and "now N virtual services" once the
    # data plane has the new table (HH:mm:ss.fff).
    publish+=("$(tail -n +"$((before + 1))" "$WORK/lvsd.log" | awk '
        / rules: / && !r { r = $1 } / now [0-9]+ virtual services/ && r { p = $1; exit }
        END { split(r, a, ":"); split(p, b, ":"); printf "%.0f", ((b[1]*3600 + b[2]*60 + b[3]) - (a[1]*3600 + a[2]*60 + a[3])) * 1000 }')")
done
load_after=$(cut -d' ' -f1-3 /proc/loadavg)

row() { # label name
    local wall="${1}_wall[*]" cli="${1}_cli[*]" lvsd="${1}_lvsd[*]"
    printf '  %-40s %7s %7s %7s   (wall runs: %s)\n' "$2" \
        "$(printf '%s\n' ${!wall} | median)" "$(printf '%s\n' ${!cli} | median)" "$(printf '%s\n' ${!lvsd} | median)" "${!wall}"
}
printf '\ncontrol path, %d services x %d real servers (%d lines), median of %d\n' "$SERVICES" "$REALS" "$lines" "$REPEAT"
printf 'load average %s before, %s after (%d CPUs)\n' "$load_before" "$load_after" "$(nproc)"
printf '  %-40s %7s %7s %7s\n' "" "wall ms" "lvsadm" "lvsd" "" "" "CPU ms" "CPU ms"
row restore "lvsadm -R (clear + whole table)"
row list "lvsadm -Ln"
row save "lvsadm -Sn"
row conns "lvsadm -Lcn (empty table)"
row version "lvsadm -v (process start)"
row change "lvsadm -e one real server (end to end)"
printf '  %-40s %7s   (runs: %s)\n' "  of which rule -> data plane (lvsd log)" "$(printf '%s\n' "${publish[@]}" | median)" "${publish[*]}"
printf '  %-40s %7s KB\n' "state file" "$(($(stat -c %s "$WORK/rules") / 1024))"
