#!/usr/bin/env bash
# The first packet after `lvsadm -a` is delivered, as with the kernel's IPVS: the director
# may not know the new real server's MAC yet, and the kernel then holds the packet in the
# neighbour entry until ARP answers (neigh unres_qlen) instead of dropping it. UDP shows
# it plainly: no retransmission hides a lost first datagram. Each real server is used by
# a service of its own, so each datagram is the very first packet toward an unresolved
# real server.
. "$(dirname "$0")/lib.sh"
require_lvs

lab_up --servers 3 --vip-on eth || fail "lab_up failed"
VIP=$LAB_VIP
for k in 1 2 3; do lab_start_udp_echo "rs$k" "900$k" "$VIP" || fail "udp echo rs$k"; done
start_lvsd --interface eth0

lost=()
for k in 1 2 3; do
    lvsadm_ok -A -u "$VIP:900$k" -s rr
    lvsadm_ok -a -u "$VIP:900$k" -r "$(lab_ip "rs$k")" -g
    got="$(udp_ask client "$VIP" "900$k")"
    echo "datagram to $VIP:900$k right after adding rs$k: answer '$got'"
    [[ "$got" == "rs$k" ]] || lost+=("rs$k")
done
((${#lost[@]} == 0)) ||
    fail "the first datagram right after lvsadm -a was lost for ${lost[*]} (dropped while the real server's MAC was unresolved?)"
pass
