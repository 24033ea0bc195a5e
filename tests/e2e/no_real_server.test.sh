#!/usr/bin/env bash
# ip_vs_leave end to end: a service whose real servers are all gone (weight 0, deleted)
# answers a new connection with ICMP port unreachable from the VIP, and the client's stack
# reports it at once: a TCP connect fails with "Connection refused" (tcp_v4_err/tcp_v6_err:
# port unreachable is a hard error in SYN_SENT), a connected UDP socket gets ECONNREFUSED on
# its next read (udp_err). tcpdump in the client sees the ICMP come from the VIP.
. "$(dirname "$0")/lib.sh"
require_lvs

lab_up --servers 1 --vip-on eth --ipv6 || fail "lab_up failed"
VIP=$LAB_VIP VIP6=$LAB_VIP6 RS1=$(lab_ip rs1) RS1_6=$(lab_ip6 rs1) CLIENT6=$(lab_ip6 client)
lab_start_http rs1 || fail "nginx rs1"
start_lvsd --interface eth0
lvsadm_ok -A -t "$VIP:80" -s wlc
lvsadm_ok -a -t "$VIP:80" -r "$RS1" -g -w 1
lvsadm_ok -A -u "$VIP:9000" -s rr
lvsadm_ok -a -u "$VIP:9000" -r "$RS1" -g -w 0
lvsadm_ok -A -t "[$VIP6]:80" -s rr
lvsadm_ok -a -t "[$VIP6]:80" -r "[$RS1_6]:80" -g -w 0

step "sanity: with rs1 at weight 1 the service answers"
[[ "$(http_get client "http://$VIP/")" == rs1 ]] || fail "no answer through the working service"

# TCP too: the director's own stack would answer a SYN for the VIP with RST, which a client
# reports as "refused" as well; only lvsd answers with ICMP.
lab_capture_start cli client eth0 icmp or icmp6 or tcp || fail "tcpdump in the client"

# refused WHAT URL|ADDR: curl fails to connect (status 7) well before its connect timeout,
# and socat names the reason.
refused() {
    local what="$1" url="$2" target="$3" out rc t0 ms
    t0=$(date +%s%N)
    out="$(lab_exec client curl -sS -g --max-time 10 --connect-timeout 8 "$url" 2>&1)"; rc=$?
    ms=$((($(date +%s%N) - t0) / 1000000))
    echo "curl ($what): status $rc after $ms ms: $out"
    ((rc == 7)) || fail "$what: curl status $rc, expected 7 (could not connect): $out"
    ((ms < 3000)) || fail "$what: curl needed $ms ms to give up (a silent drop waits for the timeout)"
    out="$(lab_exec client timeout 10 socat -T 5 /dev/null "$target,connect-timeout=8" 2>&1)"
    echo "socat ($what): $out"
    [[ "$out" == *"Connection refused"* ]] || fail "$what: socat did not report 'Connection refused': $out"
}

step "rs1 at weight 0: the only real server takes no new connection"
lvsadm_ok -e -t "$VIP:80" -r "$RS1" -g -w 0
refused "weight 0" "http://$VIP/" "TCP4:$VIP:80"

step "rs1 deleted: the service has no real server at all"
lvsadm_ok -d -t "$VIP:80" -r "$RS1"
lab_lvsadm -Ln
refused "deleted" "http://$VIP/" "TCP4:$VIP:80"

step "UDP: a connected socat reads ECONNREFUSED after its datagram"
out="$(lab_exec client timeout 10 socat -T 5 -t 3 - "UDP4:$VIP:9000" <<<ping 2>&1)"
echo "socat (udp): $out"
[[ "$out" == *"Connection refused"* ]] || fail "UDP: socat did not report 'Connection refused': $out"

step "IPv6: refused the same way (ICMPv6 port unreachable)"
refused "IPv6" "http://[$VIP6]/" "TCP6:[$VIP6]:80"

lab_capture_stop cli
caught="$(lab_capture_read cli)"
echo "$caught"
tcp4=$(grep -c "$VIP > $(lab_ip client): ICMP $VIP tcp port 80 unreachable" <<<"$caught")
udp4=$(grep -c "$VIP > $(lab_ip client): ICMP $VIP udp port 9000 unreachable" <<<"$caught")
tcp6=$(grep -c "$VIP6 > $CLIENT6: ICMP6, destination unreachable, unreachable port" <<<"$caught")
resets=$(grep -c "Flags \[R" <<<"$caught")
echo "ICMP port unreachable seen by the client: TCP $tcp4, UDP $udp4, IPv6 $tcp6; resets: $resets"
((resets == 0)) || fail "the client saw $resets TCP resets: the refusal must come as ICMP from lvsd"
((tcp4 == 4)) || fail "expected 4 ICMP errors for TCP port 80 (curl and socat, twice), saw $tcp4"
((udp4 == 1)) || fail "expected 1 ICMP error for UDP port 9000, saw $udp4"
((tcp6 == 2)) || fail "expected 2 ICMPv6 errors (curl and socat), saw $tcp6"
pass
