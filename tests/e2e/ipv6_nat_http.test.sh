#!/usr/bin/env bash
# LVS-NAT over IPv6, seed 002's layout in IPv6: the real servers sit on fd00:198:18:2::/64
# behind the director's eth1, whose ::1 is their IPv6 default route; the director forwards
# (net.ipv6.conf.all.forwarding=1). [VIP6]:80 maps to [RIP]:8080 (port mapping), rr
# alternates rs2, rs1, ...; the client sees every answer from [VIP6]:80 and nothing else
# from the server side (no un-NATed reply forwarded by the director's kernel, which also
# sends no RST and no ICMPv6 error); `lvsadm -Ln --stats` counts packets in and out. UDP
# too: socat answers through [VIP6]:53 -> [RIP]:5353, the client's socket accepting only
# answers from [VIP6]:53.
. "$(dirname "$0")/lib.sh"
require_lvs

lab_up --servers 2 --nat --ipv6 --vip-on eth || fail "lab_up failed"
VIP6=$LAB_VIP6 RS1=$(lab_ip6 rs1) RS2=$(lab_ip6 rs2) CLIENT6=$(lab_ip6 client)
lab_start_http rs1 rs1 8080 || fail "nginx rs1"
lab_start_http rs2 rs2 8080 || fail "nginx rs2"
route="$(lab_exec rs1 ip -6 route show default)"
[[ "$route" == *"via fd00:198:18:2::1 "* ]] ||
    fail "rs1's IPv6 default route is not the director: $route"

step "lvsd on eth0 and eth1: -A -t [$VIP6]:80 -s rr; -a -r [RIP]:8080 -m"
start_lvsd --interface eth0 --interface eth1
lvsadm_ok -A -t "[$VIP6]:80" -s rr
lvsadm_ok -a -t "[$VIP6]:80" -r "[$RS1]:8080" -m -w 1
lvsadm_ok -a -t "[$VIP6]:80" -r "[$RS2]:8080" -m -w 1
listing="$(lab_lvsadm -Ln 2>&1)"
echo "$listing"
for rs in "$RS1" "$RS2"; do
    grep -qF "$(route_line_prefix "[$rs]:8080" Masq 1)" <<<"$listing" || fail "no Masq line for [$rs]:8080"
done

lab_capture_start cli client eth0 ip6 and tcp || fail "capture on client"
lab_capture_start dir director eth1 ip6 || fail "capture on director eth1"

step "10 requests and a 100 kB POST through [$VIP6]:80"
answers=()
for _ in $(seq 1 10); do answers+=("$(http_get client "http://[$VIP6]/")"); done
echo "answers: ${answers[*]}"
for i in "${!answers[@]}"; do
    want=rs$((2 - i % 2))
    [[ "${answers[$i]}" == "$want" ]] || fail "request $((i + 1)) answered by '${answers[$i]}', expected $want"
done
got="$(head -c 100000 /dev/zero | lab_exec client curl -6 -sS -g --max-time 10 --data-binary @- "http://[$VIP6]/" 2>&1)"
[[ "$got" == rs2 ]] || fail "100 kB POST answered '$got'"

lab_capture_stop cli
lab_capture_stop dir
from_vip=$(lab_capture_count cli "src host $VIP6 and tcp src port 80")
stray=$(lab_capture_count cli "ip6 and tcp and not src host $VIP6 and not src host $CLIENT6")
step "client got $from_vip packets from [$VIP6]:80 and $stray from anywhere else"
((from_vip >= 30)) || fail "only $from_vip packets from the VIP (capture broken?)"
((stray == 0)) || fail "$stray un-NATed packets reached the client: $(lab_capture_read cli "tcp and not src host $VIP6 and not src host $CLIENT6" | head -n 3)"
dmac="$(lab_mac director eth1)"
# The director's kernel, on the real servers' side: no RST, no ICMPv6 error (redirects
# included: lvsd's frames bypass the director's taps, so whatever is seen is the kernel's).
kernel=$(lab_capture_count dir "ether src $dmac and ((ip6 proto 6 and ip6[53] & 4 != 0) or (ip6 proto 58 and (ip6[40] < 128 or ip6[40] == 137)))")
((kernel == 0)) || fail "the director's kernel sent $kernel RST/ICMPv6 errors: $(lab_capture_read dir "ether src $dmac and not (ip6 proto 58 and ip6[40] > 132 and ip6[40] < 137)" | head -n 3)"

step "UDP: [$VIP6]:53 -> [RIP]:5353 -m, each datagram from a new port a new connection"
lab_start_udp_echo rs1 5353 "::" || fail "udp echo rs1"
lab_start_udp_echo rs2 5353 "::" || fail "udp echo rs2"
lvsadm_ok -A -u "[$VIP6]:53" -s rr
lvsadm_ok -a -u "[$VIP6]:53" -r "[$RS1]:5353" -m -w 1
lvsadm_ok -a -u "[$VIP6]:53" -r "[$RS2]:5353" -m -w 1
udp=()
for _ in 1 2 3 4; do udp+=("$(udp_ask client "$VIP6" 53)"); done
echo "UDP answers: ${udp[*]}"
[[ "${udp[*]}" == "rs2 rs1 rs2 rs1" ]] || fail "UDP over IPv6 NAT answered: ${udp[*]}"

step "-Ln --stats counts both directions"
stats="$(lab_lvsadm -Ln --stats 2>&1)"
echo "$stats"
awk -v vip="[$VIP6]:80" '$2 == vip && $3 == 11 && $4 > 0 && $5 > 0 { ok = 1 } END { exit !ok }' <<<"$stats" ||
    fail "the service's --stats line is not 11 connections with packets in and out"
for rs in "$RS1" "$RS2"; do
    awk -v rs="[$rs]:8080" '$2 == rs && $3 >= 5 && $4 > 0 && $5 > 0 { ok = 1 } END { exit !ok }' <<<"$stats" ||
        fail "[$rs]:8080 lacks connections or packets in --stats"
done
pass
