#!/usr/bin/env python3
"""xdp_pass.py IFNAME: attach an XDP program that passes every frame to IFNAME (native mode,
through a BPF link) and hold it until killed; the link, and the program, go with this process.

Why: a veth hands frames that its peer sent with XDP_TX or bpf_redirect to its own stack only
when it runs an XDP program itself (drivers/net/veth.c, veth_xdp_flush: no program on the
receiving side, no NAPI kick, and the frames wait for the next ordinary one). lvsd's fast path
(lvsd --fast-path) sends with XDP_TX, so the lab puts this on the switch side of the
director's veth. On a NIC nothing of the kind is needed.
"""
import ctypes
import os
import signal
import socket
import struct
import sys

SYS_BPF = 321  # x86_64
BPF_PROG_LOAD, BPF_LINK_CREATE = 5, 28
BPF_PROG_TYPE_XDP, BPF_XDP = 6, 37
XDP_FLAGS_DRV_MODE = 1 << 2

libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long


def bpf(cmd, attr):
    buf = ctypes.create_string_buffer(attr, 128)
    fd = libc.syscall(SYS_BPF, cmd, buf, 128)
    if fd < 0:
        err = ctypes.get_errno()
        sys.exit(f"xdp_pass: bpf({cmd}): {os.strerror(err)}")
    return fd


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: xdp_pass.py IFNAME")
    ifindex = socket.if_nametoindex(sys.argv[1])
    # r0 = XDP_PASS (2); exit
    insns = struct.pack("<BBhi", 0xB7, 0x00, 0, 2) + struct.pack("<BBhi", 0x95, 0, 0, 0)
    code = ctypes.create_string_buffer(insns, len(insns))
    license_text = ctypes.create_string_buffer(b"Dual MIT/GPL")
    load = struct.pack("<IIQQIIQII16sII", BPF_PROG_TYPE_XDP, 2, ctypes.addressof(code),
                       ctypes.addressof(license_text), 0, 0, 0, 0, 0, b"lab_xdp_pass", 0, BPF_XDP)
    prog = bpf(BPF_PROG_LOAD, load)
    bpf(BPF_LINK_CREATE, struct.pack("<IIII", prog, ifindex, BPF_XDP, XDP_FLAGS_DRV_MODE))
    print(f"xdp_pass: attached to {sys.argv[1]} (ifindex {ifindex})", flush=True)
    signal.sigwait({signal.SIGTERM, signal.SIGINT})


if __name__ == "__main__":
    main()
