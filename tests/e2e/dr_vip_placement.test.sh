#!/usr/bin/env bash
# HTTP through the VIP works wherever the director keeps the VIP: on eth0 as the seeds'
# eth0:0 alias, on lo, or nowhere (then lvsd itself answers ARP for it).
. "$(dirname "$0")/lib.sh"
require_lvs

lab_up --servers 2 --vip-on none || fail "lab_up failed"
VIP=$LAB_VIP
lab_start_http rs1 || fail "nginx rs1"
lab_start_http rs2 || fail "nginx rs2"

for placement in eth lo none; do
    step "VIP on $placement"
    lab_director_vip_clear
    case "$placement" in
        eth) lab_director_vip_alias || fail "VIP alias" ;;
        lo) lab_director_vip_lo || fail "VIP on lo" ;;
    esac
    # Forget the old answer so the router has to ask for the VIP again.
    lab_exec router ip neigh flush dev eth1
    start_lvsd --interface eth0
    # Rules survive a restart (the per-namespace state file): each phase starts clean.
    lvsadm_ok -C
    lvsadm_ok -A -t "$VIP:80" -s rr
    lvsadm_ok -a -t "$VIP:80" -r "$(lab_ip rs1)" -g -w 1
    lvsadm_ok -a -t "$VIP:80" -r "$(lab_ip rs2)" -g -w 1
    answers=()
    for _ in 1 2 3 4; do answers+=("$(http_get client "http://$VIP/")"); done
    echo "answers: ${answers[*]}"
    # rr starts with the destination added last, as the kernel does (see dr_http_rr).
    [[ "${answers[*]}" == "rs2 rs1 rs2 rs1" ]] || fail "VIP on $placement: answers ${answers[*]}"
    neigh="$(lab_exec router ip neigh show "$VIP" dev eth1)"
    [[ "$neigh" == *"$(lab_mac director)"* ]] || fail "VIP on $placement: router resolved the VIP to: $neigh"
    lab_stop_lvsd || fail "lvsd did not stop cleanly"
    # lvsd removes what it added to the host (its nftables guard) when it stops.
    left="$(lab_exec director nft list ruleset 2>&1)"
    [[ -z "$left" ]] || fail "after lvsd stopped the director still has nftables rules: $(head -n 5 <<<"$left")"
done
pass
