#!/usr/bin/env bash
# LVS-DR over IPv6: curl -6 to [VIP6]:80 alternates between two real servers (rr, rs2
# first) wherever the director keeps the IPv6 VIP: on eth0, on lo, or on no interface.
# On lo and nowhere the kernel does not answer Neighbour Solicitations for it (ndisc
# answers only for addresses on the receiving interface), so lvsd does: the router must
# resolve the VIP to the director's MAC, and lvsd joins the VIP's solicited-node multicast
# group for as long as it runs. The real servers hold the VIP on lo (/128; IPv6
# needs no arp_ignore). `lvsadm -Ln --stats` counts the connections and packets, and the
# director's kernel sends no RST and no ICMPv6 error for the flows lvsd serves. UDP too.
. "$(dirname "$0")/lib.sh"
require_lvs

lab_up --servers 2 --ipv6 --vip-on none || fail "lab_up failed"
VIP6=$LAB_VIP6 RS1=$(lab_ip6 rs1) RS2=$(lab_ip6 rs2) DIR6=$(lab_ip6 director)
lab_start_http rs1 || fail "nginx rs1"
lab_start_http rs2 || fail "nginx rs2"
for h in client router rs1 rs2; do lab_offloads_off "$h" || fail "offloads off in $h"; done

for placement in eth lo none; do
    step "IPv6 VIP on $placement"
    lab_director_vip_clear "$VIP6"
    case "$placement" in
        eth) lab_director_vip_alias "$VIP6" || fail "VIP6 on eth0" ;;
        lo) lab_director_vip_lo "$VIP6" || fail "VIP6 on lo" ;;
    esac
    # Forget the old answer so the router has to solicit the VIP again.
    lab_exec router ip -6 neigh flush dev eth1
    start_lvsd --interface eth0
    lvsadm_ok -C
    lvsadm_ok -A -t "[$VIP6]:80" -s rr
    lvsadm_ok -a -t "[$VIP6]:80" -r "[$RS1]:80" -g -w 1
    lvsadm_ok -a -t "[$VIP6]:80" -r "[$RS2]:80" -g -w 1
    listing="$(lab_lvsadm -Ln 2>&1)"
    grep -qx "TCP  \[$VIP6\]:80 rr" <<<"$listing" || fail "no IPv6 service line in: $listing"
    for rs in "$RS1" "$RS2"; do
        grep -qF "$(route_line_prefix "[$rs]:80" Route 1)" <<<"$listing" || fail "no Route line for [$rs]:80 in: $listing"
    done

    lab_capture_start "dir-$placement" director eth0 ip6 || fail "capture director"
    answers=()
    for _ in 1 2 3 4; do answers+=("$(http_get client "http://[$VIP6]/")"); done
    echo "answers: ${answers[*]}"
    # rr starts with the destination added last, as the kernel does (see dr_http_rr).
    [[ "${answers[*]}" == "rs2 rs1 rs2 rs1" ]] || fail "VIP6 on $placement: answers ${answers[*]}"
    got="$(head -c 100000 /dev/zero | lab_exec client curl -6 -sS -g --max-time 10 --data-binary @- "http://[$VIP6]/" 2>&1)"
    [[ "$got" == rs2 ]] || fail "VIP6 on $placement: 100 kB POST answered '$got'"
    lab_capture_stop "dir-$placement"

    neigh="$(lab_exec router ip -6 neigh show "$VIP6" dev eth1)"
    echo "router: $neigh"
    [[ "$neigh" == *"$(lab_mac director)"* ]] || fail "VIP6 on $placement: router resolved the VIP to: $neigh"

    stats="$(lab_lvsadm -Ln --stats 2>&1)"
    echo "$stats"
    # Conns InPkts OutPkts: 5 connections, all of their client packets in, none out (DR).
    awk -v vip="[$VIP6]:80" '$2 == vip && $3 == 5 && $4 >= 15 && $5 == 0 { ok = 1 } END { exit !ok }' <<<"$stats" ||
        fail "VIP6 on $placement: the service's --stats line is not 5 connections, >= 15 packets in, 0 out"
    for rs in "$RS1" "$RS2"; do
        awk -v rs="[$rs]:80" '$2 == rs && $3 >= 2 { ok = 1 } END { exit !ok }' <<<"$stats" ||
            fail "VIP6 on $placement: [$rs]:80 has fewer than 2 connections in --stats"
    done

    dmac="$(lab_mac director)"
    # What the director's kernel would send for these flows comes from the VIP or its own
    # address (lvsd's frames bypass the director's taps); IPv6 TCP flags at ip6[53] (no
    # extension headers on these packets); ICMPv6 errors are types below 128.
    own="ether src $dmac and (src host $VIP6 or src host $DIR6)"
    rst=$(lab_capture_count "dir-$placement" "$own and ip6 proto 6 and ip6[53] & 4 != 0")
    icmp=$(lab_capture_count "dir-$placement" "$own and ip6 proto 58 and ip6[40] < 128")
    from_vip=$(lab_capture_count "dir-$placement" "ether src $dmac and src host $VIP6 and ip6 proto 6")
    echo "director kernel: RST $rst, ICMPv6 errors $icmp, TCP from the VIP $from_vip"
    ((rst == 0 && icmp == 0 && from_vip == 0)) ||
        fail "VIP6 on $placement: the director's kernel answered: $(lab_capture_read "dir-$placement" "$own and not (ip6 proto 58 and ip6[40] > 132)" | head -n 3)"

    # On lo or nowhere the host has not joined the VIP's solicited-node group (a NIC with a
    # multicast filter would drop the solicitation): lvsd's socket joins it, until it stops.
    group=33:33:ff:00:02:50
    if [[ "$placement" != eth ]]; then
        lab_exec director ip maddr show dev eth0 | grep -q "link  $group" ||
            fail "VIP6 on $placement: lvsd did not join $group: $(lab_exec director ip maddr show dev eth0)"
    fi
    lab_stop_lvsd || fail "lvsd did not stop cleanly"
    if [[ "$placement" != eth ]] && lab_exec director ip maddr show dev eth0 | grep -q "link  $group"; then
        fail "VIP6 on $placement: $group still joined after lvsd stopped"
    fi
done

step "UDP over IPv6 DR (VIP6 on no interface): socat on the real servers answers from the VIP"
for rs in rs1 rs2; do lab_start_udp_echo "$rs" 9000 "$VIP6" || fail "udp echo $rs"; done
lab_exec router ip -6 neigh flush dev eth1
start_lvsd --interface eth0
lvsadm_ok -C
lvsadm_ok -A -u "[$VIP6]:9000" -s rr
lvsadm_ok -a -u "[$VIP6]:9000" -r "[$RS1]:9000" -g -w 1
lvsadm_ok -a -u "[$VIP6]:9000" -r "[$RS2]:9000" -g -w 1
udp=()
for _ in 1 2 3 4; do udp+=("$(udp_ask client "$VIP6" 9000)"); done
echo "UDP answers: ${udp[*]}"
[[ "${udp[*]}" == "rs2 rs1 rs2 rs1" ]] || fail "UDP over IPv6 DR answered: ${udp[*]}"
lab_stop_lvsd || fail "lvsd did not stop cleanly"

step "lvsd --no-arp leaves a VIP6 on no interface unanswered"
lab_director_vip_clear "$VIP6"
lab_exec router ip -6 neigh flush dev eth1
start_lvsd --interface eth0 --no-arp
lvsadm_ok -C
lvsadm_ok -A -t "[$VIP6]:80" -s rr
lvsadm_ok -a -t "[$VIP6]:80" -r "[$RS1]:80" -g -w 1
got="$(lab_exec client curl -sS -g --max-time 4 "http://[$VIP6]/" 2>&1)"
[[ "$got" != rs1 ]] || fail "--no-arp: the VIP6 was still answered"
pass
