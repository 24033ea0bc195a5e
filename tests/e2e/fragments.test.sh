#!/usr/bin/env bash
# Fragments follow their first fragment (docs/fragments.md). UDP datagrams of 3000-4000
# bytes, larger than the MTU, go from 6 concurrent clients (one socket each) through
# VIP:9000 and [VIP6]:9000 over DR, then NAT, then (IPv4) FULLNAT and TUN. Each real server
# runs a UDP server that answers "<its name> <bytes received> <sha256 of them>", padded to
# 3500 bytes so that the answer is fragmented too (through lvsd's reply path in NAT and
# FULLNAT). Every datagram must arrive whole at one real server (its kernel reassembles it
# and checks the UDP checksum: a fragment sent to the other server, or a wrong checksum
# after NAT, loses the datagram), every client must stick to one server (its connection
# entry), both servers must be used, lvsd must count no fragment drops, and behind NAT the
# client must see no un-NATed fragment (the kernel guard).
. "$(dirname "$0")/lib.sh"
require_lvs

PORT=9000
CLIENTS=6
DATAGRAMS=5
REPLY=3500

write_programs() {
    cat >"$LAB_DIR/frag-server.py" <<'PY'
import hashlib, socket, sys
name, port, bind, reply = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4])
s = socket.socket(socket.AF_INET6 if ":" in bind else socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((bind, port))
while True:
    data, peer = s.recvfrom(65535)
    head = f"{name} {len(data)} {hashlib.sha256(data).hexdigest()}\n".encode()
    s.sendto(head + b"." * max(0, reply - len(head)), peer)
PY
    cat >"$LAB_DIR/frag-client.py" <<'PY'
import hashlib, os, socket, sys, threading
vip, port, clients, datagrams, reply = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
results = [None] * clients

def client(k):
    s = socket.socket(socket.AF_INET6 if ":" in vip else socket.AF_INET, socket.SOCK_DGRAM)
    s.connect((vip, port))
    s.settimeout(4)
    names, tries = [], 0
    for i in range(datagrams):
        payload = os.urandom(3000 + 211 * k + 97 * i)
        want = hashlib.sha256(payload).hexdigest()
        for attempt in range(3):
            tries += 1
            s.send(payload)
            try:
                answer = s.recv(65535)
            except socket.timeout:
                continue
            name, count, digest = answer.split(b"\n", 1)[0].decode().split()
            if int(count) != len(payload) or digest != want or len(answer) != reply:
                results[k] = f"client {k}: datagram {i} of {len(payload)} bytes arrived as {count} bytes at {name} (answer {len(answer)} bytes)"
                return
            names.append(name)
            break
        else:
            results[k] = f"client {k}: datagram {i} of {len(payload)} bytes never answered"
            return
    results[k] = (s.getsockname()[1], names, tries)

threads = [threading.Thread(target=client, args=(k,)) for k in range(clients)]
for t in threads: t.start()
for t in threads: t.join()
bad = 0
for k, r in enumerate(results):
    if isinstance(r, str) or r is None:
        print(f"BAD {r}"); bad += 1
    else:
        port_, names, tries = r
        print(f"client {k} port {port_}: {' '.join(names)} ({tries} sends)")
        if len(set(names)) != 1:
            print(f"BAD client {k} moved between servers"); bad += 1
sys.exit(1 if bad else 0)
PY
}

start_servers() {
    local bind="$1" rs
    for rs in rs1 rs2; do
        lab_spawn "$rs" "frag-$rs-$bind" python3 "$LAB_DIR/frag-server.py" "$rs" "$PORT" "$bind" "$REPLY" || fail "server on $rs"
        lab_wait_for 10 _lab_listening "$rs" udp "$PORT" || fail "UDP server on $rs did not start: $(cat "$LAB_DIR/frag-$rs-$bind.log")"
    done
}

# run_clients NAME VIP LATER-FRAGMENT-FILTER: the concurrent clients; both servers must answer.
run_clients() {
    local out later_filter="$3"
    lab_capture_start "frag-rs1" rs1 eth0 udp or ip6 or ip proto 4 || fail "capture on rs1"
    out="$(lab_exec client timeout 90 python3 "$LAB_DIR/frag-client.py" "$2" "$PORT" "$CLIENTS" "$DATAGRAMS" "$REPLY" 2>&1)"
    local status=$?
    lab_capture_stop "frag-rs1"
    echo "$out"
    if ((status != 0)); then
        sleep 11 # lvsd's next drop report
        fail "$1: not every datagram arrived whole at one real server (lvsd: $(grep -h 'drops since start' "$LAB_DIR"/lvsd-*.log | tail -n 1))"
    fi
    grep -q ': rs1 ' <<<"$out" && grep -q ': rs2 ' <<<"$out" || fail "$1: the clients did not reach both real servers"

    # The test means something only if fragments really reached the real server.
    local later
    later=$(lab_capture_count "frag-rs1" "$later_filter")
    step "$1: rs1 received $later non-first fragments"
    ((later > 0)) || fail "$1: no fragments reached rs1 (capture broken, or MTU too large?)"
}

# no_fragment_drops PHASE: lvsd logs its drop counters every 10 s when they move.
no_fragment_drops() {
    sleep 11
    local drops
    drops="$(grep -h 'drops since start' "$LAB_DIR"/lvsd-*.log | tail -n 1)"
    step "$1: lvsd's last drop report: ${drops:-none}"
    ! grep -qE 'NotFirstFragment|Fragment(CacheFull|Expired|OverlapsTransportHeader)' <<<"$drops" ||
        fail "$1: lvsd dropped fragments: $drops"
}

# Later fragments: IPv4 with a non-zero offset; IPv6 with a fragment header right after
# the fixed header and a non-zero offset in it.
LATER4='ip[6:2] & 0x1fff != 0'
LATER6='ip6[6] == 44 and ip6[42:2] & 0xfff8 != 0'

step "DR: lvsd on eth0, -A -u VIP:$PORT and [VIP6]:$PORT -s rr, two -g real servers each"
lab_up --servers 2 --ipv6 --vip-on eth || fail "lab_up failed"
VIP=$LAB_VIP VIP6=$LAB_VIP6
write_programs
# A DR real server answers from the VIP, which it holds on lo.
start_servers "$VIP"
start_servers "$VIP6"
start_lvsd --interface eth0
lvsadm_ok -A -u "$VIP:$PORT" -s rr
lvsadm_ok -a -u "$VIP:$PORT" -r "$(lab_ip rs1)" -g -w 1
lvsadm_ok -a -u "$VIP:$PORT" -r "$(lab_ip rs2)" -g -w 1
lvsadm_ok -A -u "[$VIP6]:$PORT" -s rr
lvsadm_ok -a -u "[$VIP6]:$PORT" -r "[$(lab_ip6 rs1)]:$PORT" -g -w 1
lvsadm_ok -a -u "[$VIP6]:$PORT" -r "[$(lab_ip6 rs2)]:$PORT" -g -w 1
run_clients DR "$VIP" "$LATER4"
run_clients "IPv6 DR" "$VIP6" "$LATER6"
no_fragment_drops DR
lab_lvsadm -Ln --stats
lab_down

# nat_clients NAME VIP FRAGMENT-FILTER: the clients through NAT; the answers come back
# fragmented through lvsd's reply path, and no fragment the host forwards un-NATed (the
# kernel guard) reaches the client.
nat_clients() {
    local name="$1" vip="$2" fragment="$3" client from_vip stray
    client="$(lab_ip client)"
    [[ "$vip" == *:* ]] && client="$(lab_ip6 client)"
    lab_capture_start "frag-cli" client eth0 udp or ip6 || fail "capture on client"
    run_clients "$name" "$vip" "$fragment"
    lab_capture_stop "frag-cli"
    from_vip=$(lab_capture_count "frag-cli" "src host $vip and ($fragment)")
    stray=$(lab_capture_count "frag-cli" "(udp or ($fragment)) and not src host $vip and not src host $client")
    step "$name: the client got $from_vip later reply fragments from the VIP and $stray UDP packets or fragments from anywhere else"
    ((from_vip > 0)) || fail "$name: no fragmented answers came back from the VIP"
    ((stray == 0)) || fail "$name: $stray un-NATed packets reached the client: $(lab_capture_read "frag-cli" "(udp or ($fragment)) and not src host $vip and not src host $client" | head -n 3)"
}

# warm_next_hop VIP RIP:PORT METHOD: lvsd learns the client's next hop before the test. It
# asks for it when a connection is created, but on a loaded machine a real server can answer
# sooner, and lvsd drops a reply it cannot route yet (NoNextHop; the kernel would queue it,
# docs/nat.md): a fragmented answer lost that way would count as a fragment drop here. So one
# datagram goes to a port nobody listens on, through a temporary service: the real server's
# port unreachable comes back through lvsd's reply path, unfragmented.
WARM_PORT=9001
warm_next_hop() {
    lvsadm_ok -A -u "$1:$WARM_PORT" -s rr
    lvsadm_ok -a -u "$1:$WARM_PORT" -r "$2" "$3" -w 1
    [[ "$3" == --fullnat ]] && lvsadm_ok --add-laddr -u "$1:$WARM_PORT" -z "$LIP"
    local family=UDP4 address=${1#[}
    [[ "$1" == \[* ]] && family=UDP6 address="[${address%]}]"
    lab_exec client sh -c "echo warm | timeout 2 socat - $family:$address:$WARM_PORT" >/dev/null 2>&1 || true
    sleep 1
    lvsadm_ok -D -u "$1:$WARM_PORT"
}

step "NAT: lvsd on eth0 and eth1, -A -u VIP:$PORT and [VIP6]:$PORT -s rr, two -m real servers each on RIP:$PORT"
lab_up --servers 2 --nat --ipv6 --vip-on eth || fail "NAT lab_up failed"
VIP=$LAB_VIP VIP6=$LAB_VIP6
write_programs
# One socket on :: per real server takes both families (IPv4-mapped).
start_servers ::
start_lvsd --interface eth0 --interface eth1
lvsadm_ok -A -u "$VIP:$PORT" -s rr
lvsadm_ok -a -u "$VIP:$PORT" -r "$(lab_ip rs1):$PORT" -m -w 1
lvsadm_ok -a -u "$VIP:$PORT" -r "$(lab_ip rs2):$PORT" -m -w 1
lvsadm_ok -A -u "[$VIP6]:$PORT" -s rr
lvsadm_ok -a -u "[$VIP6]:$PORT" -r "[$(lab_ip6 rs1)]:$PORT" -m -w 1
lvsadm_ok -a -u "[$VIP6]:$PORT" -r "[$(lab_ip6 rs2)]:$PORT" -m -w 1
warm_next_hop "$VIP" "$(lab_ip rs1):$WARM_PORT" -m
warm_next_hop "[$VIP6]" "[$(lab_ip6 rs1)]:$WARM_PORT" -m
nat_clients NAT "$VIP" "$LATER4"
nat_clients "IPv6 NAT" "$VIP6" "$LATER6"
no_fragment_drops NAT
lab_lvsadm -Ln --stats
lab_down

LIP=198.18.1.250
step "FULLNAT: -A -u VIP:$PORT -s rr, two --fullnat real servers, local address $LIP"
lab_up --servers 2 --fullnat --vip-on eth || fail "FULLNAT lab_up failed"
VIP=$LAB_VIP
write_programs
start_servers 0.0.0.0
start_lvsd --interface eth0 --interface eth1
lvsadm_ok -A -u "$VIP:$PORT" -s rr
lvsadm_ok -a -u "$VIP:$PORT" -r "$(lab_ip rs1):$PORT" --fullnat -w 1
lvsadm_ok -a -u "$VIP:$PORT" -r "$(lab_ip rs2):$PORT" --fullnat -w 1
lvsadm_ok --add-laddr -u "$VIP:$PORT" -z "$LIP"
# The real servers answer the LIP; lvsd takes the answers' fragments back to the client.
warm_next_hop "$VIP" "$(lab_ip rs1):$WARM_PORT" --fullnat
nat_clients FULLNAT "$VIP" "$LATER4"
no_fragment_drops FULLNAT
lab_lvsadm -Ln --stats
lab_down

step "TUN: -A -u VIP:$PORT -s rr, two -i real servers behind lvsd --decapsulate"
lab_up --servers 2 --vip-on eth --no-rs-vip || fail "TUN lab_up failed"
VIP=$LAB_VIP
export SHARPLVS_RUN_DIR="$LAB_DIR/run"
for rs in rs1 rs2; do
    out="$(lab_exec "$rs" "$LAB_BIN/lvsadm" realserver setup --vip "$VIP" --mode tun --interface eth0 2>&1)" ||
        fail "lvsadm realserver setup on $rs: $out"
    lab_start_decapsulator "$rs" || fail "decapsulator on $rs"
done
# Each fragment is wrapped whole, so it must leave room for the 20-byte outer header: the
# client's link is 1400 bytes (lvsd cannot fragment the outer packet, as the kernel would).
# The answers come straight from the real servers, small enough for that link.
lab_exec client ip link set eth0 mtu 1400 || fail "client MTU"
REPLY=1000
write_programs
start_servers "$VIP"
start_lvsd --interface eth0
lvsadm_ok -A -u "$VIP:$PORT" -s rr
lvsadm_ok -a -u "$VIP:$PORT" -r "$(lab_ip rs1)" -i -w 1
lvsadm_ok -a -u "$VIP:$PORT" -r "$(lab_ip rs2)" -i -w 1
# The inner header's fragment offset, behind the 20-byte outer header.
run_clients TUN "$VIP" "ip proto 4 and ip[26:2] & 0x1fff != 0"
no_fragment_drops TUN
lab_lvsadm -Ln --stats
pass
