#!/usr/bin/env bash
# The classic firewall-mark service: HTTP (80) and HTTPS (443) of one VIP marked alike and
# served as one persistent fwmark service, so a client stays on one real server across both
# ports. lvsd classifies the packets itself (lvsadm --add-mark) since it sees them before
# netfilter could mark them. nginx listens on both ports (plain HTTP on 443 is enough: only
# the director's choice is tested). The host kernel must not see the marked traffic either.
. "$(dirname "$0")/lib.sh"
require_lvs

lab_up --servers 2 --vip-on eth || fail "lab_up failed"
VIP=$LAB_VIP
for rs in rs1 rs2; do
    lab_start_http "$rs" "$rs" 80 || fail "nginx $rs:80"
    lab_start_http "$rs" "$rs" 443 || fail "nginx $rs:443"
done

get() { lab_exec client curl -sS -g --max-time 12 --connect-timeout 8 -H 'Connection: close' "http://$VIP:$1/" 2>&1; }

start_lvsd --interface eth0
lvsadm_ok --add-mark 1 -t "$VIP:80"
lvsadm_ok --add-mark 1 -t "$VIP:443"
lvsadm_ok -A -f 1 -s rr -p 60
lvsadm_ok -a -f 1 -r "$(lab_ip rs1)" -g -w 1
lvsadm_ok -a -f 1 -r "$(lab_ip rs2)" -g -w 1

step "lvsadm lists the marks and the service as ipvsadm would"
marks="$(lab_lvsadm --list-marks)"
echo "$marks"
grep -qE "^1 +TCP +$VIP:80\$" <<<"$marks" || fail "--list-marks lacks $VIP:80"
grep -qE "^1 +TCP +$VIP:443\$" <<<"$marks" || fail "--list-marks lacks $VIP:443"
lab_lvsadm -Ln | grep -q '^FWM  1 rr persistent 60$' || fail "listing lacks 'FWM  1 rr persistent 60': $(lab_lvsadm -Ln)"
saved="$(lab_lvsadm -S -n)"
grep -q "^--add-mark 1 -t $VIP:443\$" <<<"$saved" || fail "-S does not save the marks: $saved"

step "the kernel guard drops the marked ports at ingress"
chain="$(lab_exec director nft list chain netdev sharplvs marks 2>&1)"
grep -q "ip daddr $VIP tcp dport 443 drop" <<<"$chain" || fail "no guard rule for $VIP:443: $chain"

step "alternating HTTP and HTTPS: one real server for the client"
first="$(get 80)"
[[ "$first" == rs[12] ]] || fail "no answer on port 80: '$first'"
for i in 1 2 3 4 5; do
    for port in 443 80; do
        got="$(get "$port")"
        [[ "$got" == "$first" ]] || fail "port $port (round $i) answered by '$got', the client's template says $first"
    done
done
lab_lvsadm -Ln --persistent-conn
persist="$(lab_lvsadm -Ln --persistent-conn | awk '$1 == "->" && $4 ~ /^[0-9]+$/ { n += $4 } END { print n + 0 }')"
((persist == 1)) || fail "one client, one fwmark template expected; PersistConn sums to $persist"

step "--del-mark 443: HTTPS is no longer the service's (nothing listens on the director)"
lvsadm_ok --del-mark 1 -t "$VIP:443"
grep -q "dport 443" <<<"$(lab_exec director nft list chain netdev sharplvs marks 2>&1)" && fail "guard still drops 443"
got="$(get 80)"
[[ "$got" == "$first" ]] || fail "port 80 after --del-mark answered by '$got', expected $first"
pass
