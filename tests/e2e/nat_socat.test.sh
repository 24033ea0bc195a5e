#!/usr/bin/env bash
# The kernel IPVS selftest's NAT case (tools/testing/selftests/net/ipvs.sh), on our lab:
# 32 random bytes sent with socat from the client to VIP:8080 arrive intact at the real
# server behind the director (-m), and everything the client receives comes from the VIP
# (NAT: both halves cross the director, the real server's address never shows).
. "$(dirname "$0")/lib.sh"
require_lvs

PORT=8080
lab_up --servers 1 --nat --vip-on eth || fail "lab_up failed"
VIP=$LAB_VIP RS=$(lab_ip rs1) CLIENT=$(lab_ip client)

step "real server: one-shot socat listener writing what it receives to a file"
lab_spawn rs1 sink socat -u "TCP4-LISTEN:$PORT,reuseaddr" "CREATE:$LAB_DIR/received" || fail "spawn sink"
sink=$LAB_LAST_PID
lab_wait_for 10 _lab_listening rs1 tcp "$PORT" || fail "sink socat not listening"

step "director: lvsd with -A -t $VIP:$PORT -s rr, -a -r $RS:$PORT -m"
start_lvsd --interface eth0 --interface eth1
lvsadm_ok -A -t "$VIP:$PORT" -s rr
lvsadm_ok -a -t "$VIP:$PORT" -r "$RS:$PORT" -m -w 1
lab_capture_start cli client eth0 tcp || fail "capture on client"

step "client: 32 random bytes through the VIP"
head -c 32 /dev/urandom >"$LAB_DIR/sent"
out="$(lab_exec client timeout 10 socat -u "OPEN:$LAB_DIR/sent" "TCP4:$VIP:$PORT,connect-timeout=5" 2>&1)" ||
    fail "client socat could not send through the VIP: $out"
lab_wait_exit "$sink" 10 || fail "real server's socat did not see the end of the stream"
wait "$sink"
cmp -s "$LAB_DIR/sent" "$LAB_DIR/received" ||
    fail "data differs: sent $(od -An -tx1 "$LAB_DIR/sent" | tr -d ' \n'), received $(od -An -tx1 "$LAB_DIR/received" 2>/dev/null | tr -d ' \n')"
step "32 bytes arrived intact"

lab_capture_stop cli
from_vip=$(lab_capture_count cli "src host $VIP and tcp src port $PORT")
stray=$(lab_capture_count cli "tcp and not src host $VIP and not src host $CLIENT")
step "client got $from_vip packets from the VIP, $stray from elsewhere"
((from_vip >= 2)) || fail "client received only $from_vip packets from the VIP"
((stray == 0)) || fail "$stray packets reached the client from elsewhere than the VIP: $(lab_capture_read cli "not src host $VIP and not src host $CLIENT" | head -n 3)"
pass
