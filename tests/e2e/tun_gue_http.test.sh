#!/usr/bin/env bash
# LVS-TUN by GUE: as tun_ipip_http, but the director sends UDP to port 6080 with a GUE
# header (rs1 plain, rs2 with --tun-csum), and `lvsd --decapsulate --tun-port 6080` on
# each real server unwraps it. rr alternates; answers come straight from the real servers.
. "$(dirname "$0")/lib.sh"
require_lvs

PORT=6080
lab_up --servers 2 --vip-on eth --no-rs-vip || fail "lab_up failed"
VIP=$LAB_VIP RS1=$(lab_ip rs1) RS2=$(lab_ip rs2)
# realserver setup keeps its state here, so nothing outlives the lab
export SHARPLVS_RUN_DIR="$LAB_DIR/run"
for rs in rs1 rs2; do
    lab_start_http "$rs" || fail "nginx $rs"
    out="$(lab_exec "$rs" "$LAB_BIN/lvsadm" realserver setup --vip "$VIP" --mode tun 2>&1)" ||
        fail "lvsadm realserver setup on $rs: $out"
    lab_start_decapsulator "$rs" --tun-port "$PORT" || fail "decapsulator on $rs"
done

step "lvsd: -a $RS1 -i --tun-type gue --tun-port $PORT; -a $RS2 ... --tun-csum"
start_lvsd --interface eth0
lvsadm_ok -A -t "$VIP:80" -s rr
lvsadm_ok -a -t "$VIP:80" -r "$RS1" -i -w 1 --tun-type gue --tun-port "$PORT"
lvsadm_ok -a -t "$VIP:80" -r "$RS2" -i -w 1 --tun-type gue --tun-port "$PORT" --tun-csum

step "lvsadm -Sn and --tun-info print the GUE settings as ipvsadm"
save="$(lab_lvsadm -Sn 2>&1)"
echo "$save"
grep -qxF -- "-a -t $VIP:80 -r $RS1:80 -i -w 1 --tun-type gue --tun-port $PORT --tun-nocsum" <<<"$save" || fail "lvsadm -Sn (rs1)"
grep -qxF -- "-a -t $VIP:80 -r $RS2:80 -i -w 1 --tun-type gue --tun-port $PORT --tun-csum" <<<"$save" || fail "lvsadm -Sn (rs2)"
info="$(lab_lvsadm -Ln --tun-info 2>&1)"
echo "$info"
grep -qF "$(printf '  -> %-28s %-7s %-13s ' "$RS2:80" Tunnel "gue:$PORT:+c")" <<<"$info" || fail "--tun-info line for rs2"

lab_capture_start rs2 rs2 eth0 udp dst port "$PORT" || fail "tcpdump on rs2"

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

lab_capture_stop rs2
gue="$(lab_capture_read rs2 -vv "udp dst port $PORT")"
count="$(grep -c "> $RS2.$PORT: " <<<"$gue")"
echo "rs2: $count GUE datagrams"
((count >= 10)) || fail "expected rs2's requests to arrive as GUE, saw $count"
grep -q "bad udp cksum" <<<"$gue" && fail "a GUE datagram with a bad UDP checksum reached rs2"
grep -q "udp sum ok" <<<"$gue" || fail "rs2's GUE datagrams carry no verified checksum (--tun-csum)"
pass
