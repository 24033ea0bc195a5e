#!/usr/bin/env bash
# Seed 002's NAT layout: the real servers sit on a private LAN whose default gateway is the
# director (ip_forward=1). Two nginx on RIP:8080 behind VIP:80 (port mapping, -m only),
# round robin: 20 new connections alternate rs2, rs1, ... (kernel list_add_rcu order); `lvsadm -Ln` shows two Masq
# lines and -Sn round-trips; the client never sees a packet from the server side that does
# not come from the VIP (no un-NATed reply escapes, by lvsd or by the host's forwarding).
. "$(dirname "$0")/lib.sh"
require_lvs

lab_up --servers 2 --nat --vip-on eth || fail "lab_up failed"
VIP=$LAB_VIP RS1=$(lab_ip rs1) RS2=$(lab_ip rs2) CLIENT=$(lab_ip client)
lab_start_http rs1 rs1 8080 || fail "nginx rs1"
lab_start_http rs2 rs2 8080 || fail "nginx rs2"

step "lvsd on eth0 (client side) and eth1 (real servers): -A -t $VIP:80 -s rr; -a -r RIP:8080 -m"
start_lvsd --interface eth0 --interface eth1
lvsadm_ok -A -t "$VIP:80" -s rr
lvsadm_ok -a -t "$VIP:80" -r "$RS1:8080" -m -w 1
lvsadm_ok -a -t "$VIP:80" -r "$RS2:8080" -m -w 1

step "lvsadm -Ln shows the port mapping with Masq"
expected="$(printf '%s\n' \
    'IP Virtual Server version 1.2.1 (size=4096)' \
    'Prot LocalAddress:Port Scheduler Flags' \
    '  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn' \
    "TCP  $VIP:80 rr")"
expected+=$'\n'"$(route_line_prefix "$RS1:8080" Masq 1)$(printf '%-10u %-10u' 0 0)"
expected+=$'\n'"$(route_line_prefix "$RS2:8080" Masq 1)$(printf '%-10u %-10u' 0 0)"
listing="$(lab_lvsadm -Ln 2>&1)" || fail "lvsadm -Ln failed: $listing"
if [[ "$listing" != "$expected" ]]; then
    diff <(printf '%s\n' "$expected") <(printf '%s\n' "$listing") | cat -A | head -n 20
    fail "lvsadm -Ln differs from ipvsadm's format (diff above: < expected, > got)"
fi

lab_capture_start cli client eth0 tcp || fail "capture on client"

step "20 requests through the VIP"
seq=()
for i in $(seq 1 20); do
    t0=$EPOCHREALTIME
    seq+=("$(http_get client "http://$VIP/")")
    ((i == 1)) && step "first request took $(bc <<<"$EPOCHREALTIME - $t0") s"
done
echo "answers: ${seq[*]}"
for i in "${!seq[@]}"; do
    want=rs$((2 - i % 2))
    [[ "${seq[$i]}" == "$want" ]] || fail "request $((i + 1)) answered by '${seq[$i]}', expected $want (answers: ${seq[*]})"
done

lab_capture_stop cli
from_vip=$(lab_capture_count cli "tcp and src host $VIP and src port 80")
stray=$(lab_capture_count cli "tcp and not src host $VIP and not src host $CLIENT")
step "client got $from_vip packets from $VIP:80 and $stray from anywhere else"
((from_vip >= 60)) || fail "only $from_vip packets from the VIP (capture broken?)"
((stray == 0)) || fail "$stray un-NATed packets reached the client: $(lab_capture_read cli "tcp and not src host $VIP and not src host $CLIENT" | head -n 3)"

step "IN and OUT packets are counted per real server"
stats="$(lab_lvsadm -Ln --stats 2>&1)"
echo "$stats"
awk -v rs="$RS1:8080" '$2 == rs && $4 > 0 && $5 > 0 { ok = 1 } END { exit !ok }' <<<"$stats" ||
    fail "no InPkts/OutPkts for $RS1:8080 in --stats"
step "lvsadm -Sn round-trips through -C and -R"
saved="$(lab_lvsadm -Sn 2>&1)" || fail "lvsadm -Sn failed: $saved"
grep -qx -- "-a -t $VIP:80 -r $RS1:8080 -m -w 1" <<<"$saved" || fail "-Sn lacks the -m line: $saved"
lvsadm_ok -C
lab_exec director "$LAB_BIN/lvsadm" -R <<<"$saved" || fail "lvsadm -R refused the saved rules"
again="$(lab_lvsadm -Sn 2>&1)"
[[ "$again" == "$saved" ]] || fail "-Sn after -R differs: $again"

pass
