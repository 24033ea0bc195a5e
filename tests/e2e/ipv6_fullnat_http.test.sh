#!/usr/bin/env bash
# FULLNAT over IPv6: the real servers have no IPv6 route beyond their own LAN
# (fd00:198:18:2::/64), where the director's local address fd00:198:18:2::250 lives,
# configured on no interface: lvsd answers the real servers' Neighbour Solicitations for
# it. 50 parallel curl -6 to [VIP6]:80 all get their answer; every SYN reaches the real
# servers from [LIP6] with a port of its own; the client sees only [VIP6]:80;
# `--get-laddr` lists the IPv6 LIP.
. "$(dirname "$0")/lib.sh"
require_lvs

CLIENTS=50
lab_up --servers 2 --fullnat --ipv6 --vip-on eth || fail "lab_up failed"
VIP6=$LAB_VIP6 RS1=$(lab_ip6 rs1) RS2=$(lab_ip6 rs2) CLIENT6=$(lab_ip6 client) LIP6=fd00:198:18:2::250
lab_start_http rs1 rs1 8080 || fail "nginx rs1"
lab_start_http rs2 rs2 8080 || fail "nginx rs2"
if lab_exec rs1 ip -6 route get "$CLIENT6" >/dev/null 2>&1; then
    fail "rs1 has an IPv6 route to the client; the FULLNAT lab must not"
fi

step "lvsd: -A -t [$VIP6]:80 -s rr; -a -r [RIP]:8080 --fullnat; -P -z $LIP6"
start_lvsd --interface eth0 --interface eth1
lvsadm_ok -A -t "[$VIP6]:80" -s rr
lvsadm_ok -a -t "[$VIP6]:80" -r "[$RS1]:8080" --fullnat -w 1
lvsadm_ok -a -t "[$VIP6]:80" -r "[$RS2]:8080" --fullnat -w 1
lvsadm_ok --add-laddr -t "[$VIP6]:80" -z "$LIP6"
listing="$(lab_lvsadm -Ln 2>&1)"
echo "$listing"
grep -qF "$(route_line_prefix "[$RS1]:8080" FullNat 1)" <<<"$listing" || fail "no FullNat line for [$RS1]:8080"

syn="ip6 proto 6 and dst port 8080 and ip6[53] & 0x12 == 0x02"
lab_capture_start rs1 rs1 eth0 "$syn" || fail "capture on rs1"
lab_capture_start rs2 rs2 eth0 "$syn" || fail "capture on rs2"
lab_capture_start cli client eth0 ip6 and tcp || fail "capture on client"
lab_capture_start dir director eth1 ip6 || fail "capture on the director's eth1"

step "one request first, then $CLIENTS parallel curls"
body="$(http_get client "http://[$VIP6]/")"
[[ "$body" == rs[12] ]] || fail "first request answered '$body'"
mkdir -p "$LAB_DIR/answers"
pids=()
for i in $(seq 1 "$CLIENTS"); do
    lab_exec client curl -sS -g --max-time 20 --connect-timeout 15 -o "$LAB_DIR/answers/$i" "http://[$VIP6]/" 2>"$LAB_DIR/answers/$i.err" &
    pids+=($!)
done
failed=0
for pid in "${pids[@]}"; do wait "$pid" || failed=$((failed + 1)); done
answered=$(cat "$LAB_DIR"/answers/[0-9]* 2>/dev/null | grep -cE '^rs[12]$')
step "$answered of $CLIENTS answered ($failed curl failures)"
((failed == 0 && answered == CLIENTS)) ||
    fail "$failed curls failed, $answered answers: $(cat "$LAB_DIR"/answers/*.err | sort | uniq -c | head -n 3)"

lab_capture_stop rs1
lab_capture_stop rs2
lab_capture_stop cli
lab_capture_stop dir
dmac="$(lab_mac director eth1)"
# lvsd's frames bypass the director's taps: what is seen from its MAC is its kernel's.
kernel=$(lab_capture_count dir "ether src $dmac and ((ip6 proto 6 and ip6[53] & 4 != 0) or (ip6 proto 58 and ip6[40] < 128))")
((kernel == 0)) || fail "the director's kernel sent $kernel RST/ICMPv6 errors to the real servers: $(lab_capture_read dir "ether src $dmac" | head -n 3)"
syns=$(lab_capture_read rs1; lab_capture_read rs2)
total=$(grep -c . <<<"$syns")
from_lip=$(grep -cF " $LIP6." <<<"$syns")
conns=$(grep -oE " $LIP6\.[0-9]+ > .* seq [0-9]+" <<<"$syns" | awk '{print $1, $NF}' | sort -u | wc -l)
ports=$(grep -oE " $LIP6\.[0-9]+ > " <<<"$syns" | sort -u | wc -l)
step "real servers saw $total SYNs ($conns connections), $from_lip from $LIP6, $ports distinct local ports"
((conns >= CLIENTS + 1)) || fail "only $conns connections reached the real servers"
((from_lip == total)) || fail "SYNs not from the LIP: $(grep -vF " $LIP6." <<<"$syns" | head -n 3)"
((ports == conns)) || fail "local ports collided: $conns connections but $ports distinct ports"
stray=$(lab_capture_count cli "ip6 and tcp and not src host $VIP6 and not src host $CLIENT6")
((stray == 0)) || fail "$stray packets reached the client from elsewhere than the VIP"
neigh="$(lab_exec rs1 ip -6 neigh show "$LIP6" dev eth0)"
[[ "$neigh" == *"$(lab_mac director eth1)"* ]] || fail "rs1 resolved the LIP to: $neigh"

step "--get-laddr lists the IPv6 LIP"
got="$(lab_lvsadm --get-laddr -t "[$VIP6]:80" 2>&1)" || fail "--get-laddr failed: $got"
echo "$got"
awk -v lip="$LIP6" '$1 == lip && $3 > 0 { ok = 1 } END { exit !ok }' <<<"$got" || fail "no laddr line with connections for $LIP6"
pass
