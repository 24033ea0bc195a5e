#!/usr/bin/env bash
# One-packet scheduling (-o): every datagram of a UDP service is scheduled on its own and
# leaves no connection entry (IP_VS_CONN_F_ONE_PACKET), so datagrams of one client socket
# (one source port) are spread by rr across the real servers; without -o they stick.
. "$(dirname "$0")/lib.sh"
require_lvs

PORT=9000
lab_up --servers 2 --vip-on eth || fail "lab_up failed"
VIP=$LAB_VIP
lab_start_udp_echo rs1 "$PORT" "$VIP" || fail "udp echo rs1"
lab_start_udp_echo rs2 "$PORT" "$VIP" || fail "udp echo rs2"

start_lvsd --interface eth0
lvsadm_ok -A -u "$VIP:$PORT" -s rr -o
lvsadm_ok -a -u "$VIP:$PORT" -r "$(lab_ip rs1)" -g -w 1
lvsadm_ok -a -u "$VIP:$PORT" -r "$(lab_ip rs2)" -g -w 1
lab_lvsadm -Ln | grep -q "^UDP  $VIP:$PORT rr ops\$" || fail "listing lacks 'ops': $(lab_lvsadm -Ln)"

step "6 datagrams from client port 40001"
answers=()
for _ in $(seq 1 6); do answers+=("$(udp_ask client "$VIP" "$PORT" 40001)"); done
echo "answers: ${answers[*]}"
for i in "${!answers[@]}"; do
    [[ "${answers[$i]}" == rs[12] ]] || fail "datagram $((i + 1)) got no answer (answers: ${answers[*]})"
    ((i == 0)) || [[ "${answers[$i]}" != "${answers[$((i - 1))]}" ]] ||
        fail "rr with -o must alternate per datagram (answers: ${answers[*]})"
done
listing="$(lab_lvsadm -Ln)"
echo "$listing"
(($(grep -cE "^  -> .* 0 +0 +\$" <<<"$listing") == 2)) || fail "one-packet datagrams left connection entries"

step "without -o the same socket sticks to one server"
lvsadm_ok -E -u "$VIP:$PORT" -s rr
sticky=()
for _ in $(seq 1 4); do sticky+=("$(udp_ask client "$VIP" "$PORT" 40002)"); done
echo "answers: ${sticky[*]}"
for a in "${sticky[@]}"; do
    [[ "$a" == "${sticky[0]}" && "$a" == rs[12] ]] || fail "without -o one socket went to different servers: ${sticky[*]}"
done
pass
