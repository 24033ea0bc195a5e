using static SharpLvs.Linux.Xdp.BpfInstruction;
using R = SharpLvs.Linux.Xdp.BpfRegister;

namespace SharpLvs.Linux.Xdp;

/// <summary>
/// The XDP program lvsd generates for each served interface (no compiler involved): it
/// steers the director's flows to the interface queue's AF_XDP socket and passes everything
/// else to the kernel, where the AF_PACKET ring and the host stack see it as before.
/// <para>
/// A frame is the director's when it is TCP or UDP and (daddr, proto, dport) is a virtual
/// service, or (saddr, proto, sport) is a NAT real server's service port (its replies), or
/// daddr is a FULLNAT local address and dport lies in its port range: the same flows the
/// nftables guard keeps from the host (Guard/GuardScript). Parsed: Ethernet with at most one
/// 802.1Q tag, IPv4 (any IHL; fragments pass: only the first carries ports) and IPv6 with
/// the transport right after the fixed header (extension headers pass, to the AF_PACKET
/// path). Firewall-mark services stay on the AF_PACKET path (their selectors are prefixes
/// and port ranges, not map keys).
/// </para>
/// </summary>
internal static class SteeringProgram
{
    /// <summary>struct xdp_md (include/uapi/linux/bpf.h): offsets the program reads.</summary>
    private const short XdpData = 0;
    private const short XdpDataEnd = 4;
    private const short XdpRxQueueIndex = 16;

    private const int XdpPass = 2;

    private const int HelperMapLookupElem = 1;
    private const int HelperRedirectMap = 51;

    // The two keys on the stack (SteeringKey layout): A = (daddr, proto, dport), B = (saddr, proto, sport).
    internal const short KeyA = -24;
    internal const short KeyB = -48;

    // Ethertypes and masks as a little-endian 16-bit load of network-order bytes sees them.
    private const int EtherTypeVlan = 0x0081;
    private const int EtherTypeIpv4 = 0x0008;
    private const int EtherTypeIpv6 = 0xDD86;
    private const int Ipv4FragmentMask = 0xFF3F; // MF and the fragment offset

    public static BpfInstruction[] Generate(int servicesFd, int repliesFd, int localsFd, int socketsFd, FastPathMaps? fastPath = null)
    {
        var a = new BpfAssembler();
        var pass = a.NewLabel();
        var untagged = a.NewLabel();
        var ipv4 = a.NewLabel();
        var ipv6 = a.NewLabel();
        var transport = a.NewLabel();
        var ports = a.NewLabel();
        var redirect = a.NewLabel();

        // r6 = ctx, r7 = data, r8 = data_end, r9 = the current header.
        a.Mov64(R.R6, R.R1);
        a.Load(SizeW, R.R7, R.R6, XdpData);
        a.Load(SizeW, R.R8, R.R6, XdpDataEnd);

        // Ethernet, one optional 802.1Q tag.
        a.Mov64(R.R9, R.R7);
        a.Alu64(OpAdd, R.R9, 14);
        a.Jump(JumpGt, R.R9, R.R8, pass);
        a.Load(SizeH, R.R2, R.R7, 12);
        a.Jump(JumpNe, R.R2, EtherTypeVlan, untagged);
        a.Mov64(R.R3, R.R9);
        a.Alu64(OpAdd, R.R3, 4);
        a.Jump(JumpGt, R.R3, R.R8, pass);
        a.Load(SizeH, R.R2, R.R7, 16);
        a.Alu64(OpAdd, R.R9, 4);
        a.Mark(untagged);

        // Both keys zeroed (an IPv4 key's address is 4 bytes and 12 zeros).
        for (short offset = -8; offset >= KeyB; offset -= 8)
        {
            a.Store(SizeDw, R.R10, offset, 0);
        }

        a.Jump(JumpEq, R.R2, EtherTypeIpv4, ipv4);
        a.Jump(JumpEq, R.R2, EtherTypeIpv6, ipv6);
        a.Jump(pass);

        // IPv4: version 4, IHL >= 5, not a fragment; r5 = protocol, r4 = header length.
        a.Mark(ipv4);
        a.Mov64(R.R3, R.R9);
        a.Alu64(OpAdd, R.R3, 20);
        a.Jump(JumpGt, R.R3, R.R8, pass);
        a.Load(SizeB, R.R4, R.R9, 0);
        a.Mov64(R.R5, R.R4);
        a.Alu64(OpRsh, R.R5, 4);
        a.Jump(JumpNe, R.R5, 4, pass);
        a.Alu64(OpAnd, R.R4, 0x0F);
        a.Jump(JumpLt, R.R4, 5, pass);
        a.Alu64(OpLsh, R.R4, 2);
        a.Load(SizeH, R.R5, R.R9, 6);
        a.Alu64(OpAnd, R.R5, Ipv4FragmentMask);
        a.Jump(JumpNe, R.R5, 0, pass);
        if (fastPath is not null)
        {
            FastPathProgram.EmitIpv4Lengths(a);
        }

        a.Load(SizeB, R.R5, R.R9, 9);
        a.Load(SizeW, R.R3, R.R9, 16);
        a.Store(SizeW, R.R10, KeyA, R.R3);
        a.Load(SizeW, R.R3, R.R9, 12);
        a.Store(SizeW, R.R10, KeyB, R.R3);
        a.Store(SizeB, R.R10, (short)(KeyA + SteeringKey.FamilyOffset), 4);
        a.Store(SizeB, R.R10, (short)(KeyB + SteeringKey.FamilyOffset), 4);
        a.Alu64(OpAdd, R.R9, R.R4);
        a.Jump(transport);

        // IPv6: version 6, the transport header right after the fixed header.
        a.Mark(ipv6);
        a.Mov64(R.R3, R.R9);
        a.Alu64(OpAdd, R.R3, 40);
        a.Jump(JumpGt, R.R3, R.R8, pass);
        a.Load(SizeB, R.R4, R.R9, 0);
        a.Alu64(OpRsh, R.R4, 4);
        a.Jump(JumpNe, R.R4, 6, pass);
        if (fastPath is not null)
        {
            FastPathProgram.EmitIpv6Lengths(a);
        }

        a.Load(SizeB, R.R5, R.R9, 6);
        for (short half = 0; half < 16; half += 8)
        {
            a.Load(SizeDw, R.R3, R.R9, (short)(24 + half));
            a.Store(SizeDw, R.R10, (short)(KeyA + half), R.R3);
            a.Load(SizeDw, R.R3, R.R9, (short)(8 + half));
            a.Store(SizeDw, R.R10, (short)(KeyB + half), R.R3);
        }

        a.Store(SizeB, R.R10, (short)(KeyA + SteeringKey.FamilyOffset), 6);
        a.Store(SizeB, R.R10, (short)(KeyB + SteeringKey.FamilyOffset), 6);
        a.Alu64(OpAdd, R.R9, 40);

        // TCP and UDP only; r7 = dport (network order) for the range check.
        a.Mark(transport);
        a.Jump(JumpEq, R.R5, 6, ports);
        a.Jump(JumpEq, R.R5, 17, ports);
        a.Jump(pass);
        a.Mark(ports);
        a.Store(SizeB, R.R10, (short)(KeyA + SteeringKey.ProtocolOffset), R.R5);
        a.Store(SizeB, R.R10, (short)(KeyB + SteeringKey.ProtocolOffset), R.R5);
        a.Mov64(R.R3, R.R9);
        a.Alu64(OpAdd, R.R3, 4);
        a.Jump(JumpGt, R.R3, R.R8, pass);
        a.Load(SizeH, R.R3, R.R9, 0);
        a.Store(SizeH, R.R10, (short)(KeyB + SteeringKey.PortOffset), R.R3);
        a.Load(SizeH, R.R3, R.R9, 2);
        a.Store(SizeH, R.R10, (short)(KeyA + SteeringKey.PortOffset), R.R3);

        // The established-flow fast path (lvsd --fast-path) forwards what it can; the rest
        // comes back here (r7 = data, r8 = data_end, r9 = transport header still hold).
        if (fastPath is { } maps)
        {
            var steer = a.NewLabel();
            FastPathProgram.Emit(a, maps, steer);
            a.Mark(steer);
        }

        a.Load(SizeH, R.R7, R.R9, 2);

        EmitLookup(a, servicesFd, KeyA);
        a.Jump(JumpNe, R.R0, 0, redirect);
        EmitLookup(a, repliesFd, KeyB);
        a.Jump(JumpNe, R.R0, 0, redirect);

        // FULLNAT local addresses: keyed by address with port 0, the value is the port range.
        a.Store(SizeH, R.R10, (short)(KeyA + SteeringKey.PortOffset), 0);
        EmitLookup(a, localsFd, KeyA);
        a.Jump(JumpEq, R.R0, 0, pass);
        a.ToBigEndian16(R.R7);
        a.Load(SizeH, R.R3, R.R0, 0);
        a.Jump(JumpLt, R.R7, R.R3, pass);
        a.Load(SizeH, R.R3, R.R0, 2);
        a.Jump(JumpGt, R.R7, R.R3, pass);

        // bpf_redirect_map(sockets, rx_queue_index, XDP_PASS): a queue without a socket passes.
        a.Mark(redirect);
        a.Load(SizeW, R.R2, R.R6, XdpRxQueueIndex);
        a.LoadMap(R.R1, socketsFd);
        a.Mov64(R.R3, XdpPass);
        a.Call(HelperRedirectMap);
        a.Exit();

        a.Mark(pass);
        a.Mov64(R.R0, XdpPass);
        a.Exit();
        return a.Build();
    }

    private static void EmitLookup(BpfAssembler a, int mapFd, short key)
    {
        a.LoadMap(R.R1, mapFd);
        a.Mov64(R.R2, R.R10);
        a.Alu64(OpAdd, R.R2, key);
        a.Call(HelperMapLookupElem);
    }
}
