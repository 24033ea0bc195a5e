#!/usr/bin/env bash
# Established connections survive a clean restart of lvsd: a long-lived TCP connection
# (socat) through a NAT service and one through a DR service carry data both ways, lvsd is
# stopped with SIGTERM (it saves its connection table next to the state file) and started
# again (it restores the rules, then the connections); on the same two connections data
# still flows both ways and `lvsadm -Lcn` lists them again. Nothing is sent while lvsd is
# down: packets arriving then are not forwarded (see README, "Restarts").
. "$(dirname "$0")/lib.sh"
require_lvs

lab_up --servers 2 --vip-on eth || fail "lab_up failed"
VIP=$LAB_VIP RS1=$(lab_ip rs1) RS2=$(lab_ip rs2) CLIENT=$(lab_ip client) DIRECTOR=$(lab_ip director)

step "echo servers: rs1 $RS1:8080 (behind NAT), rs2 :9000 (DR, VIP on lo)"
lab_spawn rs1 echo-nat socat TCP4-LISTEN:8080,reuseaddr,fork PIPE || fail "spawn rs1 echo"
lab_spawn rs2 echo-dr socat TCP4-LISTEN:9000,reuseaddr,fork PIPE || fail "spawn rs2 echo"
lab_wait_for 10 _lab_listening rs1 tcp 8080 || fail "rs1 echo not listening"
lab_wait_for 10 _lab_listening rs2 tcp 9000 || fail "rs2 echo not listening"
# NAT: rs1's replies to the client must come back through the director to be un-NATed.
lab_exec rs1 ip route replace "$CLIENT/32" via "$DIRECTOR" || fail "route on rs1"

step "lvsd: -A -t $VIP:80 -> $RS1:8080 -m; -A -t $VIP:9000 -> $RS2 -g"
start_lvsd --interface eth0
lvsadm_ok -A -t "$VIP:80" -s rr
lvsadm_ok -a -t "$VIP:80" -r "$RS1:8080" -m -w 1
lvsadm_ok -A -t "$VIP:9000" -s rr
lvsadm_ok -a -t "$VIP:9000" -r "$RS2" -g -w 1

# The director's neighbour entries for both real servers, so that lvsd has their next hops
# before the first SYN even on a loaded machine (lvsd waits at most 500 ms for them).
lab_exec director ping -c 1 -W 5 "$RS1" >/dev/null || fail "director cannot reach rs1"
lab_exec director ping -c 1 -W 5 "$RS2" >/dev/null || fail "director cannot reach rs2"
sleep 1.5

step "client: one socat connection to each service, fed through a FIFO that stays open"
mkfifo "$LAB_DIR/nat.in" "$LAB_DIR/dr.in" || fail "mkfifo"
exec 3<>"$LAB_DIR/nat.in" 4<>"$LAB_DIR/dr.in"
lab_spawn client conn-nat bash -c "exec socat - TCP4:$VIP:80,connect-timeout=8 <'$LAB_DIR/nat.in'" || fail "spawn nat client"
nat_pid=$LAB_LAST_PID
lab_spawn client conn-dr bash -c "exec socat - TCP4:$VIP:9000,connect-timeout=8 <'$LAB_DIR/dr.in'" || fail "spawn dr client"
dr_pid=$LAB_LAST_PID

# echoed NAME WORD: the echo server sent WORD back on connection NAME.
echoed() { grep -qx "$2" "$LAB_DIR/conn-$1.log"; }
echo "nat-before" >&3
echo "dr-before" >&4
lab_wait_for 20 echoed nat nat-before || fail "no echo through NAT before the restart: $(cat "$LAB_DIR/conn-nat.log")"
lab_wait_for 20 echoed dr dr-before || fail "no echo through DR before the restart: $(cat "$LAB_DIR/conn-dr.log")"

# The client's two entries, as "-Lcn" rows without the expiry column.
entries() { lab_lvsadm -Lcn | awk -v c="$CLIENT:" 'index($4, c) == 1 { print $1, $3, $4, $5, $6 }' | sort; }
before="$(entries)"
echo "$before"
[[ "$(grep -c ESTABLISHED <<<"$before")" == 2 ]] || fail "expected two ESTABLISHED entries before the restart: $(lab_lvsadm -Lcn)"

inode="$(stat -L -c %i "/run/netns/$(lab_ns director)")" || fail "no inode for the director namespace"
dump="/run/sharplvs/netns-$inode/connections"

step "SIGTERM lvsd: it saves the connection table to $dump"
lab_stop_lvsd || fail "lvsd did not stop cleanly"
grep "connections: " "$LAB_DIR/lvsd-1.log"
[[ -s "$dump" ]] || fail "no connection dump at $dump"
grep -q "connections: saved 2 entries" "$LAB_DIR/lvsd-1.log" || fail "lvsd did not say it saved 2 entries"

step "start lvsd again: rules, then the two connections, come back"
start_lvsd --interface eth0
restored() { grep -q "connections: restored" "$LAB_LVSD_LOG"; }
lab_wait_for 20 restored || fail "lvsd never said what it restored"
grep "connections: " "$LAB_LVSD_LOG"
grep -q "connections: restored 2 of 2 " "$LAB_LVSD_LOG" || fail "lvsd did not restore both entries"
[[ ! -e "$dump" ]] || fail "the dump was not consumed: a later crash would bring it back"
after="$(entries)"
echo "$after"
[[ "$after" == "$before" ]] || fail "lvsadm -Lcn differs after the restart: before '$before', after '$after'"

step "the same connections carry data both ways again"
echo "nat-after" >&3
echo "dr-after" >&4
lab_wait_for 30 echoed nat nat-after || fail "no echo through NAT after the restart: $(cat "$LAB_DIR/conn-nat.log")"
lab_wait_for 30 echoed dr dr-after || fail "no echo through DR after the restart: $(cat "$LAB_DIR/conn-dr.log")"
_lab_running "$nat_pid" || fail "the NAT client's connection ended"
_lab_running "$dr_pid" || fail "the DR client's connection ended"

step "a corrupt dump is ignored with a log line, and lvsd runs"
lab_stop_lvsd || fail "lvsd did not stop cleanly (second time)"
[[ -s "$dump" ]] || fail "no connection dump at the second stop"
printf 'garbage' | dd of="$dump" bs=1 seek=40 conv=notrunc status=none
start_lvsd --interface eth0
ignored() { grep -q "connections: ignored the dump" "$LAB_LVSD_LOG"; }
lab_wait_for 20 ignored || fail "lvsd did not log that it ignored the corrupt dump"
grep "connections: " "$LAB_LVSD_LOG"
[[ -z "$(entries)" ]] || fail "entries restored from a corrupt dump: $(entries)"
exec 3>&- 4>&-
pass
