#!/usr/bin/env bash
# lvsd --port xdp --fast-path in a DR lab: the XDP program forwards the established packets
# of the connections lvsd placed (XDP_TX with the real server's MACs), lvsd still schedules
# the new ones. The client sends complete checksums (tx checksum offload off, as a NIC's
# frames arrive): a CHECKSUM_PARTIAL frame would take the slow path (see docs/fast-path.md).
# Shown: HTTP and UDP work; a 1 MB upload's segments (IPv4 and IPv6) are XDP_TX'd while
# AF_XDP receives few frames, and lvsadm --stats still counts them; deleting a real server stops its
# fast-path forwarding; a UDP flow idle past its timeout expires, an active one does not; in
# generic XDP mode frames with partial checksums are fast-pathed as well.
. "$(dirname "$0")/lib.sh"
require_lvs

lab_up --servers 2 --vip-on eth --ipv6 || fail "lab_up failed"
VIP=$LAB_VIP RS1=$(lab_ip rs1) RS2=$(lab_ip rs2) UPORT=9000
VIP6=$LAB_VIP6 RS16=$(lab_ip6 rs1) RS26=$(lab_ip6 rs2)
lab_exec client ethtool -K eth0 tx off >/dev/null || fail "cannot turn the client's tx checksum offload off"
# (lab_start_lvsd puts an XDP_PASS program on the switch side of the director's veth: a veth
# takes XDP_TX frames from its peer only when it runs one itself, veth_xdp_flush.)
lab_start_http rs1 || fail "nginx rs1"
lab_start_http rs2 || fail "nginx rs2"
lab_start_udp_echo rs1 "$UPORT" "$VIP" || fail "udp echo rs1"
lab_start_udp_echo rs2 "$UPORT" "$VIP" || fail "udp echo rs2"

xdp_stat() { lab_exec director ethtool -S eth0 | awk -v k="rx_queue_0_xdp_$1:" '$1 == k { print $2 }'; }
in_pkts() { lab_lvsadm -Ln --stats --exact | awk -v s="$1" '$2 == s { print $4; exit }'; }

step "lvsd --port xdp --fast-path"
start_lvsd --interface eth0 --port xdp --fast-path
grep -q "packet port: XDP fast path for established Direct-Routing flows" "$LAB_LVSD_LOG" || fail "no fast-path line in lvsd's log"
lvsadm_ok -A -t "$VIP:80" -s rr
lvsadm_ok -a -t "$VIP:80" -r "$RS1" -g -w 1
lvsadm_ok -a -t "$VIP:80" -r "$RS2" -g -w 1
lvsadm_ok -A -u "$VIP:$UPORT" -s rr
lvsadm_ok -a -u "$VIP:$UPORT" -r "$RS1" -g -w 1
lvsadm_ok -a -u "$VIP:$UPORT" -r "$RS2" -g -w 1
lvsadm_ok -A -t "[$VIP6]:80" -s rr
lvsadm_ok -a -t "[$VIP6]:80" -r "[$RS16]:80" -g -w 1
lvsadm_ok -a -t "[$VIP6]:80" -r "[$RS26]:80" -g -w 1

step "4 HTTP requests alternate between the real servers"
answers=()
for _ in 1 2 3 4; do answers+=("$(http_get client "http://$VIP/")"); done
echo "answers: ${answers[*]}"
[[ "${answers[*]}" == "rs2 rs1 rs2 rs1" ]] || fail "HTTP through the VIP: ${answers[*]}"

step "a 1 MB upload: its segments take the fast path, lvsadm --stats counts them"
head -c 1000000 /dev/zero >"$LAB_DIR/upload"
tx0=$(xdp_stat tx) rd0=$(xdp_stat redirect) in0=$(in_pkts "$VIP:80")
code="$(lab_exec client curl -sS -o /dev/null -w '%{http_code}' --max-time 20 --data-binary "@$LAB_DIR/upload" "http://$VIP/")"
[[ "$code" == 200 ]] || fail "upload through the VIP: HTTP '$code'"
sleep 2.5 # the per-server counters are added to lvsd's every second
tx=$(($(xdp_stat tx) - tx0)) rd=$(($(xdp_stat redirect) - rd0)) in=$(($(in_pkts "$VIP:80") - in0))
echo "XDP_TX $tx, redirected to AF_XDP $rd, lvsadm InPkts +$in"
((tx >= 500)) || fail "the fast path sent $tx frames of a 1 MB upload (expected >= 500)"
((rd <= 20)) || fail "$rd frames of one upload reached lvsd over AF_XDP (expected the handshake and FIN only)"
((in >= tx)) || fail "lvsadm counted $in packets for the service, the fast path alone sent $tx"
lab_lvsadm -Ln --stats

step "IPv6: HTTP and a 1 MB upload through [VIP6]:80 take the fast path too"
answers=()
for _ in 1 2; do answers+=("$(http_get client "http://[$VIP6]/")"); done
[[ "${answers[*]}" == "rs2 rs1" ]] || fail "HTTP through [$VIP6]: ${answers[*]}"
tx0=$(xdp_stat tx)
code="$(lab_exec client curl -sS -g -o /dev/null -w '%{http_code}' --max-time 20 --data-binary "@$LAB_DIR/upload" "http://[$VIP6]/")"
[[ "$code" == 200 ]] || fail "upload through [$VIP6]: HTTP '$code'"
tx=$(($(xdp_stat tx) - tx0))
echo "XDP_TX $tx"
((tx >= 500)) || fail "the fast path sent $tx frames of a 1 MB IPv6 upload (expected >= 500)"

step "UDP: a flow's later datagrams take the fast path; deleting its real server stops them"
first="$(udp_ask client "$VIP" "$UPORT" 41000)"
[[ "$first" == rs[12] ]] || fail "no UDP answer ('$first')"
tx0=$(xdp_stat tx)
again="$(udp_ask client "$VIP" "$UPORT" 41000)"
[[ "$again" == "$first" ]] || fail "the flow's second datagram was answered by '$again', not $first"
(($(xdp_stat tx) > tx0)) || fail "the flow's second datagram did not take the fast path"
rip=$RS1; [[ "$first" == rs2 ]] && rip=$RS2
lvsadm_ok -d -u "$VIP:$UPORT" -r "$rip"
sleep 0.5
tx0=$(xdp_stat tx)
gone="$(udp_ask client "$VIP" "$UPORT" 41000)"
[[ -z "$gone" ]] || fail "a datagram of the deleted server's flow was answered by '$gone'"
(($(xdp_stat tx) == tx0)) || fail "the fast path still forwarded the deleted server's flow"
lvsadm_ok -a -u "$VIP:$UPORT" -r "$rip" -g -w 1

step "UDP timeout 4 s: a flow active over 8 s (fast path only) stays, an idle one expires"
lvsadm_ok --set 0 0 4
udp_ask client "$VIP" "$UPORT" 42001 >/dev/null
idle="$(udp_ask client "$VIP" "$UPORT" 42002)"
[[ "$idle" == rs[12] ]] || fail "no answer for the idle flow ('$idle')"
tx0=$(xdp_stat tx) rd0=$(xdp_stat redirect)
for _ in 1 2 3 4 5 6 7 8; do
    a="$(udp_ask client "$VIP" "$UPORT" 42001)"
    [[ "$a" == rs[12] ]] || fail "the active flow went unanswered ('$a')"
    sleep 1
done
echo "XDP_TX +$(($(xdp_stat tx) - tx0)), to AF_XDP +$(($(xdp_stat redirect) - rd0)) during the active flow"
(($(xdp_stat tx) - tx0 >= 8)) || fail "the active flow's datagrams did not take the fast path"
conns="$(lab_lvsadm -Lnc)"
echo "$conns"
grep -q ":42001 " <<<"$conns" || fail "the active UDP flow expired although the fast path carried it"
grep -q ":42002 " <<<"$conns" && fail "the idle UDP flow did not expire after its 4 s timeout"

step "lvsd's report names the fast path"
lab_wait_for 15 grep -q "fast path: [1-9][0-9]* flows offered" "$LAB_LVSD_LOG" || fail "no fast-path report in lvsd's log"
grep "fast path:" "$LAB_LVSD_LOG" | tail -n 1

step "--xdp-mode generic: the skb keeps its CHECKSUM_PARTIAL state, so local senders' frames take the fast path too"
lab_stop_lvsd || fail "lvsd did not stop cleanly"
lab_exec client ethtool -K eth0 tx on tso off gso off >/dev/null || fail "cannot turn the client's tx checksum offload back on"
start_lvsd --interface eth0 --port xdp --xdp-mode generic --fast-path   # a log of its own
grep -q "XDP program attached in generic mode" "$LAB_LVSD_LOG" || fail "lvsd did not say it attached in generic mode"
for _ in 1 2 3; do
    code="$(lab_exec client curl -sS -o /dev/null -w '%{http_code}' --max-time 20 --data-binary "@$LAB_DIR/upload" "http://$VIP/")"
    [[ "$code" == 200 ]] || fail "upload through the VIP in generic mode: HTTP '$code'"
done
# ~2100 segments; lvsd itself should see each connection's handshake and FINs only.
lab_wait_for 15 grep -q "AF_XDP: " "$LAB_LVSD_LOG" || fail "no AF_XDP report from the restarted lvsd"
line="$(grep "AF_XDP: " "$LAB_LVSD_LOG" | tail -n 1)"
echo "$line"
received="$(sed -E 's/.*AF_XDP: ([0-9]+) frames received.*/\1/' <<<"$line")"
((received <= 60)) || fail "lvsd received $received frames over AF_XDP for three 1 MB uploads: the fast path did not carry them"
pass
