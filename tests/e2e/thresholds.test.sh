#!/usr/bin/env bash
# Connection thresholds (-x upper, -y lower) as the kernel keeps IP_VS_DEST_F_OVERLOAD:
# ip_vs_bind_dest sets it when a new connection brings active + inactive to -x, and
# ip_vs_unbind_dest clears it only when the total falls below -y; rr skips an overloaded
# server. rs1 has -x 2 -y 1: two held connections overload it, new ones all go to rs2; with
# one of them closed it stays overloaded (1 is not below 1, though it is below the 3/4 of -x
# the kernel would use without -y); with both closed it takes new connections again.
# lvsadm --set makes FIN_WAIT last 1 s, so a closed DR connection leaves the table quickly.
. "$(dirname "$0")/lib.sh"
require_lvs

lab_up --servers 2 --vip-on eth || fail "lab_up failed"
VIP=$LAB_VIP CLIENT=$(lab_ip client) RS1=$(lab_ip rs1) RS2=$(lab_ip rs2)
lab_start_http rs1 || fail "nginx rs1"
lab_start_http rs2 || fail "nginx rs2"
start_lvsd --interface eth0
lvsadm_ok --set 900 1 300
lvsadm_ok -A -t "$VIP:80" -s rr
lvsadm_ok -a -t "$VIP:80" -r "$RS1" -g -w 1 -x 2 -y 1
lvsadm_ok -a -t "$VIP:80" -r "$RS2" -g -w 1

# The real server of the client's connection from PORT (-Lnc: pro expire state source virtual destination).
server_of() {
    lab_lvsadm -Lnc | awk -v c="$CLIENT:$1" '$4 == c { split($6, a, ":"); print a[1] }'
}

# rs1's --thresholds row must be exactly ipvsadm's "  -> %-28s %-10u %-10u %-10u %-10u".
rs1_row_is() {
    local want
    want="$(printf '  -> %-28s %-10u %-10u %-10u %-10u' "$RS1:80" 2 1 "$1" "$2")"
    [[ "$(lab_lvsadm -Ln --thresholds | grep -F -- "-> $RS1:80 ")" == "$want" ]]
}

# new_connections N: N requests, a new connection each; prints the answering servers.
new_connections() {
    local i got out=()
    for ((i = 1; i <= $1; i++)); do
        got="$(http_get client "http://$VIP/")"
        [[ "$got" == rs[12] ]] || fail "request $i got '$got'"
        out+=("$got")
    done
    echo "${out[*]}"
}

step "both real servers answer (their next hops resolved)"
got="$(new_connections 2)"
[[ "$got" == *rs1* && "$got" == *rs2* ]] || fail "rr did not reach both servers: $got"
# Their closed connections count (inactive) until FIN_WAIT ends.
lab_wait_for 20 rs1_row_is 0 0 || fail "the warm-up connection stays on rs1: $(lab_lvsadm -Ln --thresholds)"

step "held connections (a request each, then kept alive) until two are on rs1"
printf '%s\n' "printf 'GET / HTTP/1.1\\r\\nHost: lab\\r\\n\\r\\n'" 'exec sleep 100' >"$LAB_DIR/hold.sh"
declare -A holder
on_rs1=()
for port in 41001 41002 41003 41004; do
    lab_spawn client "hold-$port" socat -T 100 "TCP4:$VIP:80,sourceport=$port,reuseaddr" \
        EXEC:"bash $LAB_DIR/hold.sh" || fail "spawn socat"
    holder[$port]=$LAB_LAST_PID
    lab_wait_for 10 test -n "\$(server_of $port)" || fail "connection from port $port not in the table: $(lab_lvsadm -Lnc)"
    rs="$(server_of "$port")"
    echo "port $port -> $rs"
    [[ "$rs" == "$RS1" ]] && on_rs1+=("$port")
    ((${#on_rs1[@]} == 2)) && break
done
((${#on_rs1[@]} == 2)) || fail "rr never put two connections on rs1: $(lab_lvsadm -Lnc)"
lab_lvsadm -Ln --thresholds
header="$(lab_lvsadm -Ln --thresholds | sed -n 2p)"
[[ "$header" == "Prot LocalAddress:Port            Uthreshold Lthreshold ActiveConn InActConn " ]] ||
    fail "--thresholds header is '$header'"
rs1_row_is 2 0 || fail "rs1's --thresholds row is not '2 1 2 0'"
grep -qF -- "$(printf '  -> %-28s %-10u %-10u ' "$RS2:80" 0 0)" <<<"$(lab_lvsadm -Ln --thresholds)" ||
    fail "rs2's thresholds are not 0 0"

step "rs1 overloaded (2 connections, -x 2): 6 new connections all go to rs2"
got="$(new_connections 6)"
echo "$got"
[[ "$got" == "rs2 rs2 rs2 rs2 rs2 rs2" ]] || fail "new connections went to: $got"

step "rs1 overloaded and rs2 quiesced (-w 0): no server takes it, the client is refused (ip_vs_leave)"
lvsadm_ok -e -t "$VIP:80" -r "$RS2" -g -w 0
out="$(lab_exec client curl -sS --max-time 10 --connect-timeout 8 "http://$VIP/" 2>&1)"; rc=$?
((rc == 7)) || fail "curl status $rc with every server overloaded or quiesced, expected 7 (refused): $out"
lvsadm_ok -e -t "$VIP:80" -r "$RS2" -g -w 1

step "one of rs1's connections closed: 1 is not below -y 1, still overloaded"
kill "${holder[${on_rs1[0]}]}"
lab_wait_for 20 rs1_row_is 1 0 || fail "rs1 did not get down to 1 connection: $(lab_lvsadm -Ln --thresholds)"
got="$(new_connections 4)"
echo "$got"
[[ "$got" == "rs2 rs2 rs2 rs2" ]] || fail "rs1 took a new connection while still overloaded: $got"

step "both closed: below -y, rs1 takes new connections again"
kill "${holder[${on_rs1[1]}]}"
lab_wait_for 20 rs1_row_is 0 0 || fail "rs1 did not get down to 0 connections: $(lab_lvsadm -Ln --thresholds)"
got="$(new_connections 4)"
echo "$got"
[[ "$got" == *rs1* ]] || fail "rs1 got no new connection after its overload cleared: $got"
lab_lvsadm -Ln --thresholds
pass
