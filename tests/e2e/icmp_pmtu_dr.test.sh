#!/usr/bin/env bash
# Path MTU discovery through the director (ip_vs_in_icmp → ip_vs_icmp_xmit). The router's
# link to the client gets MTU 1000 while every host keeps 1500, so the client advertises MSS
# 1460 and the real server's full-size DF segments stop at the router, which answers ICMP
# "fragmentation needed (mtu 1000)" to their source, the VIP. lvsd hands that error to the
# connection's real server (DR: as it is; NAT, with ICMP_MODE=nat: rewritten to RIP and
# quoting RIP:8080 → CIP), whose TCP lowers its segment size: a 100 KB download completes,
# where without the relay it would hang in a black hole. The real server's capture shows
# the error arriving.
. "$(dirname "$0")/lib.sh"
require_lvs

mode="${ICMP_MODE:-dr}"
size=100000
if [[ "$mode" == nat ]]; then
    lab_up --servers 1 --nat --vip-on eth || fail "lab_up failed"
    port=8080 bind="" method=-m expect_dst=$(lab_ip rs1)
else
    lab_up --servers 1 --vip-on eth || fail "lab_up failed"
    port=80 bind=",bind=$LAB_VIP" method=-g expect_dst=$LAB_VIP
fi
VIP=$LAB_VIP RS1=$(lab_ip rs1) CLIENT=$(lab_ip client)

head -c "$size" /dev/zero | tr '\0' 'x' >"$LAB_DIR/big" || fail "could not write the payload"
lab_spawn rs1 big socat -T 20 "TCP4-LISTEN:$port$bind,reuseaddr,fork" "OPEN:$LAB_DIR/big,rdonly" || fail "socat on rs1"
lab_wait_for 10 bash -c "ip netns exec $(lab_ns rs1) ss -Hltn 'sport = :$port' | grep -q ." || fail "socat on rs1 is not listening"

step "lvsd ($mode): -A -t $VIP:80; -a -r $RS1:$port $method"
if [[ "$mode" == nat ]]; then
    start_lvsd --interface eth0 --interface eth1
else
    start_lvsd --interface eth0
fi
lvsadm_ok -A -t "$VIP:80" -s rr
lvsadm_ok -a -t "$VIP:80" -r "$RS1:$port" "$method"

# The director resolves the real server's MAC in the background; on a loaded machine that
# can take seconds, and this test is about what happens after.
lab_wait_for 20 bash -c "ip netns exec $(lab_ns director) ip neigh show $RS1 | grep -q lladdr" ||
    fail "the director never resolved rs1's MAC"

step "the router's link to the client carries 1000 bytes at most"
lab_exec router ip link set eth0 mtu 1000 || fail "could not lower the router's MTU"
# Every too-big segment costs one error; the router's default rate limit (1/s after a burst)
# would make the download crawl on a slow machine. This namespace's own sysctl.
lab_exec router sysctl -qw net.ipv4.icmp_ratelimit=0 || fail "could not lift the router's ICMP rate limit"

lab_capture_start rs rs1 eth0 icmp || fail "capture on rs1"

step "the client downloads $size bytes through $VIP:80"
got="$(lab_exec client timeout 45 socat -T 30 -u "TCP4:$VIP:80" - | wc -c)"
lab_capture_stop rs
echo "--- real server's capture ($(lab_capture_count rs icmp) ICMP packets)"
lab_capture_read rs -v | head -n 8

step "the router's fragmentation needed reached the real server (to $expect_dst)"
relayed=$(lab_capture_count rs "icmp[icmptype] == icmp-unreach and icmp[icmpcode] == 4 and dst host $expect_dst")
((relayed >= 1)) || fail "no ICMP fragmentation needed reached the real server"
lab_capture_read rs -v "icmp" | grep -q "mtu 1000" || fail "the error does not carry mtu 1000"
if [[ "$mode" == nat ]]; then
    lab_capture_read rs -vv "icmp" | grep -qF "$RS1.$port > $CLIENT." ||
        fail "the error does not quote $RS1:$port > $CLIENT: $(lab_capture_read rs -vv icmp | head -n 4)"
fi

step "the download completed: $got bytes"
((got == size)) || fail "got $got of $size bytes: path MTU discovery did not work through the director"

pass
