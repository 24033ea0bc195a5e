# lab/lib/topology.sh — building the namespaces, bridges, veths, addresses and routes. Sourced by lab/lab.sh; not run on its own.
# shellcheck shell=bash

# ---------------------------------------------------------------------------------------
# Building the lab

_lab_usage_up() {
    cat >&2 <<'EOF'
lab_up [--servers N] [--flat] [--vip-on eth|lo|none] [--vip ADDR] [--no-rs-vip]
       [--nat | --fullnat] [--ipv6] [--no-trap]
  --servers N      real servers rs1..rsN (default 2)
  --flat           client on the server LAN (198.18.0.100), no router
  --vip-on WHERE   the director's VIP: eth0 alias "eth0:0" (default), lo, or none
  --vip ADDR       VIP (default 198.18.0.250)
  --no-rs-vip      do not put the VIP on the real servers' lo (seed 001's script)
  --nat            seed 002's NAT layout: the real servers on a private LAN (br-rs,
                   198.18.1.0/24) behind the director's eth1 (198.18.1.1), which is their
                   default gateway; the director forwards (ip_forward=1); no VIP on them
  --fullnat        as --nat, but the real servers have no default route at all: they
                   reach only their own LAN (where the director's LIPs live)
  --ipv6           also give every host an fd00:198:18::/48 address (nodad), and place the
                   IPv6 VIP fd00:198:18::250 as --vip-on / --no-rs-vip say for the VIP; with
                   --nat the real servers' IPv6 default route is the director (fd00:198:18:2::1)
  --no-trap        do not install the EXIT/INT/TERM trap that calls lab_down
EOF
}

lab_up() {
    local servers=2 flat=0 vip_on=eth vip="$LAB_DEFAULT_VIP" rs_vip=1 ipv6=0 trap=1 nat=0
    while (($#)); do
        case "$1" in
            --servers) servers="${2:?}"; shift 2 ;;
            --flat) flat=1; shift ;;
            --vip-on) vip_on="${2:?}"; shift 2 ;;
            --vip) vip="${2:?}"; shift 2 ;;
            --no-rs-vip) rs_vip=0; shift ;;
            --nat) nat=1; rs_vip=0; shift ;;
            --fullnat) nat=2; rs_vip=0; shift ;;
            --ipv6) ipv6=1; shift ;;
            --no-trap) trap=0; shift ;;
            -h|--help) _lab_usage_up; return 0 ;;
            *) _lab_usage_up; _lab_die "lab_up: unknown option '$1'"; return 1 ;;
        esac
    done
    case "$vip_on" in eth|lo|none) ;; *) _lab_die "--vip-on must be eth, lo or none"; return 1 ;; esac
    [[ "$servers" =~ ^[0-9]+$ ]] && ((servers >= 1 && servers <= 50)) ||
        { _lab_die "--servers must be 1..50"; return 1; }
    [[ "$vip" =~ ^198\.1[89]\.[0-9]+\.[0-9]+$ ]] || { _lab_die "VIP must be in 198.18.0.0/15"; return 1; }
    ((EUID == 0)) || { _lab_die "the lab needs root"; return 1; }
    [[ -z "$LAB_DIR" ]] || { _lab_die "a lab is already up ($LAB_PREFIX); lab_down first"; return 1; }

    [[ -n "$LAB_PREFIX" ]] || LAB_PREFIX="$(lab_new_prefix)"
    if ip netns list | awk '{print $1}' | grep -q "^${LAB_PREFIX}"; then
        _lab_die "namespaces with prefix $LAB_PREFIX already exist"; return 1
    fi
    LAB_DIR="$LAB_TMP/${LAB_PREFIX}lab"
    mkdir -m 700 "$LAB_DIR" || { LAB_DIR=""; _lab_die "cannot create $LAB_DIR"; return 1; }
    : >"$LAB_DIR/pids"
    if ((trap)); then
        trap 'lab_down' EXIT
        trap 'lab_down; trap - INT; kill -INT $$' INT
        trap 'lab_down; trap - TERM; kill -TERM $$' TERM
    fi

    ((nat && flat)) && { _lab_die "--nat/--fullnat need the routed layout (not --flat)"; return 1; }
    LAB_SERVERS=$servers LAB_FLAT=$flat LAB_IPV6=$ipv6 LAB_VIP=$vip LAB_NAT=$nat
    LAB_VIP6=""; ((ipv6)) && LAB_VIP6=$LAB_DEFAULT_VIP6
    if ((flat)); then LAB_CLIENT_IP="$LAB_LAN_NET.100"; else LAB_CLIENT_IP="$LAB_CLI_NET.100"; fi
    LAB_RS_IPS=() LAB_HOSTS=(client director)
    ((flat)) || LAB_HOSTS+=(router)
    local i
    for ((i = 1; i <= servers; i++)); do
        LAB_HOSTS+=("rs$i") LAB_RS_IPS+=("$(lab_ip "rs$i")")
    done
    _lab_save_state

    _lab_build "$vip_on" "$rs_vip" || { _lab_log "lab_up failed; tearing down"; lab_down; return 1; }
    _lab_log "up: prefix $LAB_PREFIX, $servers real server(s), $( ((flat)) && echo flat || echo routed)$( ((nat == 1)) && echo ", NAT")$( ((nat == 2)) && echo ", FULLNAT"), VIP $vip on ${vip_on}"
}

_lab_save_state() {
    {
        printf 'LAB_PREFIX=%q\nLAB_DIR=%q\nLAB_VIP=%q\nLAB_VIP6=%q\n' "$LAB_PREFIX" "$LAB_DIR" "$LAB_VIP" "$LAB_VIP6"
        printf 'LAB_SERVERS=%q\nLAB_FLAT=%q\nLAB_IPV6=%q\nLAB_CLIENT_IP=%q\n' "$LAB_SERVERS" "$LAB_FLAT" "$LAB_IPV6" "$LAB_CLIENT_IP"
        printf 'LAB_NAT=%q\n' "$LAB_NAT"
        printf 'LAB_RS_IPS=(%s)\nLAB_HOSTS=(%s)\n' "${LAB_RS_IPS[*]}" "${LAB_HOSTS[*]}"
    } >"$LAB_DIR/state"
}

# Re-attach to a lab made by another process (the CLI): lab_attach PREFIX.
lab_attach() {
    local dir="$LAB_TMP/${1}lab"
    [[ -f "$dir/state" ]] || { _lab_die "no lab state in $dir"; return 1; }
    # shellcheck disable=SC1091
    . "$dir/state"
}

_lab_sysctl() { local host="$1"; shift; lab_exec "$host" sysctl -qw "$@" >/dev/null; }

_lab_build() {
    local vip_on="$1" rs_vip="$2" host sw

    sw="$(lab_ns sw)"
    ip netns add "$sw" || return 1
    for host in "${LAB_HOSTS[@]}"; do
        ip netns add "$(lab_ns "$host")" || return 1
    done
    for host in sw "${LAB_HOSTS[@]}"; do
        # IPv6 off unless asked for: no DAD, router solicitations or MLD noise in captures.
        if ((LAB_IPV6)); then
            _lab_sysctl "$host" net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0 \
                net.ipv6.conf.all.disable_ipv6=0 net.ipv6.conf.default.disable_ipv6=0 || return 1
        else
            _lab_sysctl "$host" net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1 || return 1
        fi
        lab_exec "$host" ip link set lo up || return 1
    done

    # Bridges: no STP, no forward delay, no multicast snooping; a port forwards at once.
    lab_exec sw ip link add br-lan type bridge stp_state 0 forward_delay 0 mcast_snooping 0 || return 1
    lab_exec sw ip link set br-lan up || return 1
    if ((!LAB_FLAT)); then
        lab_exec sw ip link add br-cli type bridge stp_state 0 forward_delay 0 mcast_snooping 0 || return 1
        lab_exec sw ip link set br-cli up || return 1
    fi

    # Hosts on the LAN (net octet 0x12 = 18) and on the client net (0x13 = 19).
    local i
    _lab_plug director eth0 br-lan "$(_lab_mac 18 11)" "$LAB_DIRECTOR_IP/24" "$(lab_ip6 director)/64" || return 1
    local rs_bridge=br-lan rs_net=18
    if ((LAB_NAT)); then
        # Seed 002's NAT layout: a second LAN for the real servers behind the director.
        rs_bridge=br-rs rs_net=20
        lab_exec sw ip link add br-rs type bridge stp_state 0 forward_delay 0 mcast_snooping 0 || return 1
        lab_exec sw ip link set br-rs up || return 1
        _lab_plug director eth1 br-rs "$(_lab_mac "$rs_net" 1)" "$LAB_RS_GW_IP/24" "$LAB_RS6::1/64" || return 1
    fi
    for ((i = 1; i <= LAB_SERVERS; i++)); do
        _lab_plug "rs$i" eth0 "$rs_bridge" "$(_lab_mac "$rs_net" $((20 + i)))" "$(lab_ip "rs$i")/24" "$(lab_ip6 "rs$i")/64" || return 1
    done
    if ((LAB_FLAT)); then
        _lab_plug client eth0 br-lan "$(_lab_mac 18 100)" "$LAB_CLIENT_IP/24" "$(lab_ip6 client)/64" || return 1
    else
        _lab_plug client eth0 br-cli "$(_lab_mac 19 100)" "$LAB_CLIENT_IP/24" "$(lab_ip6 client)/64" || return 1
        _lab_plug router eth0 br-cli "$(_lab_mac 19 1)" "$LAB_ROUTER_CLI_IP/24" "$LAB_CLI6::1/64" || return 1
        _lab_plug router eth1 br-lan "$(_lab_mac 18 254)" "$LAB_ROUTER_LAN_IP/24" "$LAB_LAN6::254/64" || return 1
        _lab_sysctl router net.ipv4.ip_forward=1 || return 1
        ((LAB_IPV6)) && { _lab_sysctl router net.ipv6.conf.all.forwarding=1 || return 1; }
        # Default routes (seed 002: `route add default gw 192.168.10.254`).
        lab_exec client ip route add default via "$LAB_ROUTER_CLI_IP" || return 1
        ((LAB_IPV6)) && { lab_exec client ip -6 route add default via "$LAB_CLI6::1" || return 1; }
        for host in "${LAB_HOSTS[@]}"; do
            [[ "$host" == director || "$host" == rs* ]] || continue
            if ((LAB_NAT)) && [[ "$host" == rs* ]]; then
                # NAT: the director is the real servers' gateway; FULLNAT: no way out at all.
                if ((LAB_NAT == 1)); then
                    lab_exec "$host" ip route replace default via "$LAB_RS_GW_IP" || return 1
                    ((LAB_IPV6)) && { lab_exec "$host" ip -6 route replace default via "$LAB_RS6::1" || return 1; }
                fi
                continue
            fi
            lab_exec "$host" ip route replace default via "$LAB_ROUTER_LAN_IP" || return 1
            ((LAB_IPV6)) && { lab_exec "$host" ip -6 route replace default via "$LAB_LAN6::254" || return 1; }
        done
    fi
    # Seed 002: the NAT director forwards (what lvsd handles is kept from the kernel by the guard).
    _lab_sysctl director net.ipv4.ip_forward=$((LAB_NAT ? 1 : 0)) || return 1
    ((LAB_IPV6)) && { _lab_sysctl director net.ipv6.conf.all.forwarding=$((LAB_NAT ? 1 : 0)) || return 1; }

    # TESTBED fact 7: a client that opens many connections needs these.
    _lab_sysctl client net.ipv4.tcp_tw_reuse=1 "net.ipv4.ip_local_port_range=1024 65535" || return 1

    _lab_wait_links || return 1

    local vip
    for vip in "$LAB_VIP" ${LAB_VIP6:+"$LAB_VIP6"}; do
        case "$vip_on" in
            eth) lab_director_vip_alias "$vip" || return 1 ;;
            lo) lab_director_vip_lo "$vip" || return 1 ;;
            none) ;;
        esac
        if ((rs_vip)); then
            for ((i = 1; i <= LAB_SERVERS; i++)); do
                lab_realserver_vip "rs$i" "$vip" || return 1
            done
        fi
    done
}

# _lab_plug HOST IFNAME BRIDGE MAC ADDR4 ADDR6: a veth from HOST to BRIDGE. The pair is
# created inside the switch namespace with its peer placed straight into HOST, so no
# interface ever exists in the root namespace.
_lab_plug() {
    local host="$1" ifname="$2" bridge="$3" mac="$4" addr="$5" addr6="$6" port
    port="${bridge#br-}-${host}"
    port="${port:0:15}"
    lab_exec sw ip link add "$port" type veth peer name "$ifname" netns "$(lab_ns "$host")" || return 1
    lab_exec sw ip link set "$port" master "$bridge" up || return 1
    lab_exec "$host" ip link set "$ifname" address "$mac" || return 1
    lab_exec "$host" ip addr add "$addr" dev "$ifname" || return 1
    if ((LAB_IPV6)); then
        lab_exec "$host" ip -6 addr add "$addr6" dev "$ifname" nodad || return 1
    fi
    lab_exec "$host" ip link set "$ifname" up || return 1
}

# Until a link's operstate is UP its qdisc is still noop and drops what is sent.
_lab_link_up() { ip -n "$1" -o link show dev "$2" | grep -q 'state UP'; }

_lab_wait_links() {
    local host ns dev
    for host in sw "${LAB_HOSTS[@]}"; do
        ns="$(lab_ns "$host")"
        for dev in $(ip -n "$ns" -o link show | awk -F': ' '{print $2}' | cut -d@ -f1); do
            [[ "$dev" == lo || "$dev" == br-* ]] && continue
            lab_wait_for 10 _lab_link_up "$ns" "$dev" || { _lab_die "link $dev in $host did not come up"; return 1; }
        done
    done
}

# lab_offloads_off HOST [IF...]: no TSO/GSO/GRO on a host's interfaces (default: all its
# eth*), so that one packet captured is one packet on the wire. Only for tests that count
# packets; the checksum offload stays on (TESTBED fact 1: turning it off hides bugs).
lab_offloads_off() {
    local host="$1"; shift
    local devs=("$@") dev
    if ((${#devs[@]} == 0)); then
        mapfile -t devs < <(lab_exec "$host" ip -o link show | awk -F': ' '{print $2}' | cut -d@ -f1 | grep '^eth')
    fi
    for dev in "${devs[@]}"; do
        lab_exec "$host" ethtool -K "$dev" tso off gso off gro off >/dev/null 2>&1 ||
            { _lab_die "ethtool -K $dev in $host failed"; return 1; }
    done
}

# lab_add_address HOST ADDR/PREFIX [DEV]: one more address on a host's interface (default
# eth0), e.g. a second client address in the client's subnet so that tests can speak from
# two clients of one network (persistence netmasks). Removed with the lab's namespaces.
lab_add_address() {
    local host="$1" addr="$2" dev="${3:-eth0}"
    [[ "$addr" =~ ^198\.1[89]\.[0-9]+\.[0-9]+/[0-9]+$ || "$addr" =~ ^fd00:198:18: ]] ||
        { _lab_die "lab_add_address: $addr is outside 198.18.0.0/15 and fd00:198:18::/48"; return 1; }
    if [[ "$addr" == *:* ]]; then
        lab_exec "$host" ip -6 addr add "$addr" dev "$dev" nodad || return 1
    else
        lab_exec "$host" ip addr add "$addr" dev "$dev" || return 1
    fi
}
