#!/usr/bin/env bash
# lvsadm's error messages and exit status match ipvsadm's (shared/reference/ipvsadm.md).
. "$(dirname "$0")/lib.sh"
require_lvs

lab_up --servers 1 --vip-on eth || fail "lab_up failed"
VIP=$LAB_VIP RS=$(lab_ip rs1)
start_lvsd --interface eth0

# expect_error MESSAGE ARGS...: lvsadm ARGS fails and prints MESSAGE as a line on stderr.
expect_error() {
    local msg="$1"; shift
    local err rc=0
    err="$(lab_lvsadm "$@" 2>&1 >/dev/null)" || rc=$?
    echo "lvsadm $* -> status $rc: $err"
    ((rc != 0)) || fail "lvsadm $* succeeded; expected '$msg'"
    grep -qxF "$msg" <<<"$err" || fail "lvsadm $*: stderr '$err', expected the line '$msg'"
}

expect_error "Service not defined" -a -t "$VIP:80" -r "$RS" -g
lvsadm_ok -A -t "$VIP:80" -s rr
expect_error "Service already exists" -A -t "$VIP:80" -s rr
lvsadm_ok -a -t "$VIP:80" -r "$RS" -g
expect_error "Destination already exists" -a -t "$VIP:80" -r "$RS" -g
expect_error "No such destination" -d -t "$VIP:80" -r 198.18.0.99
expect_error "No such destination" -e -t "$VIP:80" -r 198.18.0.99 -w 2
expect_error "No such service" -D -t "$VIP:81"
expect_error "Scheduler or persistence engine not found" -A -t "$VIP:82" -s nosuch

step "the failed commands changed nothing"
listing="$(lab_lvsadm -Ln 2>&1)" || fail "lvsadm -Ln: $listing"
echo "$listing"
[[ "$(grep -c '^TCP ' <<<"$listing")" == 1 ]] || fail "expected exactly one service"
[[ "$(grep -c -- '->.*Route' <<<"$listing")" == 1 ]] || fail "expected exactly one destination"
pass
