#!/usr/bin/env bash
# Two nginx real servers behind the VIP, round robin: 20 new connections alternate
# strictly between them, and `lvsadm -Ln` prints ipvsadm's listing with two Route lines.
# The kernel starts with the destination added last: __ip_vs_update_dest() puts a new
# destination at the head of svc->destinations (list_add_rcu), and ip_vs_rr_schedule()
# walks that list from its head. So rs2 (added second) answers first: rs2, rs1, rs2, ...
. "$(dirname "$0")/lib.sh"
require_lvs

lab_up --servers 2 --vip-on eth || fail "lab_up failed"
VIP=$LAB_VIP RS1=$(lab_ip rs1) RS2=$(lab_ip rs2)
lab_start_http rs1 || fail "nginx rs1"
lab_start_http rs2 || fail "nginx rs2"

step "lvsd: -A -t $VIP:80 -s rr; -a $RS1 -g; -a $RS2 -g"
start_lvsd --interface eth0
lvsadm_ok -A -t "$VIP:80" -s rr
lvsadm_ok -a -t "$VIP:80" -r "$RS1" -g -w 1
lvsadm_ok -a -t "$VIP:80" -r "$RS2" -g -w 1

step "lvsadm -Ln before any traffic matches ipvsadm byte for byte"
expected="$(printf '%s\n' \
    'IP Virtual Server version 1.2.1 (size=4096)' \
    'Prot LocalAddress:Port Scheduler Flags' \
    '  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn' \
    "TCP  $VIP:80 rr")"
expected+=$'\n'"$(route_line_prefix "$RS1:80" Route 1)$(printf '%-10u %-10u' 0 0)"
expected+=$'\n'"$(route_line_prefix "$RS2:80" Route 1)$(printf '%-10u %-10u' 0 0)"
listing="$(lab_lvsadm -Ln 2>&1)" || fail "lvsadm -Ln failed: $listing"
if [[ "$listing" != "$expected" ]]; then
    diff <(printf '%s\n' "$expected") <(printf '%s\n' "$listing") | cat -A | head -n 20
    fail "lvsadm -Ln differs from ipvsadm's format (diff above: < expected, > got)"
fi

step "20 requests through the VIP"
seq=()
for i in $(seq 1 20); do
    body="$(http_get client "http://$VIP/")"
    seq+=("$body")
done
echo "answers: ${seq[*]}"
for i in "${!seq[@]}"; do
    want=rs$((2 - i % 2))
    [[ "${seq[$i]}" == "$want" ]] || fail "request $((i + 1)) answered by '${seq[$i]}', expected $want (answers: ${seq[*]})"
done

step "lvsadm -Ln shows both Route lines"
listing="$(lab_lvsadm -Ln 2>&1)" || fail "lvsadm -Ln failed: $listing"
echo "$listing"
for rs in "$RS1" "$RS2"; do
    line="$(route_line_prefix "$rs:80" Route 1)"
    grep -qE "^$(sed 's/[.]/\\./g' <<<"$line")[0-9]+ +[0-9]+ +\$" <<<"$listing" ||
        fail "no Route line for $rs:80 in lvsadm -Ln"
done
pass
