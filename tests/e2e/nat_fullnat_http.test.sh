#!/usr/bin/env bash
# FULLNAT (DPVS style): the real servers have no route back to the client at all, only
# their own LAN, where the director's local address 198.18.1.250 lives (answered by lvsd,
# configured on no interface). `--add-laddr` gives the service that LIP, `--fullnat` the
# method; 200 parallel curls all get their answer, every SYN reaches the real servers from
# LIP with its own port (no collision), the client sees only VIP:80, `--get-laddr` lists the
# address as DPVS's ipvsadm does, and -Sn round-trips the laddr line too.
. "$(dirname "$0")/lib.sh"
require_lvs

CLIENTS=200
lab_up --servers 2 --fullnat --vip-on eth || fail "lab_up failed"
VIP=$LAB_VIP RS1=$(lab_ip rs1) RS2=$(lab_ip rs2) CLIENT=$(lab_ip client) LIP=198.18.1.250
lab_start_http rs1 rs1 8080 || fail "nginx rs1"
lab_start_http rs2 rs2 8080 || fail "nginx rs2"
if lab_exec rs1 ip route get "$CLIENT" >/dev/null 2>&1; then
    fail "rs1 has a route to the client; the FULLNAT lab must not"
fi

step "lvsd: -A -t $VIP:80 -s rr; -a -r RIP:8080 --fullnat; -P -z $LIP"
start_lvsd --interface eth0 --interface eth1
lvsadm_ok -A -t "$VIP:80" -s rr
lvsadm_ok -a -t "$VIP:80" -r "$RS1:8080" --fullnat -w 1
lvsadm_ok -a -t "$VIP:80" -r "$RS2:8080" --fullnat -w 1
lvsadm_ok --add-laddr -t "$VIP:80" -z "$LIP"

listing="$(lab_lvsadm -Ln 2>&1)"
echo "$listing"
grep -qF "$(route_line_prefix "$RS1:8080" FullNat 1)" <<<"$listing" || fail "no FullNat line for $RS1:8080"

lab_capture_start rs1 rs1 eth0 "tcp dst port 8080 and tcp[tcpflags] & (tcp-syn|tcp-ack) == tcp-syn" || fail "capture on rs1"
lab_capture_start rs2 rs2 eth0 "tcp dst port 8080 and tcp[tcpflags] & (tcp-syn|tcp-ack) == tcp-syn" || fail "capture on rs2"
lab_capture_start cli client eth0 tcp || fail "capture on client"

step "one request first (the client's next hop gets resolved)"
body="$(http_get client "http://$VIP/")"
[[ "$body" == rs[12] ]] || fail "first request answered '$body'"

step "$CLIENTS parallel curls"
mkdir -p "$LAB_DIR/answers"
pids=()
for i in $(seq 1 "$CLIENTS"); do
    lab_exec client curl -sS --max-time 20 --connect-timeout 15 -o "$LAB_DIR/answers/$i" "http://$VIP/" 2>"$LAB_DIR/answers/$i.err" &
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
syns=$(lab_capture_read rs1; lab_capture_read rs2)
total=$(grep -c . <<<"$syns")
from_lip=$(grep -cE " $LIP\.[0-9]+ > " <<<"$syns")
ports=$(grep -oE " $LIP\.[0-9]+ > " <<<"$syns" | sort -u | wc -l)
# A retransmitted SYN repeats its port and initial sequence number; a collision is two
# connections (two initial sequence numbers) on one local port.
conns=$(grep -oE " $LIP\.[0-9]+ > .* seq [0-9]+" <<<"$syns" | awk '{print $1, $NF}' | sort -u | wc -l)
step "real servers saw $total SYNs ($conns connections), $from_lip from $LIP, $ports distinct local ports"
((conns >= CLIENTS + 1)) || fail "only $conns connections reached the real servers"
((from_lip == total)) || fail "SYNs not from the LIP: $(grep -vE " $LIP\." <<<"$syns" | head -n 3)"
((ports == conns)) || fail "local ports collided: $conns connections but $ports distinct ports"
stray=$(lab_capture_count cli "tcp and not src host $VIP and not src host $CLIENT")
((stray == 0)) || fail "$stray packets reached the client from elsewhere than the VIP"

step "--get-laddr lists the LIP as DPVS's ipvsadm does"
got="$(lab_lvsadm --get-laddr -t "$VIP:80" 2>&1)" || fail "--get-laddr failed: $got"
echo "$got"
expected_title="$(printf '%-20s %-8s %-20s %-10s %-10s' 'VIP:VPORT' TOTAL LADDR CONFLICTS CONNS)"
[[ "$(sed -n 1p <<<"$got")" == "$expected_title" ]] || fail "title differs: $(sed -n 1p <<<"$got" | cat -A)"
[[ "$(sed -n 2p <<<"$got")" == "$(printf '%-20s %-8u ' "$VIP:80" 1)" ]] || fail "service line differs: $(sed -n 2p <<<"$got" | cat -A)"
awk -v lip="$LIP" 'NR == 3 && $1 == lip && $2 == 0 && $3 > 0 { ok = 1 } END { exit !ok }' <<<"$got" ||
    fail "no laddr line with connections for $LIP"

step "-Sn round-trips with the laddr"
saved="$(lab_lvsadm -Sn 2>&1)" || fail "lvsadm -Sn failed: $saved"
grep -qx -- "-a -t $VIP:80 -r $RS1:8080 --fullnat -w 1" <<<"$saved" || fail "-Sn lacks the --fullnat line: $saved"
grep -qx -- "-P -t $VIP:80 -z $LIP" <<<"$saved" || fail "-Sn lacks the laddr line: $saved"
lvsadm_ok -C
lab_exec director "$LAB_BIN/lvsadm" -R <<<"$saved" || fail "lvsadm -R refused the saved rules"
again="$(lab_lvsadm -Sn 2>&1)"
[[ "$again" == "$saved" ]] || fail "-Sn after -R differs: $again"
pass
