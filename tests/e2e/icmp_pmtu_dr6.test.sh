#!/usr/bin/env bash
# icmp_pmtu_dr.test.sh over IPv6: the router's packet too big (mtu 1280) reaches a DR real server.
ICMP_FAMILY=6 exec "$(dirname "$0")/icmp_pmtu_dr.test.sh"
