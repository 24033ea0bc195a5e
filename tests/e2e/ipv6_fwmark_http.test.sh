#!/usr/bin/env bash
# An IPv6 firewall-mark service (`-A -f 1 -6`): lvsd marks the packets itself from
# `--add-mark 1 -t [PREFIX]/64:80-81` (an IPv6 prefix and a port range), so both the IPv6
# VIP and a second address of the same /64, on ports 80 and 81, are one rr service over two
# DR real servers. The guard keeps the marked traffic from the director's kernel (no RST),
# IPv4 and unmarked ports are untouched, and `lvsadm -Ln --stats` counts the service.
. "$(dirname "$0")/lib.sh"
require_lvs

lab_up --servers 2 --ipv6 --vip-on eth || fail "lab_up failed"
VIP6=$LAB_VIP6 VIP6B=fd00:198:18::251 DMAC=$(lab_mac director)
lab_director_vip_alias "$VIP6B" || fail "second VIP6 on eth0"
for rs in rs1 rs2; do
    lab_realserver_vip "$rs" "$VIP6B" || fail "second VIP6 on $rs"
    lab_start_http "$rs" "$rs" 80 || fail "nginx $rs:80"
    lab_start_http "$rs" "$rs" 81 || fail "nginx $rs:81"
done

start_lvsd --interface eth0
lvsadm_ok --add-mark 1 -t "[fd00:198:18::]/64:80-81"
lvsadm_ok -A -f 1 -6 -s rr
lvsadm_ok -a -f 1 -6 -r "[$(lab_ip6 rs1)]:0" -g -w 1
lvsadm_ok -a -f 1 -6 -r "[$(lab_ip6 rs2)]:0" -g -w 1

step "lvsadm lists the mark and the IPv6 fwmark service as ipvsadm would"
marks="$(lab_lvsadm --list-marks)"
echo "$marks"
grep -qE "^1 +TCP +\[fd00:198:18::\]/64:80-81\$" <<<"$marks" || fail "--list-marks lacks the IPv6 prefix rule"
listing="$(lab_lvsadm -Ln)"
echo "$listing"
grep -qx "FWM  1 IPv6 rr" <<<"$listing" || fail "listing lacks 'FWM  1 IPv6 rr'"
grep -qF "$(route_line_prefix "[$(lab_ip6 rs1)]:0" Route 1)" <<<"$listing" || fail "no Route line for rs1"
chain="$(lab_exec director nft list chain netdev sharplvs marks 2>&1)"
grep -q "ip6 daddr fd00:198:18::/64 tcp dport 80-81 drop" <<<"$chain" || fail "no IPv6 guard rule: $chain"

lab_capture_start dir director eth0 ip6 || fail "capture on the director"
step "VIP6:80, VIP6:81, second address :80 and :81 share one rr sequence"
answers=()
for url in "http://[$VIP6]/" "http://[$VIP6]:81/" "http://[$VIP6B]/" "http://[$VIP6B]:81/" "http://[$VIP6]/" "http://[$VIP6B]:81/"; do
    answers+=("$(http_get client "$url")")
done
echo "answers: ${answers[*]}"
[[ "${answers[*]}" == "rs2 rs1 rs2 rs1 rs2 rs1" ]] || fail "the fwmark service did not alternate: ${answers[*]}"
lab_capture_stop dir
rst=$(lab_capture_count dir "ether src $DMAC and ip6 proto 6 and ip6[53] & 4 != 0")
((rst == 0)) || fail "the director's kernel sent $rst RST for marked traffic"

step "IPv4 to the IPv4 VIP is not the IPv6 mark's (the kernel answers nothing on port 80)"
got="$(lab_exec client curl -sS --max-time 4 "http://$LAB_VIP/" 2>&1)"
[[ "$got" != rs[12] ]] || fail "IPv4 traffic was served by the IPv6 fwmark service"

stats="$(lab_lvsadm -Ln --stats)"
echo "$stats"
awk '$1 == "FWM" && $2 == 1 && $3 == "IPv6" && $4 == 6 && $5 > 0 && $6 == 0 { ok = 1 } END { exit !ok }' <<<"$stats" ||
    fail "--stats does not count 6 connections for FWM 1"
pass
