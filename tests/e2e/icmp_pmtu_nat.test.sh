#!/usr/bin/env bash
# icmp_pmtu_dr.test.sh with a NAT service: the router's error is rewritten to RIP and quotes RIP:8080 → CIP.
ICMP_MODE=nat exec "$(dirname "$0")/icmp_pmtu_dr.test.sh"
