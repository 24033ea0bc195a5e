#!/usr/bin/env bash
# Path MTU discovery through the director (ip_vs_in_icmp → ip_vs_icmp_xmit). The router's
# link to the client gets a smaller MTU while every host keeps 1500, so the client advertises
# a full MSS and the real server's full-size DF segments stop at the router, which answers
# "fragmentation needed (mtu 1000)" (IPv6, ICMP_FAMILY=6: "packet too big (mtu 1280)") to
# their source, the VIP. lvsd hands that error to the connection's real server (DR: as it
# is; NAT, with ICMP_MODE=nat: rewritten to RIP and quoting RIP:8080 → CIP), whose TCP
# lowers its segment size: a 100 KB download completes, where without the relay it would
# hang in a black hole. The real server's capture shows the error arriving.
. "$(dirname "$0")/lib.sh"
require_lvs

mode="${ICMP_MODE:-dr}" family="${ICMP_FAMILY:-4}"
size=100000
lab_args=(--servers 1 --vip-on eth)
[[ "$mode" == nat ]] && lab_args+=(--nat)
[[ "$family" == 6 ]] && lab_args+=(--ipv6)
lab_up "${lab_args[@]}" || fail "lab_up failed"
if [[ "$family" == 6 ]]; then
    VIP=$LAB_VIP6 RS1=$(lab_ip6 rs1) CLIENT=$(lab_ip6 client)
    vs="[$VIP]:80" listen=TCP6-LISTEN connect="TCP6:[$VIP]:80" neigh="ip -6 neigh" mtu=1280
    errors="icmp6 and ip6[40] == 2"
    ratelimit=net.ipv6.icmp.ratelimit
else
    VIP=$LAB_VIP RS1=$(lab_ip rs1) CLIENT=$(lab_ip client)
    vs="$VIP:80" listen=TCP4-LISTEN connect="TCP4:$VIP:80" neigh="ip neigh" mtu=1000
    errors="icmp[icmptype] == icmp-unreach and icmp[icmpcode] == 4"
    ratelimit=net.ipv4.icmp_ratelimit
fi
if [[ "$mode" == nat ]]; then
    port=8080 bind="" method=-m expect_dst=$RS1
else
    port=80 bind=",bind=$VIP" method=-g expect_dst=$VIP
    [[ "$family" == 6 ]] && bind=",bind=[$VIP]"
fi
rs="$RS1:$port"
[[ "$family" == 6 ]] && rs="[$RS1]:$port"

head -c "$size" /dev/zero | tr '\0' 'x' >"$LAB_DIR/big" || fail "could not write the payload"
lab_spawn rs1 big socat -T 20 "$listen:$port$bind,reuseaddr,fork" "OPEN:$LAB_DIR/big,rdonly" || fail "socat on rs1"
lab_wait_for 10 bash -c "ip netns exec $(lab_ns rs1) ss -Hltn 'sport = :$port' | grep -q ." || fail "socat on rs1 is not listening"

step "lvsd ($mode, IPv$family): -A -t $vs; -a -r $rs $method"
if [[ "$mode" == nat ]]; then
    start_lvsd --interface eth0 --interface eth1
else
    start_lvsd --interface eth0
fi
lvsadm_ok -A -t "$vs" -s rr
lvsadm_ok -a -t "$vs" -r "$rs" "$method"

# The director resolves the real server's MAC in the background; on a loaded machine that
# can take seconds, and this test is about what happens after.
lab_wait_for 20 bash -c "ip netns exec $(lab_ns director) $neigh show $RS1 | grep -q lladdr" ||
    fail "the director never resolved rs1's MAC"

step "the router's link to the client carries $mtu bytes at most"
lab_exec router ip link set eth0 mtu "$mtu" || fail "could not lower the router's MTU"
# Every too-big segment costs one error; the router's default rate limit (1/s after a burst)
# would make the download crawl on a slow machine. This namespace's own sysctl.
lab_exec router sysctl -qw "$ratelimit=0" || fail "could not lift the router's ICMP rate limit"

lab_capture_start rs rs1 eth0 "$errors" || fail "capture on rs1"

step "the client downloads $size bytes through $vs"
got="$(lab_exec client timeout 45 socat -T 30 -u "$connect" - | wc -c)"
lab_capture_stop rs
echo "--- real server's capture ($(lab_capture_count rs) errors)"
lab_capture_read rs -v | head -n 8

step "the router's error reached the real server (to $expect_dst)"
relayed=$(lab_capture_count rs "dst host $expect_dst")
((relayed >= 1)) || fail "no fragmentation needed / packet too big reached the real server"
lab_capture_read rs -v | grep -q "mtu $mtu" || fail "the error does not carry mtu $mtu"
if [[ "$mode" == nat && "$family" == 6 ]]; then
    # tcpdump does not print a packet-too-big's quote: its source port (ICMPv6 at 40, quote
    # at 48, quoted TCP header at 88) must be the real server's, not the VIP's 80.
    (($(lab_capture_count rs "ip6[88:2] == $port") >= 1)) ||
        fail "the error does not quote the real server's port $port: $(lab_capture_read rs -x | head -n 8)"
elif [[ "$mode" == nat ]]; then
    lab_capture_read rs -vv | grep -qF "$RS1.$port > $CLIENT." ||
        fail "the error does not quote $rs > $CLIENT: $(lab_capture_read rs -vv | head -n 4)"
fi

step "the download completed: $got bytes"
((got == size)) || fail "got $got of $size bytes: path MTU discovery did not work through the director"

pass
