#!/usr/bin/env bash
# icmp_nat_udp_unreach.test.sh over IPv6: ICMPv6 port unreachable from the real server reaches the client from the VIP.
ICMP_FAMILY=6 exec "$(dirname "$0")/icmp_nat_udp_unreach.test.sh"
