#!/usr/bin/env bash
# Schedulers through real programs: lvsd accepts each of the kernel's fourteen names;
# `-s sh` keeps the one client on one real server over 10 new connections (its address
# hashes to one bucket); `-s mh -b mh-port` hashes the client's port too, so its new
# connections spread, and -Ln shows the flags as ipvsadm does: "mh (mh-port)".
. "$(dirname "$0")/lib.sh"
require_lvs

lab_up --servers 3 --vip-on eth || fail "lab_up failed"
VIP=$LAB_VIP
for rs in rs1 rs2 rs3; do
    lab_start_http "$rs" || fail "nginx $rs"
done
start_lvsd --interface eth0

step "every kernel scheduler name is accepted"
port=1000
for name in rr wrr lc wlc lblc lblcr dh sh sed nq fo ovf mh twos; do
    port=$((port + 1))
    lvsadm_ok -A -t "$VIP:$port" -s "$name"
done
listing="$(lab_lvsadm -Ln 2>&1)" || fail "lvsadm -Ln failed: $listing"
for name in rr wrr lc wlc lblc lblcr dh sh sed nq fo ovf mh twos; do
    grep -q " $name\$" <<<"$listing" || fail "-Ln lacks a service with scheduler $name: $listing"
done
lvsadm_ok -C

step "-s sh: 10 connections from one client land on one server"
lvsadm_ok -A -t "$VIP:80" -s sh
for rs in rs1 rs2 rs3; do
    lvsadm_ok -a -t "$VIP:80" -r "$(lab_ip "$rs")" -g -w 1
done
first=""
for i in $(seq 1 10); do
    got="$(http_get client "http://$VIP/")"
    [[ "$got" == rs? ]] || fail "request $i got '$got'"
    [[ -z "$first" ]] && first="$got"
    [[ "$got" == "$first" ]] || fail "sh moved the client from $first to $got on request $i"
done
echo "all 10 on $first"

step "-E -s mh -b mh-port: the same client's connections spread over the servers"
lvsadm_ok -E -t "$VIP:80" -s mh -b mh-port
lab_lvsadm -Ln | grep -q "^TCP  $VIP:80 mh (mh-port)\$" || fail "-Ln does not show 'mh (mh-port)': $(lab_lvsadm -Ln)"
declare -A seen=()
for i in $(seq 1 12); do
    got="$(http_get client "http://$VIP/")"
    [[ "$got" == rs? ]] || fail "request $i got '$got'"
    seen[$got]=1
done
echo "servers seen: ${!seen[*]}"
((${#seen[@]} >= 2)) || fail "12 connections with hashed ports all went to ${!seen[*]}"
pass
