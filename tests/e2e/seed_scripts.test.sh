#!/usr/bin/env bash
# The done-when of issue 5: scripts written for ipvsadm run unchanged with ipvsadm replaced
# by lvsadm. Seed 001's director start/stop script and seed 002's NAT and DR director
# commands run as written (only the addresses and interface names are the lab's; ifconfig
# and route are the host's net-tools, as in the seeds), lvsadm found on PATH.
. "$(dirname "$0")/lib.sh"
require_lvs

lab_up --servers 2 --vip-on none || fail "lab_up failed"
VIP=$LAB_VIP RS1=$(lab_ip rs1) RS2=$(lab_ip rs2)
lab_start_http rs1 || fail "nginx rs1"
lab_start_http rs2 || fail "nginx rs2"
start_lvsd --interface eth0

# PATH for the scripts: lvsadm from bin/; tools the host lacks (iptables) become a stub that
# says so, since the seed's `iptables -F` only empties a fresh namespace's (empty) tables.
tools="$LAB_DIR/seed-tools"
mkdir -p "$tools"
for tool in ifconfig route iptables; do
    if ! command -v "$tool" >/dev/null; then
        printf '#!/bin/sh\necho "(%s is not installed in this lab; skipped: %s $*)" >&2\n' "$tool" "$tool" >"$tools/$tool"
        chmod +x "$tools/$tool"
    fi
done
run_script() { lab_exec director env PATH="$LAB_BIN:$tools:$PATH" bash "$@"; }

# Seed 001's "Virtual Server" script, word for word but for ipvsadm -> lvsadm and the
# values of vip, iface, rs1 and rs2.
cat >"$LAB_DIR/seed001-director.sh" <<SCRIPT
#!/bin/bash
vip='$VIP'
mask='255.255.255.255'
port='80'
iface='eth0:1'
rs1='$RS1'
rs2='$RS2'

case \$1 in
start)
    ifconfig \$iface \$vip netmask \$mask broadcast \$vip up
    iptables -F
    # 配置ipvs规则
    lvsadm -A -t \${vip}:\${port} -s wrr
    lvsadm -a -t \${vip}:\${port} -r \${rs1} -g -w 1
    lvsadm -a -t \${vip}:\${port} -r \${rs2} -g -w 1
    #realserver不配置端口,dr模式不支持端口映射 
    ;;
stop)
    lvsadm -C
    ifconfig \$iface down
    ;;
*)
    echo "Usage \$(basename \$0) start|stop"
    exit 1
    ;;
esac
SCRIPT

step "seed 001: director script start"
run_script "$LAB_DIR/seed001-director.sh" start || fail "seed 001 start failed"
lab_exec director ip -4 addr show dev eth0 label eth0:1 | grep -q "inet $VIP/32" || fail "VIP not on eth0:1 after start"
expected="$(printf '%s\n' \
    'IP Virtual Server version 1.2.1 (size=4096)' \
    'Prot LocalAddress:Port Scheduler Flags' \
    '  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn' \
    "TCP  $VIP:80 wrr")"
expected+=$'\n'"$(route_line_prefix "$RS1:80" Route 1)$(printf '%-10u %-10u' 0 0)"
expected+=$'\n'"$(route_line_prefix "$RS2:80" Route 1)$(printf '%-10u %-10u' 0 0)"
listing="$(lab_lvsadm -Ln)"
[[ "$listing" == "$expected" ]] || { diff <(echo "$expected") <(echo "$listing"); fail "seed 001 listing differs"; }
answers=()
for i in 1 2 3 4; do answers+=("$(http_get client "http://$VIP/")"); done
echo "answers: ${answers[*]}"
[[ " ${answers[*]} " == *" rs1 "* && " ${answers[*]} " == *" rs2 "* ]] || fail "wrr 1:1 did not use both real servers: ${answers[*]}"

step "seed 001: director script stop"
run_script "$LAB_DIR/seed001-director.sh" stop || fail "seed 001 stop failed"
[[ "$(lab_lvsadm -Ln | wc -l)" == 3 ]] || fail "rules left after stop: $(lab_lvsadm -Ln)"
! lab_exec director ip -4 addr show dev eth0 | grep -q "inet $VIP/" || fail "VIP still on eth0 after stop"

step "seed 002 (NAT part): the director's ipvsadm commands and 'ipvsadm -ln' as the seed shows it"
cat >"$LAB_DIR/seed002-nat.sh" <<SCRIPT
lvsadm -A -t $VIP:80 -s rr
lvsadm -a -t $VIP:80 -r $RS1 -m
lvsadm -a -t $VIP:80 -r $RS2 -m
lvsadm -ln
SCRIPT
out="$(run_script "$LAB_DIR/seed002-nat.sh")" || fail "seed 002 NAT commands failed: $out"
expected="$(printf '%s\n' \
    'IP Virtual Server version 1.2.1 (size=4096)' \
    'Prot LocalAddress:Port Scheduler Flags' \
    '  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn' \
    "TCP  $VIP:80 rr")"
expected+=$'\n'"$(route_line_prefix "$RS1:80" Masq 1)$(printf '%-10u %-10u' 0 0)"
expected+=$'\n'"$(route_line_prefix "$RS2:80" Masq 1)$(printf '%-10u %-10u' 0 0)"
[[ "$out" == "$expected" ]] || { diff <(echo "$expected") <(echo "$out"); fail "seed 002 -ln differs"; }
lvsadm_ok -C

step "seed 002 (DR part): VIP alias, host route, lvsadm rules; traffic alternates"
cat >"$LAB_DIR/seed002-dr.sh" <<SCRIPT
ifconfig eth0:0 $VIP netmask 255.255.255.255 broadcast $VIP up
route add $VIP/32 dev eth0:0
lvsadm -A -t $VIP:80 -s rr
lvsadm -a -t $VIP:80 -r $RS1 -g
lvsadm -a -t $VIP:80 -r $RS2 -g
SCRIPT
out="$(run_script "$LAB_DIR/seed002-dr.sh" 2>&1)"
echo "$out"
[[ "$(lab_lvsadm -Sn)" == "-A -t $VIP:80 -s rr"$'\n'"-a -t $VIP:80 -r $RS1:80 -g -w 1"$'\n'"-a -t $VIP:80 -r $RS2:80 -g -w 1" ]] ||
    fail "seed 002 DR rules: $(lab_lvsadm -Sn)"
answers=()
for i in 1 2 3 4; do answers+=("$(http_get client "http://$VIP/")"); done
echo "answers: ${answers[*]}"
[[ "${answers[0]}" == rs[12] && "${answers[1]}" == rs[12] && "${answers[0]}" != "${answers[1]}" ]] ||
    fail "rr through the seed 002 director: ${answers[*]}"

step "lvsadm-save | lvsadm-restore round trip (ipvsadm-save/ipvsadm-restore's counterparts)"
saved="$(lab_exec director "$LAB_BIN/lvsadm-save" -n)" || fail "lvsadm-save failed"
[[ "$saved" == "$(lab_lvsadm -Sn)" ]] || fail "lvsadm-save -n differs from lvsadm -Sn"
lvsadm_ok -A -t "$VIP:8080" -s wlc
printf '# saved\n%s\n' "$saved" | lab_exec director "$LAB_BIN/lvsadm-restore" || fail "lvsadm-restore failed"
[[ "$(lab_lvsadm -Sn)" == "$saved" ]] || fail "lvsadm-restore did not replace the table: $(lab_lvsadm -Sn)"
err="$(printf '%s\n-a -t %s:80 -r %s -w nine\n' "$saved" "$VIP" "$RS1" | lab_exec director "$LAB_BIN/lvsadm-restore" 2>&1)" &&
    fail "lvsadm-restore accepted a bad line"
echo "$err"
[[ "$err" == *"illegal weight specified"* && "$err" == *"line 5"* ]] || fail "lvsadm-restore error does not name the line: $err"
[[ "$(lab_lvsadm -Sn)" == "$saved" ]] || fail "a failed lvsadm-restore changed the table"
pass
