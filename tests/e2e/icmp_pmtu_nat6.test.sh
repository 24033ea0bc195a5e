#!/usr/bin/env bash
# icmp_pmtu_dr.test.sh with an IPv6 NAT service: packet too big rewritten to RIP, quoting RIP:8080 → CIP.
ICMP_MODE=nat ICMP_FAMILY=6 exec "$(dirname "$0")/icmp_pmtu_dr.test.sh"
