#!/usr/bin/env bash
# `lvsadm realserver setup` puts the VIP on lo and sets the ARP (and, for TUN, rp_filter)
# sysctls; a second setup changes nothing; `teardown` leaves the namespace exactly as it
# was (ip addr, every touched sysctl), also when the values were not the defaults before.
# `lvsadm realserver script` prints a script that does the same.
. "$(dirname "$0")/lib.sh"
require_lvs

lab_up --servers 1 --no-rs-vip --ipv6 || fail "lab_up failed"
VIP=$LAB_VIP VIP6=fd00:198:18::250
# realserver setup keeps its state here, so nothing outlives the lab
export SHARPLVS_RUN_DIR="$LAB_DIR/run"

keys=(net.ipv4.conf.all.arp_ignore net.ipv4.conf.lo.arp_ignore net.ipv4.conf.eth0.arp_ignore
    net.ipv4.conf.all.arp_announce net.ipv4.conf.lo.arp_announce net.ipv4.conf.eth0.arp_announce
    net.ipv4.conf.all.rp_filter net.ipv4.conf.eth0.rp_filter)
snapshot() {
    lab_exec rs1 ip -o addr show | sed 's/valid_lft.*//'
    lab_exec rs1 sysctl "${keys[@]}"
}
rs() { lab_exec rs1 "$LAB_BIN/lvsadm" realserver "$@"; }

# Values that are not the kernel's defaults, so "restored" cannot mean "reset to 0".
lab_exec rs1 sysctl -qw net.ipv4.conf.all.rp_filter=2 net.ipv4.conf.eth0.arp_announce=1 >/dev/null
before="$(snapshot)"

step "setup --mode tun for an IPv4 and an IPv6 VIP"
rs setup --vip "$VIP" --mode tun --interface eth0 || fail "setup $VIP"
rs setup --vip "$VIP6" --mode tun --interface eth0 || fail "setup $VIP6"
lab_exec rs1 ip -o addr show dev lo | grep -F "inet $VIP/32" >/dev/null || fail "$VIP/32 not on lo"
lab_exec rs1 ip -o addr show dev lo | grep -F "inet6 $VIP6/128" >/dev/null || fail "$VIP6/128 not on lo"
for kv in all.arp_ignore=1 lo.arp_ignore=1 eth0.arp_ignore=1 all.arp_announce=2 eth0.arp_announce=2 all.rp_filter=0 eth0.rp_filter=0; do
    got="$(lab_exec rs1 sysctl -n "net.ipv4.conf.${kv%=*}")"
    [[ "$got" == "${kv#*=}" ]] || fail "net.ipv4.conf.${kv%=*} is $got after setup, expected ${kv#*=}"
done
after="$(snapshot)"

step "a second setup is a no-op"
rs setup --vip "$VIP" --mode tun --interface eth0 >/dev/null || fail "second setup"
[[ "$(snapshot)" == "$after" ]] || fail "second setup changed something"

step "teardown of one VIP keeps the sysctls for the other; the last restores everything"
rs teardown --vip "$VIP6" --mode tun --interface eth0 || fail "teardown $VIP6"
[[ "$(lab_exec rs1 sysctl -n net.ipv4.conf.all.arp_ignore)" == 1 ]] || fail "sysctls restored while $VIP is still set up"
rs teardown --vip "$VIP" --mode tun --interface eth0 || fail "teardown $VIP"
now="$(snapshot)"
if [[ "$now" != "$before" ]]; then
    diff <(printf '%s\n' "$before") <(printf '%s\n' "$now")
    fail "teardown did not restore the namespace (diff above: < before, > after)"
fi
rs teardown --vip "$VIP" >/dev/null || fail "a second teardown failed"

step "an address that was there before setup stays after teardown"
lab_exec rs1 ip addr add "$VIP/32" dev lo
rs setup --vip "$VIP" >/dev/null || fail "setup over an existing VIP"
rs teardown --vip "$VIP" >/dev/null || fail "teardown"
lab_exec rs1 ip -o addr show dev lo | grep -F "inet $VIP/32" >/dev/null || fail "teardown removed a VIP it had not added"
lab_exec rs1 ip addr del "$VIP/32" dev lo

step "the printed script does the same"
rs script --vip "$VIP" --mode dr >"$LAB_DIR/rs.sh" || fail "script"
lab_exec rs1 sh "$LAB_DIR/rs.sh" start || fail "script start"
lab_exec rs1 ip -o addr show dev lo | grep -F "inet $VIP/32" >/dev/null || fail "script start: no VIP on lo"
[[ "$(lab_exec rs1 sysctl -n net.ipv4.conf.all.arp_ignore)" == 1 ]] || fail "script start: arp_ignore"
lab_exec rs1 sh "$LAB_DIR/rs.sh" stop || fail "script stop"
now="$(snapshot)"
[[ "$now" == "$before" ]] || { diff <(printf '%s\n' "$before") <(printf '%s\n' "$now"); fail "script stop did not restore"; }

step "bad input gives a clear error"
out="$(rs setup --vip not-an-address 2>&1)"; st=$?
((st == 2)) && grep -q "not an IP address" <<<"$out" || fail "bad VIP: status $st, '$out'"
out="$(rs setup --vip "$VIP" --interface nosuch0 2>&1)"; st=$?
((st == 1)) && grep -q "no interface 'nosuch0'" <<<"$out" || fail "bad interface: status $st, '$out'"
pass
