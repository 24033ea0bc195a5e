#!/usr/bin/env bash
# lvsd --workers 2 (docs/workers.md): two data-plane workers behind one PACKET_FANOUT group
# per interface, steered by lvsd's classic-BPF program. Nine client addresses speak to a NAT
# service and a FULLNAT service; every request is answered, each worker creates exactly the
# connections of the clients the steering hash gives it (both workers get some), and no reply
# ever reaches a worker that does not own its connection (no NoReplyConnection or
# NoConnection drops). FULLNAT's local ports are even on worker 0 and odd on worker 1.
. "$(dirname "$0")/lib.sh"
require_lvs

PER_CLIENT=3
lab_up --servers 2 --nat || fail "lab_up failed"
VIP=$LAB_VIP RS1=$(lab_ip rs1) RS2=$(lab_ip rs2) LIP=198.18.1.250
clients=("$(lab_ip client)")
for i in $(seq 101 108); do
    lab_add_address client "198.19.0.$i/24" || fail "client address 198.19.0.$i"
    clients+=("198.19.0.$i")
done
lab_start_http rs1 rs1 8080 || fail "nginx rs1"
lab_start_http rs2 rs2 8080 || fail "nginx rs2"

# worker_of ADDR: FlowSteering.WorkerForClient for 2 workers (x ^= x>>16; x *= 0x45d9f3b; x ^= x>>16; x % 2).
worker_of() {
    local a b c d x
    IFS=. read -r a b c d <<<"$1"
    x=$(((a << 24) | (b << 16) | (c << 8) | d))
    x=$(((x ^ (x >> 16)) & 0xFFFFFFFF))
    x=$(((x * 0x45D9F3B) & 0xFFFFFFFF))
    x=$((x ^ (x >> 16)))
    echo $((x % 2))
}

expected=(0 0)
for c in "${clients[@]}"; do
    w=$(worker_of "$c")
    expected[w]=$((expected[w] + 2 * PER_CLIENT))
done
step "steering hash: worker 0 should create ${expected[0]} connections, worker 1 ${expected[1]}"
((expected[0] > 0 && expected[1] > 0)) || fail "the chosen client addresses all hash to one worker"

step "lvsd --workers 2: NAT on :80, FULLNAT through $LIP on :81"
start_lvsd --interface eth0 --interface eth1 --workers 2
grep -q "for 2 workers, one PACKET_FANOUT group per interface" "$LAB_LVSD_LOG" || fail "lvsd did not start two workers: $(cat "$LAB_LVSD_LOG")"
lvsadm_ok -A -t "$VIP:80" -s rr
lvsadm_ok -a -t "$VIP:80" -r "$RS1:8080" -m -w 1
lvsadm_ok -a -t "$VIP:80" -r "$RS2:8080" -m -w 1
lvsadm_ok -A -t "$VIP:81" -s rr
lvsadm_ok -a -t "$VIP:81" -r "$RS1:8080" --fullnat -w 1
lvsadm_ok -a -t "$VIP:81" -r "$RS2:8080" --fullnat -w 1
lvsadm_ok --add-laddr -t "$VIP:81" -z "$LIP"

lab_capture_start rs1 rs1 eth0 "tcp dst port 8080 and tcp[tcpflags] & (tcp-syn|tcp-ack) == tcp-syn and src host $LIP" || fail "capture on rs1"
lab_capture_start rs2 rs2 eth0 "tcp dst port 8080 and tcp[tcpflags] & (tcp-syn|tcp-ack) == tcp-syn and src host $LIP" || fail "capture on rs2"

step "$PER_CLIENT NAT and $PER_CLIENT FULLNAT requests from each of ${#clients[@]} client addresses"
mkdir -p "$LAB_DIR/answers"
pids=()
for c in "${clients[@]}"; do
    for port in 80 81; do
        for i in $(seq 1 "$PER_CLIENT"); do
            lab_exec client curl -sS --max-time 20 --connect-timeout 15 --interface "$c" -H 'Connection: close' \
                -o "$LAB_DIR/answers/$c-$port-$i" "http://$VIP:$port/" 2>"$LAB_DIR/answers/$c-$port-$i.err" &
            pids+=($!)
        done
    done
done
failed=0
for pid in "${pids[@]}"; do wait "$pid" || failed=$((failed + 1)); done
total=$((${#clients[@]} * 2 * PER_CLIENT))
answered=$(cat "$LAB_DIR"/answers/*-[0-9] 2>/dev/null | grep -cE '^rs[12]$')
step "$answered of $total answered ($failed curl failures)"
((failed == 0 && answered == total)) ||
    fail "$failed curls failed, $answered answers: $(cat "$LAB_DIR"/answers/*.err | sort | uniq -c | head -n 3)"

lab_capture_stop rs1
lab_capture_stop rs2
# One line per connection (a retransmitted SYN repeats its local port and sequence number).
syns=$(lab_capture_read rs1; lab_capture_read rs2)
ports=$(grep -oE " $LIP\.[0-9]+ > .* seq [0-9]+" <<<"$syns" | awk '{ n = split($1, p, "."); print p[n], $NF }' | sort -u | awk '{ print $1 }')
even=$(awk '$1 % 2 == 0' <<<"$ports" | grep -c .)
odd=$(awk '$1 % 2 == 1' <<<"$ports" | grep -c .)
step "FULLNAT SYNs from $LIP: $even on even local ports, $odd on odd ones"
((even == expected[0] / 2 && odd == expected[1] / 2)) || fail "local ports do not follow the workers: $even even, $odd odd"

step "lvsd's per-worker report (every 10 s, when it changed)"
report="" created0=0 created1=0
for _ in $(seq 1 50); do
    report="$(grep -h 'workers: 0: ' "$LAB_LVSD_LOG" | tail -n 1)"
    if [[ -n "$report" ]]; then
        created0=$(sed -E 's/.*workers: 0: ([0-9]+) connections created.*/\1/' <<<"$report")
        created1=$(sed -E 's/.*; 1: ([0-9]+) connections created.*/\1/' <<<"$report")
        ((created0 + created1 >= total)) && break
    fi
    sleep 0.5
done
echo "$report"
((created0 == expected[0] && created1 == expected[1])) ||
    fail "worker 0 created $created0 connections (expected ${expected[0]}), worker 1 $created1 (expected ${expected[1]})"

drops="$(grep -h 'drops since start' "$LAB_LVSD_LOG" | tail -n 1)"
step "lvsd's last drop report: ${drops:-none}"
! grep -qE 'NoReplyConnection|NoConnection' <<<"$drops" || fail "a reply or a packet missed its connection: $drops"

step "-Lnc lists the connections of both workers"
conns=$(lab_lvsadm -Lnc | grep -cE "^(TCP|UDP) ")
((conns == total)) || fail "-Lnc lists $conns connections, expected $total: $(lab_lvsadm -Lnc | head)"

# Two clients of one /24 that the plain hash gives to different workers: under -M /24 the
# steering hashes the network, so both reach the worker holding the /24's one template.
a="" b=""
for c in "${clients[@]}"; do
    [[ -z "$a" && $(worker_of "$c") == 0 ]] && a=$c
    [[ -z "$b" && $(worker_of "$c") == 1 ]] && b=$c
done
step "persistent NAT service on :82 with -M 255.255.255.0: $a (worker 0 by address) and $b (worker 1) share one template"
lvsadm_ok -A -t "$VIP:82" -s rr -p 60 -M 255.255.255.0
lvsadm_ok -a -t "$VIP:82" -r "$RS1:8080" -m -w 1
lvsadm_ok -a -t "$VIP:82" -r "$RS2:8080" -m -w 1
get_from() { lab_exec client curl -sS --max-time 12 --connect-timeout 8 --interface "$1" -H 'Connection: close' "http://$VIP:82/" 2>&1; }
first="$(get_from "$a")"
[[ "$first" == rs[12] ]] || fail "no answer from :82: '$first'"
for i in 1 2 3; do
    for c in "$b" "$a"; do
        got="$(get_from "$c")"
        [[ "$got" == "$first" ]] || fail "$c went to '$got'; its /24's template says $first"
    done
done
persist=$(lab_lvsadm -Ln --persistent-conn | awk '$1 == "->" && $2 ~ /:8080$/ && $4 ~ /^[0-9]+$/ { n += $4 } END { print n + 0 }')
((persist == 1)) || fail "expected one template (PersistConn), listing says $persist: $(lab_lvsadm -Ln --persistent-conn)"

step "--port xdp refuses several workers, saying why"
lab_stop_lvsd || fail "lvsd did not stop cleanly"
if lab_start_lvsd --interface eth0 --interface eth1 --workers 2 --port xdp 2>/dev/null; then
    fail "lvsd --port xdp --workers 2 started"
fi
grep -q -- "--workers 2 needs --port af_packet (or auto)" "$LAB_LVSD_LOG" || fail "no clear start error: $(tail -n 5 "$LAB_LVSD_LOG")"
pass
