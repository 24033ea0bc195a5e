#!/usr/bin/env bash
# The kernel IPVS selftest's TUN case (tools/testing/selftests/net/ipvs.sh), on our lab:
# 32 random bytes sent with socat from the client to VIP:8080 arrive intact at the real
# server, which receives them IP-in-IP (unwrapped by `lvsd --decapsulate`: this kernel has
# no ipip) and answers the client directly from the VIP on its lo.
. "$(dirname "$0")/lib.sh"
require_lvs

PORT=8080
lab_up --servers 1 --vip-on eth --no-rs-vip || fail "lab_up failed"
VIP=$LAB_VIP RS=$(lab_ip rs1)
export SHARPLVS_RUN_DIR="$LAB_DIR/run"
out="$(lab_exec rs1 "$LAB_BIN/lvsadm" realserver setup --vip "$VIP" --mode tun --interface eth0 2>&1)" ||
    fail "lvsadm realserver setup: $out"
lab_start_decapsulator rs1 || fail "decapsulator on rs1"

step "real server: one-shot socat listener writing what it receives to a file"
lab_spawn rs1 sink socat -u "TCP4-LISTEN:$PORT,reuseaddr" "CREATE:$LAB_DIR/received" || fail "spawn sink"
sink=$LAB_LAST_PID
lab_wait_for 10 _lab_listening rs1 tcp "$PORT" || fail "sink socat not listening"

step "director: lvsd with -A -t $VIP:$PORT -s rr, -a -r $RS -i"
start_lvsd --interface eth0
lvsadm_ok -A -t "$VIP:$PORT" -s rr
lvsadm_ok -a -t "$VIP:$PORT" -r "$RS" -i -w 1
lab_capture_start rsc rs1 eth0 "ip proto 4" || fail "capture on rs1"

step "client: 32 random bytes through the VIP"
head -c 32 /dev/urandom >"$LAB_DIR/sent"
out="$(lab_exec client timeout 10 socat -u "OPEN:$LAB_DIR/sent" "TCP4:$VIP:$PORT,connect-timeout=5" 2>&1)" ||
    fail "client socat could not send through the VIP: $out"
lab_wait_exit "$sink" 10 || fail "real server's socat did not see the end of the stream"
wait "$sink"
cmp -s "$LAB_DIR/sent" "$LAB_DIR/received" ||
    fail "data differs: sent $(od -An -tx1 "$LAB_DIR/sent" | tr -d ' \n'), received $(od -An -tx1 "$LAB_DIR/received" 2>/dev/null | tr -d ' \n')"
step "32 bytes arrived intact"

lab_capture_stop rsc
wrapped=$(lab_capture_count rsc "ip proto 4 and dst host $RS")
step "the real server received $wrapped IP-in-IP packets"
((wrapped >= 3)) || fail "only $wrapped IP-in-IP packets seen toward $RS"
pass
