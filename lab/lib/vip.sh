# lab/lib/vip.sh — where the VIP lives (seeds 001/002). Sourced by lab/lab.sh; not run on its own.
# shellcheck shell=bash

# ---------------------------------------------------------------------------------------
# VIP placement (seeds 001/002, with ip(8) instead of ifconfig)

# Seed 001's real-server script: VIP on lo as a /32, and the ARP sysctls that stop the
# real server from answering ARP for the VIP (arp_ignore=1) or announcing it as a source
# (arp_announce=2).
lab_realserver_vip() {
    local host="$1" vip="${2:-$LAB_VIP}"
    if [[ "$vip" == *:* ]]; then
        # IPv6 needs no arp_ignore: ndisc answers only for addresses on the receiving
        # interface (ipv6_get_ifaddr, strict), never for one on lo.
        lab_exec "$host" ip -6 addr add "$vip/128" dev lo nodad || return 1
        return 0
    fi
    _lab_sysctl "$host" net.ipv4.conf.all.arp_ignore=1 net.ipv4.conf.lo.arp_ignore=1 \
        net.ipv4.conf.all.arp_announce=2 net.ipv4.conf.lo.arp_announce=2 || return 1
    # `ifconfig lo:0 VIP netmask 255.255.255.255`; the seed's `route add -host VIP dev lo:0`
    # is implied: the kernel adds the local-table route with the address.
    lab_exec "$host" ip addr add "$vip/32" dev lo label lo:0 || return 1
}

lab_realserver_vip_del() {
    local host="$1" vip="${2:-$LAB_VIP}"
    if [[ "$vip" == *:* ]]; then
        lab_exec "$host" ip -6 addr del "$vip/128" dev lo 2>/dev/null || true
        return 0
    fi
    lab_exec "$host" ip addr del "$vip/32" dev lo 2>/dev/null || true
    _lab_sysctl "$host" net.ipv4.conf.all.arp_ignore=0 net.ipv4.conf.lo.arp_ignore=0 \
        net.ipv4.conf.all.arp_announce=0 net.ipv4.conf.lo.arp_announce=0
}

# A host route's prefix length for VIP (/32 or /128); IPv6 addresses go on without DAD.
_lab_vip_len() { if [[ "$1" == *:* ]]; then echo 128; else echo 32; fi; }

# Seed 002: `ifconfig eth0:0 VIP netmask 255.255.255.255 ... up`.
lab_director_vip_alias() {
    local vip="${1:-$LAB_VIP}"
    if [[ "$vip" == *:* ]]; then
        lab_exec director ip -6 addr add "$vip/128" dev eth0 nodad
    else
        lab_exec director ip addr add "$vip/32" dev eth0 label eth0:0
    fi
}

lab_director_vip_lo() {
    local vip="${1:-$LAB_VIP}"
    if [[ "$vip" == *:* ]]; then
        lab_exec director ip -6 addr add "$vip/128" dev lo nodad
    else
        lab_exec director ip addr add "$vip/32" dev lo label lo:0
    fi
}

# Remove the VIP from wherever it is on the director.
lab_director_vip_clear() {
    local vip="${1:-$LAB_VIP}" len
    len="$(_lab_vip_len "$vip")"
    lab_exec director ip addr del "$vip/$len" dev eth0 2>/dev/null || true
    lab_exec director ip addr del "$vip/$len" dev lo 2>/dev/null || true
    return 0
}
