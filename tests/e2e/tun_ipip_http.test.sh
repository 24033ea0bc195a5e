#!/usr/bin/env bash
# LVS-TUN by IP-in-IP: the director wraps each client packet in an IPv4 header to the real
# server (protocol 4); `lvsd --decapsulate` on each real server (this kernel has no ipip)
# unwraps it into a TUN device, the host delivers it to the VIP on lo (set up by `lvsadm
# realserver setup --mode tun`), and the real server answers the client directly. rr
# alternates (rs2 first, as the kernel adds destinations at the list head). A POST larger
# than the tunnel's MTU makes the director answer ICMP "fragmentation needed" (MTU 1480),
# after which the client's smaller segments get through.
. "$(dirname "$0")/lib.sh"
require_lvs

lab_up --servers 2 --vip-on eth --no-rs-vip || fail "lab_up failed"
VIP=$LAB_VIP RS1=$(lab_ip rs1) RS2=$(lab_ip rs2)
# realserver setup keeps its state here, so nothing outlives the lab
export SHARPLVS_RUN_DIR="$LAB_DIR/run"
for rs in rs1 rs2; do
    lab_start_http "$rs" || fail "nginx $rs"
    out="$(lab_exec "$rs" "$LAB_BIN/lvsadm" realserver setup --vip "$VIP" --mode tun --interface eth0 2>&1)" ||
        fail "lvsadm realserver setup on $rs: $out"
    lab_start_decapsulator "$rs" || fail "decapsulator on $rs"
done

step "lvsd: -A -t $VIP:80 -s rr; -a $RS1 -i; -a $RS2 -i"
start_lvsd --interface eth0
lvsadm_ok -A -t "$VIP:80" -s rr
lvsadm_ok -a -t "$VIP:80" -r "$RS1" -i -w 1
lvsadm_ok -a -t "$VIP:80" -r "$RS2" -i -w 1

step "lvsadm -Ln shows two Tunnel lines; -Sn says --tun-type ipip"
listing="$(lab_lvsadm -Ln 2>&1)" || fail "lvsadm -Ln failed: $listing"
for rs in "$RS1" "$RS2"; do
    grep -qF "$(route_line_prefix "$rs:80" Tunnel 1)" <<<"$listing" || fail "no Tunnel line for $rs in: $listing"
done
save="$(lab_lvsadm -Sn 2>&1)"
grep -qF -- "-a -t $VIP:80 -r $RS1:80 -i -w 1 --tun-type ipip" <<<"$save" || fail "lvsadm -Sn: $save"

# The director sends with PACKET_QDISC_BYPASS, which its own taps do not see: the tunnel
# is watched where it arrives.
lab_capture_start dir director eth0 || fail "tcpdump on the director"
lab_capture_start rs1 rs1 eth0 ip proto 4 || fail "tcpdump on rs1"
lab_capture_start cli client eth0 icmp || fail "tcpdump on the client"

step "20 requests through the VIP"
seq=()
for i in $(seq 1 20); do
    seq+=("$(http_get client "http://$VIP/")")
done
echo "answers: ${seq[*]}"
for i in "${!seq[@]}"; do
    want=rs$((2 - i % 2))
    [[ "${seq[$i]}" == "$want" ]] || fail "request $((i + 1)) answered by '${seq[$i]}', expected $want (answers: ${seq[*]})"
done

step "a 6000-byte POST: fragmentation needed, then through"
body="$(lab_exec client sh -c "head -c 6000 /dev/zero | tr '\\0' x | curl -sS --max-time 10 -H 'Connection: close' --data-binary @- http://$VIP/" 2>&1)"
[[ "$body" == rs1 || "$body" == rs2 ]] || fail "POST through the tunnel answered '$body'"

lab_capture_stop dir
lab_capture_stop cli
lab_capture_stop rs1
ipip="$(lab_capture_count rs1 "ip proto 4 and src host $(lab_ip director) and dst host $RS1")"
from_vip="$(lab_capture_count dir "src host $VIP and tcp")"
echo "rs1 eth0: $ipip IP-in-IP packets from the director; director eth0: $from_vip TCP packets from the VIP"
((ipip >= 20)) || fail "expected rs1's requests to arrive as IP-in-IP, saw $ipip packets"
((from_vip == 0)) || fail "replies passed the director ($from_vip packets from the VIP on its eth0)"
frag="$(lab_capture_read cli "icmp[0] = 3 and icmp[1] = 4")"
echo "client: ${frag:-no ICMP}"
[[ -n "$frag" ]] || fail "no ICMP fragmentation-needed reached the client"
grep -q "mtu 1480" <<<"$frag" || fail "fragmentation-needed does not carry MTU 1480: $frag"

step "decapsulators stop cleanly"
for rs in rs1 rs2; do
    pid="$(awk -v n="decap-$rs" '$2 == n {print $1}' "$LAB_DIR/pids")"
    kill -TERM "$pid"; lab_wait_exit "$pid" 10 || fail "decapsulator on $rs ignored SIGTERM"
    grep -q "stopped: [1-9][0-9]* delivered" "$LAB_DIR/decap-$rs.log" || fail "decapsulator on $rs: $(tail -n 3 "$LAB_DIR/decap-$rs.log")"
    lab_exec "$rs" ip link show lvsdecap0 >/dev/null 2>&1 && fail "lvsdecap0 left on $rs"
done
pass
