#!/usr/bin/env bash
# LVS-TUN by GRE (--tun-type gre, rs2 with --tun-csum): `lvsd --decapsulate` unwraps GRE
# (IP protocol 47) as well, since this kernel has no gre devices. rr alternates.
. "$(dirname "$0")/lib.sh"
require_lvs

lab_up --servers 2 --vip-on eth --no-rs-vip || fail "lab_up failed"
VIP=$LAB_VIP RS1=$(lab_ip rs1) RS2=$(lab_ip rs2)
# realserver setup keeps its state here, so nothing outlives the lab
export SHARPLVS_RUN_DIR="$LAB_DIR/run"
for rs in rs1 rs2; do
    lab_start_http "$rs" || fail "nginx $rs"
    out="$(lab_exec "$rs" "$LAB_BIN/lvsadm" realserver setup --vip "$VIP" --mode tun 2>&1)" ||
        fail "lvsadm realserver setup on $rs: $out"
    lab_start_decapsulator "$rs" || fail "decapsulator on $rs"
done

step "lvsd: -a $RS1 -i --tun-type gre; -a $RS2 -i --tun-type gre --tun-csum"
start_lvsd --interface eth0
lvsadm_ok -A -t "$VIP:80" -s rr
lvsadm_ok -a -t "$VIP:80" -r "$RS1" -i -w 1 --tun-type gre
lvsadm_ok -a -t "$VIP:80" -r "$RS2" -i -w 1 --tun-type gre --tun-csum
lab_capture_start rs2 rs2 eth0 ip proto 47 || fail "tcpdump on rs2"

step "10 requests through the VIP"
seq=()
for i in $(seq 1 10); do
    seq+=("$(http_get client "http://$VIP/")")
done
echo "answers: ${seq[*]}"
for i in "${!seq[@]}"; do
    want=rs$((2 - i % 2))
    [[ "${seq[$i]}" == "$want" ]] || fail "request $((i + 1)) answered by '${seq[$i]}', expected $want (answers: ${seq[*]})"
done
lab_capture_stop rs2
count="$(lab_capture_count rs2 "ip proto 47")"
echo "rs2: $count GRE packets"
((count >= 5)) || fail "expected rs2's requests to arrive as GRE, saw $count"
pass
