#!/usr/bin/env bash
# Rules survive `kill -9`: with a rich rule set (services, thresholds, timeouts, firewall-mark
# rules, tunables) and HTTP flowing (a bounded curl loop),
# lvsd is killed with SIGKILL, started again, and restores its rules from the state file of
# its network namespace: `lvsadm -Sn`, the timeouts and the thresholds print exactly as
# before, and new connections are forwarded again. (Connections open at the kill are not
# carried over: see README, "Restarts".)
. "$(dirname "$0")/lib.sh"
require_lvs

lab_up --servers 2 --vip-on eth || fail "lab_up failed"
VIP=$LAB_VIP RS1=$(lab_ip rs1) RS2=$(lab_ip rs2)
lab_start_http rs1 || fail "nginx rs1"
lab_start_http rs2 || fail "nginx rs2"

step "lvsd with a rich rule set (TCP rr, UDP wrr with thresholds, persistent fwmark, --set)"
start_lvsd --interface eth0
lvsadm_ok -A -t "$VIP:80" -s rr
lvsadm_ok -a -t "$VIP:80" -r "$RS1" -g -w 1
lvsadm_ok -a -t "$VIP:80" -r "$RS2" -g -w 1
lvsadm_ok -A -u "$VIP:53" -s wrr
lvsadm_ok -a -u "$VIP:53" -r "$RS1" -g -w 3 -x 100 -y 10
lvsadm_ok -A -f 7 -s wlc -p 600 -M 255.255.255.0
lvsadm_ok -a -f 7 -r "$RS2" -g -w 2
lvsadm_ok --set 1000 100 200
lvsadm_ok --add-mark 7 -t "$VIP:8080"
lvsadm_ok --tunable sloppy_tcp 1
tunables_before="$(lab_lvsadm --list-tunables)" || fail "lvsadm --list-tunables failed"
save_before="$(lab_lvsadm -Sn)" || fail "lvsadm -Sn failed"
timeout_before="$(lab_lvsadm -L --timeout)" || fail "lvsadm -L --timeout failed"
# Names and thresholds only: the connection counts move with the traffic.
thresholds() { lab_lvsadm -Ln --thresholds --nosort | awk '{ print $1, $2, $3 }'; }
thresholds_before="$(thresholds)" || fail "lvsadm -Ln --thresholds failed"
echo "$save_before"

inode="$(stat -L -c %i "/run/netns/$(lab_ns director)")" || fail "no inode for the director namespace"
state="/run/sharplvs/netns-$inode/rules"
[[ -f "$state" ]] || fail "no state file at $state"
step "state file $state:"
cat "$state"

step "HTTP through the VIP before the kill"
for i in 1 2; do
    body="$(http_get client "http://$VIP/")"
    [[ "$body" == rs[12] ]] || fail "request $i before the kill answered '$body'"
done

step "a bounded curl loop (150 requests, 1 s each at most) runs while lvsd is killed"
lab_spawn client curl-loop bash -c "for i in \$(seq 1 150); do curl -s -o /dev/null -m 1 -w '%{http_code}\n' -H 'Connection: close' http://$VIP/; sleep 0.02; done"
loop_pid=$LAB_LAST_PID
sleep 1
kill -KILL "$LAB_LVSD_PID" || fail "kill -9 lvsd"
lab_wait_exit "$LAB_LVSD_PID" 5 || fail "lvsd survived SIGKILL"
wait "$LAB_LVSD_PID" 2>/dev/null
LAB_LVSD_PID=""

step "restart lvsd"
start_lvsd --interface eth0
grep -E "state: " "$LAB_LVSD_LOG" || true
save_after="$(lab_lvsadm -Sn)" || fail "lvsadm -Sn after the restart failed"
if [[ "$save_after" != "$save_before" ]]; then
    diff <(printf '%s\n' "$save_before") <(printf '%s\n' "$save_after")
    fail "lvsadm -Sn differs after the restart (diff above: < before, > after)"
fi
[[ "$(lab_lvsadm -L --timeout)" == "$timeout_before" ]] || fail "timeouts differ after the restart"
[[ "$(lab_lvsadm --list-tunables)" == "$tunables_before" ]] || fail "tunables differ after the restart"
[[ "$(thresholds)" == "$thresholds_before" ]] || fail "thresholds or list order differ after the restart"

lab_wait_exit "$loop_pid" 60 || fail "the curl loop did not finish"
codes="$(sort "$LAB_DIR/curl-loop.log" | uniq -c | tr '\n' ' ')"
step "curl loop answers across the kill: $codes"
grep -q '^200$' "$LAB_DIR/curl-loop.log" || fail "no request of the loop succeeded"

step "new connections flow again and alternate rs1, rs2 (rr)"
seq=()
for i in $(seq 1 6); do
    seq+=("$(http_get client "http://$VIP/")")
done
echo "answers: ${seq[*]}"
for i in "${!seq[@]}"; do
    [[ "${seq[$i]}" == rs[12] ]] || fail "request $((i + 1)) after the restart answered '${seq[$i]}'"
done
[[ "${seq[0]}" != "${seq[1]}" ]] || fail "rr does not alternate after the restart: ${seq[*]}"

step "SIGTERM, start again: still the same rules"
lab_stop_lvsd || fail "lvsd did not stop cleanly"
start_lvsd --interface eth0
[[ "$(lab_lvsadm -Sn)" == "$save_before" ]] || fail "lvsadm -Sn differs after a clean restart"
[[ "$(http_get client "http://$VIP/")" == rs[12] ]] || fail "no answer after the clean restart"
pass
