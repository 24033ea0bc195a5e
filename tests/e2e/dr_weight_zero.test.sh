#!/usr/bin/env bash
# Quiescing a real server (`lvsadm -e ... -w 0`): a keep-alive connection already on it
# keeps working, while every new connection goes to the other server.
. "$(dirname "$0")/lib.sh"
require_lvs

lab_up --servers 2 --vip-on eth || fail "lab_up failed"
VIP=$LAB_VIP
lab_start_http rs1 || fail "nginx rs1"
lab_start_http rs2 || fail "nginx rs2"
start_lvsd --interface eth0
lvsadm_ok -A -t "$VIP:80" -s rr
lvsadm_ok -a -t "$VIP:80" -r "$(lab_ip rs1)" -g -w 1
lvsadm_ok -a -t "$VIP:80" -r "$(lab_ip rs2)" -g -w 1

step "client: one keep-alive connection, 30 requests at 3 per second"
# -N flushes each body as it arrives; num_connects is 1 only when curl had to (re)connect.
lab_spawn client keepalive curl -sS -N --max-time 60 --rate 3/s \
    -w 'connects=%{num_connects}\n' "http://$VIP/[1-30]" || fail "spawn curl"
ka=$LAB_LAST_PID
lab_wait_for 15 grep -q '^rs' "$LAB_DIR/keepalive.log" || fail "keep-alive curl got no first answer: $(cat "$LAB_DIR/keepalive.log")"
busy="$(grep -m1 '^rs' "$LAB_DIR/keepalive.log")"
other=rs1; [[ "$busy" == rs1 ]] && other=rs2
step "the long connection is on $busy; quiescing it with -w 0"
lvsadm_ok -e -t "$VIP:80" -r "$(lab_ip "$busy")" -g -w 0
lab_lvsadm -Ln

step "6 new connections while the old one is still talking"
for i in $(seq 1 6); do
    got="$(http_get client "http://$VIP/")"
    [[ "$got" == "$other" ]] || fail "new connection $i went to '$got' after $busy got weight 0"
done
kill -0 "$ka" 2>/dev/null || fail "keep-alive curl finished too early to prove anything"

lab_wait_exit "$ka" 60 || fail "keep-alive curl hung"
wait "$ka"; rc=$?
out="$(cat "$LAB_DIR/keepalive.log")"
((rc == 0)) || fail "keep-alive curl failed (status $rc): $(tail -n 3 <<<"$out")"
answers=$(grep -c "^$busy\$" <<<"$out")
connects=$(grep -c '^connects=1$' <<<"$out")
echo "keep-alive answers from $busy: $answers/30, (re)connects: $connects"
((answers == 30)) || fail "the established connection lost its server: $(grep '^rs' <<<"$out" | tr '\n' ' ')"
((connects == 1)) || fail "curl had to reconnect $connects times (the established connection broke)"
pass
