#!/usr/bin/env bash
# lvsd --port xdp in a DR lab: the generated XDP program steers the VIP's flows to AF_XDP
# (the log says "AF_XDP (copy mode) on eth0 queue 0"); HTTP alternates between the real
# servers (the client's frames arrive CHECKSUM_PARTIAL and must be completed: curl works
# only if they are), UDP too, while ARP and ICMP still reach the host. kill -9 detaches the
# program (the BPF link dies with lvsd's fd). Fallback: with the director's veth peer at
# MTU 9000 the program cannot attach (veth refuses XDP without multi-buffer support then),
# so --port auto logs the fallback and forwards over AF_PACKET, and --port xdp refuses to start.
. "$(dirname "$0")/lib.sh"
require_lvs

lab_up --servers 2 --vip-on eth || fail "lab_up failed"
VIP=$LAB_VIP RS1=$(lab_ip rs1) RS2=$(lab_ip rs2) UPORT=9000
lab_start_http rs1 || fail "nginx rs1"
lab_start_http rs2 || fail "nginx rs2"
lab_start_udp_echo rs1 "$UPORT" "$VIP" || fail "udp echo rs1"
lab_start_udp_echo rs2 "$UPORT" "$VIP" || fail "udp echo rs2"

rules() {
    lvsadm_ok -A -t "$VIP:80" -s rr
    lvsadm_ok -a -t "$VIP:80" -r "$RS1" -g -w 1
    lvsadm_ok -a -t "$VIP:80" -r "$RS2" -g -w 1
    lvsadm_ok -A -u "$VIP:$UPORT" -s rr
    lvsadm_ok -a -u "$VIP:$UPORT" -r "$RS1" -g -w 1
    lvsadm_ok -a -u "$VIP:$UPORT" -r "$RS2" -g -w 1
}

# http_alternates N: N requests through the VIP answered rs2, rs1, rs2, ... (rr, see dr_http_rr).
http_alternates() {
    local seq=() i body
    for i in $(seq 1 "$1"); do
        body="$(http_get client "http://$VIP/")"
        seq+=("$body")
    done
    echo "answers: ${seq[*]}"
    for i in "${!seq[@]}"; do
        [[ "${seq[$i]}" == "rs$((2 - i % 2))" ]] || fail "request $((i + 1)) answered by '${seq[$i]}' (answers: ${seq[*]})"
    done
}

xdp_stat() { lab_exec director ethtool -S eth0 | awk -v k="$1:" '$1 == k { print $2 }'; }

step "lvsd --port xdp"
start_lvsd --interface eth0 --port xdp
grep -q "packet port: AF_XDP (copy mode) on eth0 queue 0" "$LAB_LVSD_LOG" || fail "no AF_XDP line in lvsd's log"
ip -n "$(lab_ns director)" link show dev eth0 | grep -q "prog/xdp" || fail "no XDP program on the director's eth0"
rules

step "10 HTTP requests alternate between the real servers"
http_alternates 10
redirected="$(xdp_stat rx_queue_0_xdp_redirect)"
echo "eth0 rx_queue_0_xdp_redirect: $redirected"
((${redirected:-0} >= 10)) || fail "the XDP program redirected ${redirected:-0} frames, expected the HTTP flows' (>= 10)"

step "4 UDP datagrams from fresh ports: 2 per real server"
n1=0 n2=0
for _ in 1 2 3 4; do
    a="$(udp_ask client "$VIP" "$UPORT")"
    case "$a" in rs1) n1=$((n1 + 1)) ;; rs2) n2=$((n2 + 1)) ;; *) fail "no UDP answer ('$a')" ;; esac
done
((n1 == 2 && n2 == 2)) || fail "UDP rr gave rs1=$n1 rs2=$n2"

step "ICMP to the VIP still reaches the host (passed by the program)"
lab_exec client ping -c 2 -W 2 "$VIP" >/dev/null || fail "ping $VIP failed"

step "lvsd's 10-second report: frames arrived on AF_XDP with partial checksums, sent from UMEM"
lab_wait_for 15 grep -q "AF_XDP: [1-9][0-9]* frames received, [1-9][0-9]* with a partial checksum, [1-9][0-9]* sent from UMEM" "$LAB_LVSD_LOG" ||
    fail "no AF_XDP report with partial checksums in lvsd's log"
grep "AF_XDP:" "$LAB_LVSD_LOG" | tail -n 1

step "kill -9 lvsd: the program detaches with lvsd's last fd"
kill -KILL "$LAB_LVSD_PID"
wait "$LAB_LVSD_PID" 2>/dev/null
LAB_LVSD_PID=""
lab_wait_for 5 bash -c "! ip -n $(lab_ns director) link show dev eth0 | grep -q prog/xdp" ||
    fail "the XDP program is still attached after kill -9"

step "fallback: peer MTU 9000, XDP cannot attach; --port xdp refuses, --port auto forwards over AF_PACKET"
lab_exec sw ip link set lan-director mtu 9000 || fail "cannot raise the peer's MTU"
if lab_start_lvsd --interface eth0 --port xdp 2>/dev/null; then
    fail "lvsd --port xdp started although XDP cannot attach"
fi
grep -q "cannot attach XDP to eth0" "$LAB_LVSD_LOG" || fail "lvsd --port xdp did not say why it refused"
start_lvsd --interface eth0 --port auto
grep -q "packet port: AF_PACKET ring on eth0 (XDP does not attach" "$LAB_LVSD_LOG" || fail "no fallback line in lvsd's log"
# The rules come back from lvsd's state file.
answers=()
for _ in 1 2 3 4; do answers+=("$(http_get client "http://$VIP/")"); done
echo "answers: ${answers[*]}"
[[ " ${answers[*]} " == *" rs1 "* && " ${answers[*]} " == *" rs2 "* ]] || fail "AF_PACKET fallback: answers ${answers[*]}"
for a in "${answers[@]}"; do [[ "$a" == rs[12] ]] || fail "AF_PACKET fallback: a request failed ('$a')"; done
pass
