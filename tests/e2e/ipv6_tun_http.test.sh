#!/usr/bin/env bash
# LVS-TUN with IPv6, the real servers unwrapping with `lvsd --decapsulate` (this kernel has
# no ip6tnl): 6in6 (an IPv6 service, IPv6 real servers, outer next header 41), GUE over
# IPv6 (zero UDP checksum, then --tun-csum) and GRE over IPv6, then the two
# mixed cases ipvsadm allows only for tunnels: 4in6 (an IPv4 service, IPv6 real servers,
# outer next header 4) and 6in4 (an IPv6 service, IPv4 real servers, protocol 41). Each
# time rr alternates rs2, rs1 with curl, the tunnel packets are seen arriving at rs1 with
# the right outer family and protocol, `lvsadm -Ln --stats` counts the connections, and the
# director's kernel sends no RST and no ICMP error.
# A 6in6 POST larger than the tunnel's MTU draws an ICMPv6 Packet Too Big (MTU 1460) to
# the client, after which it gets through. (The outer source is the route's preferred source
# toward the real server, as in the kernel; with the IPv6 VIP on eth0 as a /128 Linux picks
# the VIP, whose longer prefix wins RFC 6724's rule 8: the tunnel is matched by the
# director's MAC, not by address.)
. "$(dirname "$0")/lib.sh"
require_lvs

lab_up --servers 2 --ipv6 --vip-on eth --no-rs-vip || fail "lab_up failed"
VIP=$LAB_VIP VIP6=$LAB_VIP6 DMAC=$(lab_mac director)
export SHARPLVS_RUN_DIR="$LAB_DIR/run"
for rs in rs1 rs2; do
    lab_start_http "$rs" || fail "nginx $rs"
    for vip in "$VIP" "$VIP6"; do
        out="$(lab_exec "$rs" "$LAB_BIN/lvsadm" realserver setup --vip "$vip" --mode tun --interface eth0 2>&1)" ||
            fail "lvsadm realserver setup --vip $vip on $rs: $out"
    done
    lab_start_decapsulator "$rs" --tun-port 6080 || fail "decapsulator on $rs"
done
start_lvsd --interface eth0

# phase NAME SERVICE RS1 RS2 URL CAPTURE-FILTER [TUNNEL OPTIONS...]
phase() {
    local name="$1" service="$2" rs1="$3" rs2="$4" url="$5" filter="$6" i want listing stats
    shift 6
    step "$name: -A -t $service -s rr; -a -r $rs1 -i $*; -a -r $rs2 -i $*"
    lvsadm_ok -C
    lvsadm_ok -A -t "$service" -s rr
    lvsadm_ok -a -t "$service" -r "$rs1" -i -w 1 "$@"
    lvsadm_ok -a -t "$service" -r "$rs2" -i -w 1 "$@"
    listing="$(lab_lvsadm -Ln 2>&1)"
    grep -qF "$(route_line_prefix "$rs1" Tunnel 1)" <<<"$listing" || fail "$name: no Tunnel line for $rs1 in: $listing"

    lab_capture_start "rs1-$name" rs1 eth0 "$filter" || fail "capture on rs1"
    lab_capture_start "dir-$name" director eth0 || fail "capture on the director"
    local answers=()
    for i in 1 2 3 4 5 6; do answers+=("$(http_get client "$url")"); done
    echo "answers: ${answers[*]}"
    for i in "${!answers[@]}"; do
        want=rs$((2 - i % 2))
        [[ "${answers[$i]}" == "$want" ]] || fail "$name: request $((i + 1)) answered by '${answers[$i]}', expected $want"
    done
    lab_capture_stop "rs1-$name"
    lab_capture_stop "dir-$name"
    # lvsd's frames bypass the director's taps: a RST or an ICMP(v6) error seen from its MAC
    # would be its kernel's.
    local kernel
    kernel=$(lab_capture_count "dir-$name" "ether src $DMAC and ((tcp[tcpflags] & tcp-rst != 0) or (icmp and icmp[0] != 8 and icmp[0] != 0) or (ip6 proto 6 and ip6[53] & 4 != 0) or (ip6 proto 58 and ip6[40] < 128))")
    ((kernel == 0)) || fail "$name: the director's kernel sent $kernel RST/ICMP errors: $(lab_capture_read "dir-$name" "ether src $DMAC" | head -n 3)"
    local tunnelled
    tunnelled=$(lab_capture_count "rs1-$name")
    echo "$name: rs1 received $tunnelled tunnel packets ($filter)"
    ((tunnelled >= 9)) || fail "$name: rs1 received only $tunnelled packets matching '$filter'"
    stats="$(lab_lvsadm -Ln --stats 2>&1)"
    awk -v s="$service" '$2 == s && $3 == 6 && $4 > 0 && $5 == 0 { ok = 1 } END { exit !ok }' <<<"$stats" ||
        fail "$name: the service's --stats line is not 6 connections in, none out: $stats"
}

phase 6in6 "[$VIP6]:80" "[$(lab_ip6 rs1)]:80" "[$(lab_ip6 rs2)]:80" "http://[$VIP6]/" \
    "ether src $DMAC and ip6 proto 41"

step "6in6: a 6000-byte POST draws Packet Too Big (MTU 1460), then gets through"
lab_capture_start cli6 client eth0 icmp6 || fail "capture on the client"
body="$(lab_exec client sh -c "head -c 6000 /dev/zero | tr '\\0' x | curl -sS -g --max-time 10 -H 'Connection: close' --data-binary @- 'http://[$VIP6]/'" 2>&1)"
lab_capture_stop cli6
[[ "$body" == rs[12] ]] || fail "POST through the 6in6 tunnel answered '$body'"
ptb="$(lab_capture_read cli6 "ip6 proto 58 and ip6[40] == 2")"
echo "client: ${ptb:-no ICMPv6 Packet Too Big}"
grep -q "mtu 1460" <<<"$ptb" || fail "no Packet Too Big with MTU 1460 reached the client: $ptb"

# GUE over IPv6: a zero UDP checksum (--tun-nocsum, the default) is RFC 6935's tunnel
# exception, which the receiving socket must accept explicitly; then with --tun-csum.
phase gue6 "[$VIP6]:80" "[$(lab_ip6 rs1)]:80" "[$(lab_ip6 rs2)]:80" "http://[$VIP6]/" \
    "ether src $DMAC and ip6 proto 17 and udp dst port 6080" --tun-type gue --tun-port 6080
phase gue6csum "[$VIP6]:80" "[$(lab_ip6 rs1)]:80" "[$(lab_ip6 rs2)]:80" "http://[$VIP6]/" \
    "ether src $DMAC and ip6 proto 17 and udp dst port 6080" --tun-type gue --tun-port 6080 --tun-csum

phase gre6 "[$VIP6]:80" "[$(lab_ip6 rs1)]:80" "[$(lab_ip6 rs2)]:80" "http://[$VIP6]/" \
    "ether src $DMAC and ip6 proto 47" --tun-type gre

phase 4in6 "$VIP:80" "[$(lab_ip6 rs1)]:80" "[$(lab_ip6 rs2)]:80" "http://$VIP/" \
    "ether src $DMAC and ip6 proto 4"
phase 6in4 "[$VIP6]:80" "$(lab_ip rs1):80" "$(lab_ip rs2):80" "http://[$VIP6]/" \
    "ether src $DMAC and ip proto 41"

step "decapsulators stop cleanly, having delivered"
for rs in rs1 rs2; do
    pid="$(awk -v n="decap-$rs" '$2 == n {print $1}' "$LAB_DIR/pids")"
    kill -TERM "$pid"; lab_wait_exit "$pid" 10 || fail "decapsulator on $rs ignored SIGTERM"
    grep -q "stopped: [1-9][0-9]* delivered" "$LAB_DIR/decap-$rs.log" || fail "decapsulator on $rs: $(tail -n 3 "$LAB_DIR/decap-$rs.log")"
done
pass
