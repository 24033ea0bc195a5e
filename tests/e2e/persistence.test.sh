#!/usr/bin/env bash
# Persistence (-p, -M) with nginx real servers, as ip_vs_sched_persist keeps it: every new
# connection of a client goes to the real server of its template while the template lives;
# a template lives for the -p timeout after its last new connection and while it controls
# connections; -M 255.255.255.0 makes one template of a whole /24.
# The client speaks from two addresses of its subnet, 198.19.0.100 and .101. lvsadm --set
# makes FIN_WAIT last 1 s, so a finished DR connection (the director sees only the client's
# FIN) leaves the table within about 2 s and the 3 s template can go soon after.
. "$(dirname "$0")/lib.sh"
require_lvs

lab_up --servers 2 --vip-on eth || fail "lab_up failed"
VIP=$LAB_VIP C1=$(lab_ip client) C2=198.19.0.101
lab_add_address client "$C2/24" || fail "second client address"
lab_start_http rs1 || fail "nginx rs1"
lab_start_http rs2 || fail "nginx rs2"

# get_from ADDR: one request from that client address, a new connection each time.
get_from() {
    lab_exec client curl -sS -g --max-time 12 --connect-timeout 8 --interface "$1" -H 'Connection: close' "http://$VIP/" 2>&1
}

# The PersistConn column summed over the real servers (templates alive).
templates() {
    lab_lvsadm -Ln --persistent-conn | awk '$1 == "->" && $4 ~ /^[0-9]+$/ { n += $4 } END { print n + 0 }'
}

no_templates() { [[ "$(templates)" == 0 ]]; }

start_lvsd --interface eth0
lvsadm_ok --set 900 1 300
lvsadm_ok -A -t "$VIP:80" -s rr -p 3
lvsadm_ok -a -t "$VIP:80" -r "$(lab_ip rs1)" -g -w 1
lvsadm_ok -a -t "$VIP:80" -r "$(lab_ip rs2)" -g -w 1
lab_lvsadm -Ln | grep -q "^TCP  $VIP:80 rr persistent 3\$" || fail "listing lacks 'persistent 3': $(lab_lvsadm -Ln)"

step "10 connections from $C1 stay on one real server"
first="$(get_from "$C1")"
[[ "$first" == rs[12] ]] || fail "no answer: '$first'"
for i in $(seq 2 10); do
    got="$(get_from "$C1")"
    [[ "$got" == "$first" ]] || fail "connection $i from $C1 went to '$got', its template says $first"
done
other=rs1; [[ "$first" == rs1 ]] && other=rs2

step "$C2 (host mask) gets a template of its own: $other"
for i in 1 2 3; do
    got="$(get_from "$C2")"
    [[ "$got" == "$other" ]] || fail "connection $i from $C2 went to '$got', expected $other"
done
n="$(templates)"
((n == 2)) || fail "expected 2 templates (PersistConn), listing says $n"
lab_lvsadm -Ln --persistent-conn

step "the templates go once their connections are gone and 3 s passed"
lab_wait_for 30 no_templates || fail "templates still alive after 30 s: $(lab_lvsadm -Ln --persistent-conn)"
# rr moved on twice (one pick per template), so the next pick is $first's server again.
got="$(get_from "$C2")"
[[ "$got" == "$first" ]] || fail "after the release $C2 went to '$got', expected the scheduler's next pick $first"

step "-M 255.255.255.0: $C1 and $C2 share one template"
lvsadm_ok -E -t "$VIP:80" -s rr -p 60 -M 255.255.255.0
lab_lvsadm -Ln | grep -q "^TCP  $VIP:80 rr persistent 60 mask 255.255.255.0\$" || fail "listing lacks the mask: $(lab_lvsadm -Ln)"
shared="$(get_from "$C1")"
[[ "$shared" == rs[12] ]] || fail "no answer: '$shared'"
for i in 1 2 3; do
    for c in "$C2" "$C1"; do
        got="$(get_from "$c")"
        [[ "$got" == "$shared" ]] || fail "$c went to '$got'; its /24 is bound to $shared"
    done
done
lab_lvsadm -Ln --persistent-conn
pass
