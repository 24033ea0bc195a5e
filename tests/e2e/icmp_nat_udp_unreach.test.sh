#!/usr/bin/env bash
# ICMP errors of a NAT connection, outbound (ip_vs_out_icmp): a UDP service VIP:53 → RIP:5353
# where nothing listens on the real server. The real server's kernel answers the client's
# datagram with ICMP port unreachable (RIP → CIP, quoting CIP → RIP:5353); lvsd rewrites it
# to come from the VIP and quote CIP → VIP:53, so the client's connected socat gets
# ECONNREFUSED. The client's capture shows that error from the VIP and no ICMP from the
# private side (the host's forwarding must not leak the un-NATed original). ICMP_FAMILY=6
# runs the same over IPv6 (ICMPv6 destination unreachable, code 4 port unreachable).
. "$(dirname "$0")/lib.sh"
require_lvs

if [[ "${ICMP_FAMILY:-4}" == 6 ]]; then
    lab_up --servers 1 --nat --ipv6 --vip-on eth || fail "lab_up failed"
    VIP=$LAB_VIP6 RS1=$(lab_ip6 rs1) CLIENT=$(lab_ip6 client)
    vs="[$VIP]:53" rs="[$RS1]:5353" sock="UDP6:[$VIP]:53" neigh="ip -6 neigh"
    # ICMPv6 type and code sit right after the fixed header (no extension headers here).
    unreach="icmp6 and ip6[40] == 1" port_code="ip6[41] == 4" errors="icmp6 and ip6[40] < 128"
    quoted="unreachable port, $VIP udp port 53"
else
    lab_up --servers 1 --nat --vip-on eth || fail "lab_up failed"
    VIP=$LAB_VIP RS1=$(lab_ip rs1) CLIENT=$(lab_ip client)
    vs="$VIP:53" rs="$RS1:5353" sock="UDP4:$VIP:53" neigh="ip neigh"
    unreach="icmp[icmptype] == icmp-unreach" port_code="icmp[icmpcode] == 3" errors="icmp"
    quoted="$CLIENT.40053 > $VIP.53:"
fi

step "lvsd on eth0 and eth1: -A -u $vs; -a -r $rs -m (nothing listens on the real server)"
start_lvsd --interface eth0 --interface eth1
lvsadm_ok -A -u "$vs" -s rr
lvsadm_ok -a -u "$vs" -r "$rs" -m

# The director resolves the real server's MAC in the background; on a loaded machine that
# can take seconds, and this test is about what happens after.
lab_wait_for 20 bash -c "ip netns exec $(lab_ns director) $neigh show $RS1 | grep -q lladdr" ||
    fail "the director never resolved rs1's MAC"

lab_capture_start cli client eth0 "$errors" || fail "capture on client"
lab_capture_start rs rs1 eth0 "$errors" || fail "capture on rs1"

# lvsd drops what it cannot send yet (NoNextHop) until its resolver has caught up with the
# kernel's neighbour entry: a few tries, each a fresh socat from the same port.
step "socat on the client sends a datagram to $vs and reads (up to 5 tries)"
for try in 1 2 3 4 5; do
    out="$(printf 'ping\n' | lab_exec client timeout 10 socat -t 2 -T 3 - "$sock,sourceport=40053,reuseaddr" 2>&1)"
    status=$?
    echo "socat try $try (status $status): $out"
    grep -qi "connection refused" <<<"$out" && break
done
lab_capture_stop cli
lab_capture_stop rs

echo "--- real server's capture"
lab_capture_read rs -v | head -n 6
echo "--- client's capture"
lab_capture_read cli -v | head -n 6

step "the real server sent port unreachable for RIP:5353"
(($(lab_capture_count rs "$unreach and src host $RS1") >= 1)) ||
    fail "the real server sent no ICMP port unreachable (is the lab as expected?)"

step "the client got port unreachable from $VIP quoting CIP:40053 → $vs"
from_vip=$(lab_capture_count cli "$unreach and $port_code and src host $VIP")
((from_vip >= 1)) || fail "no ICMP port unreachable from the VIP reached the client"
lab_capture_read cli -vv "src host $VIP" | grep -qF "$quoted" ||
    fail "the error does not quote CIP:40053 → $vs: $(lab_capture_read cli -vv "src host $VIP" | head -n 3)"
stray=$(lab_capture_count cli "$errors and not src host $VIP")
((stray == 0)) || fail "$stray ICMP errors from elsewhere reached the client: $(lab_capture_read cli -v "$errors and not src host $VIP" | head -n 4)"

step "socat saw the connection refused"
grep -qi "connection refused" <<<"$out" || fail "socat did not report ECONNREFUSED: $out"

pass
