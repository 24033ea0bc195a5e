#!/usr/bin/env bash
# A UDP virtual service in DR: datagrams to VIP:9000 reach both real servers (rr over new
# client ports), every datagram is answered from the VIP straight back to the client, and
# datagrams from one client port keep going to the same real server (connection entry).
. "$(dirname "$0")/lib.sh"
require_lvs

PORT=9000
lab_up --servers 2 --vip-on eth || fail "lab_up failed"
VIP=$LAB_VIP
# Bound to the VIP so that answers leave from the VIP, as a DR real server's must.
lab_start_udp_echo rs1 "$PORT" "$VIP" || fail "udp echo rs1"
lab_start_udp_echo rs2 "$PORT" "$VIP" || fail "udp echo rs2"

start_lvsd --interface eth0
lvsadm_ok -A -u "$VIP:$PORT" -s rr
lvsadm_ok -a -u "$VIP:$PORT" -r "$(lab_ip rs1)" -g -w 1
lvsadm_ok -a -u "$VIP:$PORT" -r "$(lab_ip rs2)" -g -w 1

step "8 datagrams from 8 fresh client ports"
answers=()
for _ in $(seq 1 8); do answers+=("$(udp_ask client "$VIP" "$PORT")"); done
echo "answers: ${answers[*]}"
n1=0 n2=0
for a in "${answers[@]}"; do
    case "$a" in
        rs1) n1=$((n1 + 1)) ;;
        rs2) n2=$((n2 + 1)) ;;
        *) fail "a datagram got no proper answer: '$a' (answers: ${answers[*]})" ;;
    esac
done
((n1 == 4 && n2 == 4)) || fail "rr over 8 new flows gave rs1=$n1 rs2=$n2, expected 4/4"

step "4 datagrams from the same client port stick to one real server"
sticky=()
for _ in $(seq 1 4); do sticky+=("$(udp_ask client "$VIP" "$PORT" 40001)"); done
echo "answers: ${sticky[*]}"
[[ "${sticky[0]}" == rs[12] ]] || fail "no answer from fixed port: ${sticky[*]}"
for a in "${sticky[@]}"; do
    [[ "$a" == "${sticky[0]}" ]] || fail "same client port went to different servers: ${sticky[*]}"
done
lab_lvsadm -Ln
pass
