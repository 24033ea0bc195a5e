#!/usr/bin/env bash
# The lab itself, without lvsd: addresses, routes, the real servers answer directly, ARP
# behaves as seed 001 says (real servers neither answer ARP for the VIP nor announce it;
# the director answers for the VIP on its eth0:0 alias), and teardown leaves nothing.
. "$(dirname "$0")/lib.sh"

VIP=$LAB_DEFAULT_VIP

step "routed lab, 2 real servers, VIP only on the real servers' lo"
lab_up --servers 2 --vip-on none || fail "lab_up failed"
prefix=$LAB_PREFIX

step "addresses and routes"
lab_exec client ip -4 route show default | grep -q "via 198.19.0.1 dev eth0" || fail "client default route"
for h in director rs1 rs2; do
    lab_exec "$h" ip -4 route show default | grep -q "via 198.18.0.254 dev eth0" || fail "$h default route"
done
lab_exec director ip -4 -o addr show dev eth0 | grep -q "198.18.0.11/24" || fail "director address"
lab_exec rs2 ip -4 -o addr show dev eth0 | grep -q "198.18.0.22/24" || fail "rs2 address"
lab_exec rs1 ip -4 -o addr show dev lo | grep -q "$VIP/32" || fail "rs1 has no VIP on lo"
[[ "$(lab_exec rs1 sysctl -n net.ipv4.conf.all.arp_ignore)" == 1 ]] || fail "rs1 arp_ignore"
[[ "$(lab_exec rs1 sysctl -n net.ipv4.conf.lo.arp_announce)" == 2 ]] || fail "rs1 arp_announce"
[[ "$(lab_exec router sysctl -n net.ipv4.ip_forward)" == 1 ]] || fail "router does not forward"
[[ "$(lab_exec client sysctl -n net.ipv4.tcp_tw_reuse)" == 1 ]] || fail "client tcp_tw_reuse"
[[ "$(lab_exec client sysctl -n net.ipv4.ip_local_port_range | tr -s '\t ' ' ')" == "1024 65535" ]] ||
    fail "client ip_local_port_range"
[[ "$(lab_mac director)" == 02:00:c6:12:00:0b ]] || fail "director MAC is $(lab_mac director)"

step "nginx on both real servers, curl from the client straight to each (through the router)"
lab_start_http rs1 || fail "nginx rs1"
lab_start_http rs2 || fail "nginx rs2"
[[ "$(http_get client http://198.18.0.21/)" == rs1 ]] || fail "client -> rs1 direct: $(http_get client http://198.18.0.21/)"
[[ "$(http_get client http://198.18.0.22/)" == rs2 ]] || fail "client -> rs2 direct"
[[ "$(http_get director http://198.18.0.22/)" == rs2 ]] || fail "director -> rs2 direct"

step "UDP echo on rs1 bound to the VIP answers from the VIP"
lab_start_udp_echo rs1 9000 "$VIP" || fail "udp echo"
out="$(udp_ask rs1 "$VIP" 9000)"
[[ "$out" == rs1 ]] || fail "UDP echo on rs1 answered '$out'"

step "ARP: nobody answers for the VIP yet (real servers have arp_ignore=1)"
lab_capture_start arp router eth1 arp || fail "capture"
lab_exec router socat -u - "UDP4:$VIP:9" <<<probe >/dev/null 2>&1
sleep 1.5
neigh="$(lab_exec router ip neigh show "$VIP" dev eth1)"
[[ "$neigh" != *lladdr* ]] || fail "someone answered ARP for the VIP: $neigh"

step "ARP: a real server sending from the VIP asks with its own address (arp_announce=2)"
lab_exec rs1 ip neigh flush dev eth0
lab_exec rs1 socat -u - "UDP4:198.18.0.254:9,bind=$VIP" <<<probe >/dev/null 2>&1
sleep 0.5

step "ARP: with the VIP on the director's eth0:0 the director answers"
lab_director_vip_alias "$VIP" || fail "VIP alias"
lab_exec director ip -4 -o addr show dev eth0 | grep -q "$VIP/32 .*eth0:0" || fail "no eth0:0 label"
lab_exec router ip neigh flush dev eth1
lab_exec router socat -u - "UDP4:$VIP:9" <<<probe >/dev/null 2>&1
lab_wait_for 3 bash -c "ip -n $(lab_ns router) neigh show $VIP dev eth1 | grep -q lladdr" ||
    fail "director did not answer ARP for the VIP on eth0:0"
neigh="$(lab_exec router ip neigh show "$VIP" dev eth1)"
[[ "$neigh" == *"02:00:c6:12:00:0b"* ]] || fail "VIP resolved to the wrong MAC: $neigh"
lab_capture_stop arp
arp_text="$(lab_capture_read arp)"
grep -q "tell $VIP" <<<"$arp_text" && fail "a host announced the VIP as ARP sender: $(grep "tell $VIP" <<<"$arp_text")"
grep -q "Request who-has 198.18.0.254 tell 198.18.0.21" <<<"$arp_text" ||
    fail "rs1 did not ask for the router with its own address: $arp_text"
grep -q "Reply $VIP is-at 02:00:c6:12:00:0b" <<<"$arp_text" || fail "no ARP reply from the director: $arp_text"
grep -q "Reply $VIP is-at 02:00:c6:12:00:1[56]" <<<"$arp_text" && fail "a real server answered ARP for the VIP"

step "teardown leaves no namespace and no process"
pids="$(cut -d' ' -f1 "$LAB_DIR/pids")"
lab_down
ip netns list | grep -q "^$prefix" && fail "namespaces left: $(ip netns list | grep "^$prefix")"
for pid in $pids; do kill -0 "$pid" 2>/dev/null && fail "process $pid still alive"; done
[[ ! -d "$LAB_TMP/${prefix}lab" ]] || fail "temp dir left"

step "flat lab with IPv6: client on the LAN reaches a real server directly"
LAB_PREFIX="${prefix}2-"
lab_up --servers 1 --flat --ipv6 || fail "flat lab_up failed"
[[ "$(lab_ip client)" == 198.18.0.100 ]] || fail "flat client address"
lab_start_http rs1 || fail "nginx rs1 (flat)"
[[ "$(http_get client http://198.18.0.21/)" == rs1 ]] || fail "flat client -> rs1"
[[ "$(http_get client "http://[$(lab_ip6 rs1)]/")" == rs1 ]] || fail "flat client -> rs1 over IPv6"
lab_exec client ip -4 route show default | grep -q . && fail "flat client should have no default route"
fprefix=$LAB_PREFIX
lab_down
ip netns list | grep -q "^$fprefix" && fail "flat namespaces left"

pass
