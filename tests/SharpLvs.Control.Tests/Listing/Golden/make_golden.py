#!/usr/bin/env python3
"""Writes the golden listings of ListingFormatterGoldenTests from ipvsadm 1.31's printf
formats (ipvsadm.c print_title, print_service_entry, print_largenum, list_conn, print_conn),
re-typed here in Python's %-formatting (same semantics as C's for %-Ns, %Nu, %02d), so the
expected text never comes from lvsadm's own code. The data below must match the C# test's.
Run from this directory: python3 make_golden.py"""

FMT_NUMERIC, FMT_RULE, FMT_STATS, FMT_RATE, FMT_THRESHOLDS, FMT_PCONN, FMT_EXACT, FMT_TUN = 1, 2, 4, 8, 16, 32, 128, 256

# Services in ipvsadm's sorted order (fwmark, af, protocol, address, port); destinations sorted.
SERVICES = [
    dict(proto="TCP", af=4, addr="198.18.0.10", port=80, sched="wrr", persistent=(600, "255.255.255.0"), ops=False, flags="",
         stats=(123456789, 9876543210, 0, 123456789012345, 55), rates=(1234, 5678, 0, 987654321, 12),
         dests=[
             dict(addr="198.18.1.1", port=80, fwd="Route", sw="-g", w=3, x=0, y=0, act=5, inact=12, pers=2, tun=None,
                  stats=(100000000, 99999999, 0, 1000000000, 999999999), rates=(1, 2, 3, 100000000, 99999999)),
             dict(addr="198.18.1.2", port=80, fwd="Route", sw="-g", w=0, x=0, y=0, act=0, inact=1, pers=0, tun=None,
                  stats=(0, 0, 0, 0, 0), rates=(0, 0, 0, 0, 0)),
         ]),
    dict(proto="UDP", af=4, addr="198.18.0.10", port=53, sched="sh", persistent=None, ops=True, flags="sh-fallback,sh-port",
         stats=(1, 2, 3, 4, 5), rates=(0, 0, 0, 0, 0),
         dests=[dict(addr="198.18.1.3", port=5353, fwd="Masq", sw="-m", w=1, x=0, y=0, act=0, inact=7, pers=0, tun=None,
                     stats=(1, 2, 3, 4, 5), rates=(0, 0, 0, 0, 0))]),
    dict(proto="TCP", af=6, addr="fd00:198:18::10", port=443, sched="wlc", persistent=(60, 64), ops=False, flags="",
         stats=(0, 0, 0, 0, 0), rates=(0, 0, 0, 0, 0),
         dests=[dict(addr="fd00:198:18::1", port=443, fwd="Masq", sw="-m", w=2, x=100, y=50, act=3, inact=4, pers=1, tun=None,
                     stats=(0, 0, 0, 0, 0), rates=(0, 0, 0, 0, 0))]),
    dict(fwmark=7, af=4, sched="rr", persistent=None, ops=False, flags="flag-1,flag-3",
         stats=(0, 0, 0, 0, 0), rates=(0, 0, 0, 0, 0),
         dests=[
             dict(addr="198.18.1.9", port=0, fwd="Tunnel", sw="-i", w=1, x=0, y=0, act=0, inact=0, pers=0, tun=("ipip", 0, 0),
                  stats=(0, 0, 0, 0, 0), rates=(0, 0, 0, 0, 0)),
             dict(addr="198.18.1.10", port=0, fwd="Tunnel", sw="-i", w=1, x=0, y=0, act=0, inact=0, pers=0, tun=("gue", 6080, 1),
                  stats=(0, 0, 0, 0, 0), rates=(0, 0, 0, 0, 0)),
             dict(addr="198.18.1.11", port=0, fwd="Tunnel", sw="-i", w=1, x=0, y=0, act=0, inact=0, pers=0, tun=("gre", 0, 2),
                  stats=(0, 0, 0, 0, 0), rates=(0, 0, 0, 0, 0)),
         ]),
    dict(fwmark=8, af=6, sched="rr", persistent=(300, 128), ops=False, flags="",
         stats=(0, 0, 0, 0, 0), rates=(0, 0, 0, 0, 0), dests=[]),
]

TUNFLAGS = ["-c", "+c", "r+c"]
TUNOPTS = ["--tun-nocsum", "--tun-csum", "--tun-remcsum"]


def anyname(af, addr, port):
    return ("%s:%d" if af == 4 else "[%s]:%d") % (addr, port)


def largenum(i, fmt):
    if fmt & FMT_EXACT:
        n = len("%d" % i)
        return "%*d" % (9 if n <= 8 else n + 1, i)
    if i < 100000000:
        return "%9d" % i
    if i < 1000000000:
        return "%8dK" % (i // 1000)
    if i < 100000000000:
        return "%8dM" % (i // 1000000)
    if i < 100000000000000:
        return "%8dG" % (i // 1000000000)
    return "%8dT" % (i // 1000000000000)


def title(fmt):
    if fmt & FMT_STATS:
        return "%-33s %8s %8s %8s %8s %8s\n  -> RemoteAddress:Port\n" % ("Prot LocalAddress:Port", "Conns", "InPkts", "OutPkts", "InBytes", "OutBytes")
    if fmt & FMT_RATE:
        return "%-33s %8s %8s %8s %8s %8s\n  -> RemoteAddress:Port\n" % ("Prot LocalAddress:Port", "CPS", "InPPS", "OutPPS", "InBPS", "OutBPS")
    if fmt & FMT_THRESHOLDS:
        return "%-33s %-10s %-10s %-10s %-10s\n  -> RemoteAddress:Port\n" % ("Prot LocalAddress:Port", "Uthreshold", "Lthreshold", "ActiveConn", "InActConn")
    if fmt & FMT_PCONN:
        return "%-33s %-9s %-11s %-10s %-10s\n  -> RemoteAddress:Port\n" % ("Prot LocalAddress:Port", "Weight", "PersistConn", "ActiveConn", "InActConn")
    if fmt & FMT_TUN:
        return "Prot LocalAddress:Port Scheduler Flags\n  -> RemoteAddress:Port           Forward TunnelInfo    Weight ActiveConn InActConn\n"
    if not fmt & FMT_RULE:
        return "Prot LocalAddress:Port Scheduler Flags\n  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn\n"
    return ""


def tun_info(d):
    if d["tun"] is None:
        return "n/a"
    kind, port, flags = d["tun"]
    if kind == "ipip":
        return "ipip"
    if kind == "gue":
        return ("gue:%d:%s" % (port, TUNFLAGS[flags]))[:15]
    return ("gre:%s" % TUNFLAGS[flags])[:15]


def service(s, fmt):
    out = []
    if "fwmark" in s:
        if fmt & FMT_RULE:
            name = "-f %d -6" % s["fwmark"] if s["af"] == 6 else "-f %d" % s["fwmark"]
        else:
            name = "FWM  %d IPv6" % s["fwmark"] if s["af"] == 6 else "FWM  %d" % s["fwmark"]
        proto = "IP"
    else:
        v = anyname(s["af"], s["addr"], s["port"])
        if fmt & FMT_RULE:
            name = "%s %s" % ("-t" if s["proto"] == "TCP" else "-u", v)
        else:
            name = "%-4s %s" % (s["proto"], v)
            if s["af"] != 6:
                name = name[:33]
    if fmt & FMT_RULE:
        line = "-A %s -s %s" % (name, s["sched"])
        if s["persistent"]:
            t, m = s["persistent"]
            line += " -p %u" % t
            if s["af"] == 4 and m != "255.255.255.255":
                line += " -M %s" % m
            if s["af"] == 6 and m != 128:
                line += " -M %i" % m
        if s["ops"]:
            line += " -o"
        if s["flags"]:
            line += " -b %s" % s["flags"]
    elif fmt & FMT_STATS:
        line = "%-33s" % name + "".join(largenum(v, fmt) for v in s["stats"])
    elif fmt & FMT_RATE:
        line = "%-33s" % name + "".join(largenum(v, fmt) for v in s["rates"])
    else:
        line = "%s %s" % (name, s["sched"])
        if s["flags"]:
            line += " (%s)" % s["flags"]
        if s["persistent"]:
            t, m = s["persistent"]
            line += " persistent %u" % t
            if s["af"] == 4 and m != "255.255.255.255":
                line += " mask %s" % m
            if s["af"] == 6 and m != 128:
                line += " mask %i" % m
        if s["ops"]:
            line += " ops"
    out.append(line + "\n")
    for d in s["dests"]:
        dname = anyname(s["af"], d["addr"], d["port"])
        if not fmt & FMT_RULE and s["af"] != 6:
            dname = dname[:28]
        if fmt & FMT_RULE:
            line = "-a %s -r %s %s -w %d" % (name, dname, d["sw"], d["w"])
            if d["tun"]:
                kind, port, flags = d["tun"]
                line += " --tun-type %s" % kind
                if kind == "gue":
                    line += " --tun-port %d" % port
                if kind != "ipip":
                    line += " %s" % TUNOPTS[flags]
            out.append(line + "\n")
        elif fmt & FMT_STATS:
            out.append("  -> %-28s" % dname + "".join(largenum(v, fmt) for v in d["stats"]) + "\n")
        elif fmt & FMT_RATE:
            r = d["rates"]
            out.append("  -> %-28s %8u %8u %8u" % (dname, r[0], r[1], r[2]) + largenum(r[3], fmt) + largenum(r[4], fmt) + "\n")
        elif fmt & FMT_THRESHOLDS:
            out.append("  -> %-28s %-10u %-10u %-10u %-10u\n" % (dname, d["x"], d["y"], d["act"], d["inact"]))
        elif fmt & FMT_PCONN:
            out.append("  -> %-28s %-9u %-11u %-10u %-10u\n" % (dname, d["w"], d["pers"], d["act"], d["inact"]))
        elif fmt & FMT_TUN:
            out.append("  -> %-28s %-7s %-13s %-6d %-10u %-10u\n" % (dname, d["fwd"], tun_info(d), d["w"], d["act"], d["inact"]))
        else:
            out.append("  -> %-28s %-7s %-6d %-10u %-10u\n" % (dname, d["fwd"], d["w"], d["act"], d["inact"]))
    return "".join(out)


def list_all(fmt):
    text = "" if fmt & FMT_RULE else "IP Virtual Server version 1.2.1 (size=4096)\n"
    return text + title(fmt) + "".join(service(s, fmt) for s in SERVICES)


# Connection entries: (proto, caddr, cport, vaddr, vport, daddr, dport, state, expires, pe_name, pe_data).
CONNS = [
    ("TCP", "198.18.2.1", 40000, "198.18.0.10", 80, "198.18.1.1", 80, "ESTABLISHED", 899, None, None),
    ("TCP", "198.18.2.2", 51234, "198.18.0.10", 80, "198.18.1.2", 80, "FIN_WAIT", 0, None, None),
    ("UDP", "198.18.2.3", 5353, "198.18.0.10", 53, "198.18.1.3", 5353, "UDP", 299, None, None),
    ("TCP", "fd00:198:18::2:1", 443, "fd00:198:18::10", 443, "fd00:198:18::1", 443, "SYN_RECV", 59, None, None),
    ("TCP", "198.18.2.4", 1, "198.18.0.10", 80, "198.18.1.1", 80, "TIME_WAIT", 54000, None, None),
    ("UDP", "198.18.2.5", 0, "198.18.0.10", 5060, "198.18.1.1", 5060, "NONE", 3599, "sip", "call-1@example"),
]

NAMES = {"198.18.2.1": "client-one.example", "198.18.0.10": "vip.example"}
SERVICES_DB = {(80, "TCP"): "http", (53, "UDP"): "domain", (443, "TCP"): "https"}


def conn_name(proto, addr, port, numeric):
    af = 6 if ":" in addr else 4
    if not numeric:
        addr = NAMES.get(addr, addr)
        port = SERVICES_DB.get((port, proto), port)
    return ("%s:%s" if af == 4 else "[%s]:%s") % (addr, port)


def list_conn(fmt):
    out = ["IPVS connection entries\n"]
    if fmt & FMT_PCONN:
        out.append("pro expire %-11s %-18s %-18s %-18s %-16s %s\n" % ("state", "source", "virtual", "destination", "pe name", "pe_data"))
    else:
        out.append("pro expire %-11s %-18s %-18s %s\n" % ("state", "source", "virtual", "destination"))
    numeric = fmt & FMT_NUMERIC
    for proto, ca, cp, va, vp, da, dp, state, expires, pe_name, pe_data in CONNS:
        c, v, d = conn_name(proto, ca, cp, numeric), conn_name(proto, va, vp, numeric), conn_name(proto, da, dp, numeric)
        expire = "%02d:%02d" % (expires // 60, expires % 60)
        if fmt & FMT_PCONN and pe_name:
            out.append("%-3s %-6s %-11s %-18s %-18s %-16s %-18s %s\n" % (proto, expire, state, c, v, d, pe_name, pe_data))
        else:
            out.append("%-3s %-6s %-11s %-18s %-18s %s\n" % (proto, expire, state, c, v, d))
    return "".join(out)


FILES = {
    "rich_ln.txt": list_all(FMT_NUMERIC),
    "rich_Sn.txt": list_all(FMT_NUMERIC | FMT_RULE),
    "rich_stats_ln.txt": list_all(FMT_NUMERIC | FMT_STATS),
    "rich_stats_exact_ln.txt": list_all(FMT_NUMERIC | FMT_STATS | FMT_EXACT),
    "rich_rate_ln.txt": list_all(FMT_NUMERIC | FMT_RATE),
    "rich_rate_exact_ln.txt": list_all(FMT_NUMERIC | FMT_RATE | FMT_EXACT),
    "rich_thresholds_ln.txt": list_all(FMT_NUMERIC | FMT_THRESHOLDS),
    "rich_pconn_ln.txt": list_all(FMT_NUMERIC | FMT_PCONN),
    "rich_tuninfo_ln.txt": list_all(FMT_NUMERIC | FMT_TUN),
    "conns_lcn.txt": list_conn(FMT_NUMERIC),
    "conns_lc.txt": list_conn(0),
    "conns_pconn_lcn.txt": list_conn(FMT_NUMERIC | FMT_PCONN),
}

for name, text in FILES.items():
    with open(name, "w") as f:
        f.write(text)
