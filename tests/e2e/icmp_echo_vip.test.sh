#!/usr/bin/env bash
# Echo requests to a VIP are the host's (ip_vs_in_icmp relates only errors): answered when
# the director host owns the VIP (on eth0 as the seeds' alias, or on lo), and not at all
# when the VIP is on no interface, where lvsd answers ARP for it but the host has no address
# to answer from. A TCP service on the VIP puts its tuple in lvsd's nftables guard, which
# must not get in the way of either.
. "$(dirname "$0")/lib.sh"
require_lvs

lab_up --servers 1 --vip-on none || fail "lab_up failed"
VIP=$LAB_VIP

for placement in eth lo none; do
    step "VIP on $placement"
    lab_director_vip_clear
    case "$placement" in
        eth) lab_director_vip_alias || fail "VIP alias" ;;
        lo) lab_director_vip_lo || fail "VIP on lo" ;;
    esac
    lab_exec router ip neigh flush dev eth1
    start_lvsd --interface eth0
    lvsadm_ok -C
    lvsadm_ok -A -t "$VIP:80" -s rr
    lvsadm_ok -a -t "$VIP:80" -r "$(lab_ip rs1)" -g -w 1
    lab_capture_start "dir-$placement" director eth0 icmp || fail "capture on the director"
    # Up to 10 s for 3 answers: on a busy machine the router's first ARP for the VIP can be slow.
    if lab_exec client ping -n -c 3 -i 0.5 -w 10 "$VIP" >"$LAB_DIR/ping-$placement.txt" 2>&1; then answered=1; else answered=0; fi
    lab_capture_stop "dir-$placement"
    tail -n 2 "$LAB_DIR/ping-$placement.txt"
    requests=$(lab_capture_count "dir-$placement" "icmp[icmptype] == icmp-echo and dst host $VIP")
    replies=$(lab_capture_count "dir-$placement" "icmp[icmptype] == icmp-echoreply and src host $VIP")
    step "VIP on $placement: $requests echo requests reached the director, $replies replies left it"
    ((requests >= 1)) || fail "VIP on $placement: no echo request reached the director (ARP for the VIP?)"
    if [[ "$placement" == none ]]; then
        ((answered == 0 && replies == 0)) || fail "VIP on no interface: the VIP answered ping ($replies replies)"
    else
        ((answered == 1 && replies >= 1)) || fail "VIP on $placement: ping to the VIP was not answered"
    fi
    lab_stop_lvsd || fail "lvsd did not stop cleanly"
done
pass
