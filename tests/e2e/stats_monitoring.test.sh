#!/usr/bin/env bash
# What monitoring reads: with HTTP flowing through a DR service, `lvsadm -Ln --stats` parsed
# the way monitoring scripts parse `ipvsadm -Ln --stats` (whitespace-separated columns by
# position) gives connections, packets and bytes IN (nonzero) and OUT (zero: in DR the
# replies bypass the director) for the service and each real server; --rate shows the
# kernel estimator's rates after a 2-second sample; -Lc lists the connections in ipvsadm's
# format; -Z zeroes counters and rates; -L --json carries the same numbers.
. "$(dirname "$0")/lib.sh"
require_lvs

lab_up --servers 2 --vip-on eth || fail "lab_up failed"
VIP=$LAB_VIP RS1=$(lab_ip rs1) RS2=$(lab_ip rs2)
lab_start_http rs1 || fail "nginx rs1"
lab_start_http rs2 || fail "nginx rs2"
start_lvsd --interface eth0
lvsadm_ok -A -t "$VIP:80" -s rr
lvsadm_ok -a -t "$VIP:80" -r "$RS1" -g
lvsadm_ok -a -t "$VIP:80" -r "$RS2" -g

step "20 requests over about 5 s (the estimator samples every 2 s)"
for i in $(seq 1 20); do
    [[ "$(http_get client "http://$VIP/")" == rs[12] ]] || fail "request $i failed"
    sleep 0.2
done

stats="$(lab_lvsadm -Ln --stats)" || fail "lvsadm -Ln --stats failed"
echo "$stats"
# A monitoring-style parse: the service row starts with TCP, real-server rows with "->".
read -r _ addr conns inpkts outpkts inbytes outbytes < <(grep -E "^TCP  $VIP:80 " <<<"$stats") || fail "no service row"
[[ "$addr" == "$VIP:80" ]] || fail "service column 2 is '$addr'"
((conns == 20)) || fail "service Conns is $conns, expected 20"
((inpkts >= 20 * 4)) || fail "service InPkts is $inpkts, expected at least 80 (SYN, ACK, request, FIN... per connection)"
((outpkts == 0 && outbytes == 0)) || fail "DR service shows OutPkts $outpkts OutBytes $outbytes (replies bypass the director)"
((inbytes > inpkts * 40)) || fail "service InBytes $inbytes is not more than 40 bytes per packet"
for rs in "$RS1" "$RS2"; do
    read -r _ addr conns inpkts outpkts inbytes outbytes < <(grep -E "^  -> $rs:80 " <<<"$stats") || fail "no row for $rs"
    ((conns == 10)) || fail "$rs Conns is $conns, expected 10 (rr)"
    ((inpkts > 0 && inbytes > 0 && outpkts == 0)) || fail "$rs counters: in $inpkts/$inbytes out $outpkts"
done

step "--rate after the estimator ran"
sleep 2.2
rate="$(lab_lvsadm -Ln --rate)" || fail "lvsadm -Ln --rate failed"
echo "$rate"
head -n 2 <<<"$rate" | tail -n 1 | grep -qE '^Prot LocalAddress:Port +CPS +InPPS +OutPPS +InBPS +OutBPS$' || fail "rate title differs"
read -r _ _ cps inpps outpps inbps outbps < <(grep -E "^TCP  $VIP:80 " <<<"$rate") || fail "no service row in --rate"
((inpps > 0 && inbps > 0)) || fail "InPPS $inpps InBPS $inbps should be nonzero after traffic"
((outpps == 0 && outbps == 0)) || fail "OutPPS/OutBPS nonzero for DR"

step "-Lc while connections linger in TIME_WAIT/FIN states"
conns="$(lab_lvsadm -Lcn)" || fail "lvsadm -Lcn failed"
echo "$conns" | head -n 5
[[ "$(head -n 2 <<<"$conns")" == "IPVS connection entries"$'\n'"pro expire state       source             virtual            destination" ]] ||
    fail "-Lc header differs"
row="$(sed -n 3p <<<"$conns")"
[[ "$row" =~ ^TCP\ [0-9]{2,}:[0-5][0-9]\ +[A-Z_]+\ +$(lab_ip client):[0-9]+\ +$VIP:80\ +($RS1|$RS2):80$ ]] || fail "-Lc row not in ipvsadm's format: '$row'"
(($(wc -l <<<"$conns") >= 2 + 20)) || fail "-Lc lists fewer than the 20 connections"

step "-L --json carries the same counters"
json="$(lab_lvsadm -L --json)" || fail "lvsadm -L --json failed"
python3 -c 'import json,sys; d=json.load(sys.stdin); s=d["services"][0]; assert s["stats"]["connections"]==20, s; assert len(s["realServers"])==2' <<<"$json" ||
    fail "--json does not parse or disagrees: $json"

step "-Z zeroes counters and rates"
lvsadm_ok -Z
zeroed="$(lab_lvsadm -Ln --stats; lab_lvsadm -Ln --rate)"
grep -E "^(TCP|  ->)" <<<"$zeroed" | awk '{ for (i = 3; i <= NF; i++) if ($i != 0) bad = 1 } END { exit bad }' ||
    fail "counters not zero after -Z: $zeroed"
pass
