#!/usr/bin/env bash
# FULLNAT at scale through one local address: one client opens 1,000 TCP connections to
# VIP:80 and holds them all open at once; lvsd gives each its own port on the single LIP
# (`lvsadm -Lcn` and `--get-laddr` show 1,000 live connections through it); then every
# connection sends an HTTP request and gets its answer from rs1 or rs2, on the connection it
# was opened on. Issue 3: "FULLNAT with at least 1,000 concurrent client connections through
# one local address".
. "$(dirname "$0")/lib.sh"
require_lvs

CONNS=1000
lab_up --servers 2 --fullnat --vip-on eth || fail "lab_up failed"
VIP=$LAB_VIP RS1=$(lab_ip rs1) RS2=$(lab_ip rs2) LIP=198.18.1.250
lab_start_http rs1 rs1 8080 || fail "nginx rs1"
lab_start_http rs2 rs2 8080 || fail "nginx rs2"

step "lvsd: -A -t $VIP:80 -s rr; -a -r RIP:8080 --fullnat; --add-laddr -z $LIP"
start_lvsd --interface eth0 --interface eth1
lvsadm_ok -A -t "$VIP:80" -s rr
lvsadm_ok -a -t "$VIP:80" -r "$RS1:8080" --fullnat -w 1
lvsadm_ok -a -t "$VIP:80" -r "$RS2:8080" --fullnat -w 1
lvsadm_ok --add-laddr -t "$VIP:80" -z "$LIP"

step "one request first (the client's next hop gets resolved)"
body="$(http_get client "http://$VIP/")"
[[ "$body" == rs[12] ]] || fail "first request answered '$body'"

step "client: $CONNS connections held open at once, then one request on each"
cat >"$LAB_DIR/many.py" <<'PY'
import socket, sys, time
vip, count, ready = sys.argv[1], int(sys.argv[2]), sys.argv[3]
socks = []
for i in range(count):
    s = socket.create_connection((vip, 80), timeout=15)
    socks.append(s)
open(ready, "w").write("open\n")
# The director lists them while all are open.
deadline = time.time() + 20
while time.time() < deadline and open(ready).read() != "go\n":
    time.sleep(0.1)
answers = {}
for s in socks:
    s.sendall(b"GET / HTTP/1.0\r\nHost: vip\r\n\r\n")
for s in socks:
    data = b""
    while True:
        chunk = s.recv(4096)
        if not chunk:
            break
        data += chunk
    body = data.split(b"\r\n\r\n", 1)[-1].strip().decode(errors="replace")
    answers[body] = answers.get(body, 0) + 1
    s.close()
for body, n in sorted(answers.items()):
    print(body, n)
PY
: >"$LAB_DIR/ready"
lab_exec client sh -c "ulimit -n 4096; exec timeout 60 python3 '$LAB_DIR/many.py' '$VIP' $CONNS '$LAB_DIR/ready'" \
    >"$LAB_DIR/answers" 2>"$LAB_DIR/many.err" &
client=$!
lab_wait_for 40 grep -q open "$LAB_DIR/ready" || fail "the client could not open $CONNS connections: $(tail -n 3 "$LAB_DIR/many.err")"

conns="$(lab_lvsadm -Lcn 2>&1)" || fail "lvsadm -Lcn failed: $conns"
live=$(grep -c ESTABLISHED <<<"$conns" || true)
laddr="$(lab_lvsadm --get-laddr -t "$VIP:80" 2>&1)" || fail "--get-laddr failed: $laddr"
echo "$laddr"
through_lip=$(awk -v lip="$LIP" '$1 == lip { print $3 }' <<<"$laddr")
step "while all are open: $live ESTABLISHED entries, $through_lip connections on $LIP"
((live >= CONNS)) || fail "only $live established connections listed, expected $CONNS"
((through_lip >= CONNS)) || fail "--get-laddr shows $through_lip connections on $LIP, expected $CONNS"

echo go >"$LAB_DIR/ready"
wait "$client" || fail "client failed: $(tail -n 3 "$LAB_DIR/many.err")"
cat "$LAB_DIR/answers"
total=$(awk '$1 ~ /^rs[12]$/ { s += $2 } END { print s + 0 }' "$LAB_DIR/answers")
both=$(awk '$1 ~ /^rs[12]$/ && $2 > 0' "$LAB_DIR/answers" | wc -l)
((total == CONNS)) || fail "$total of $CONNS connections answered: $(cat "$LAB_DIR/answers")"
((both == 2)) || fail "not both real servers answered"
step "$total of $CONNS answered, by both real servers"
pass
