using static SharpLvs.Linux.Xdp.BpfInstruction;
using R = SharpLvs.Linux.Xdp.BpfRegister;

namespace SharpLvs.Linux.Xdp;

/// <summary>
/// The three maps of the fast path, by file descriptor (see <see cref="FastPathLayout"/>), and
/// whether the program runs in generic (skb) mode, where a frame keeps its skb and with it a
/// CHECKSUM_PARTIAL state that the receiver still honours.
/// </summary>
internal readonly record struct FastPathMaps(int FlowsFd, int DestinationsFd, int CountersFd, bool SkbMode = false);

/// <summary>
/// The established-flow fast path inside the steering program (lvsd --fast-path): a TCP or
/// UDP frame whose inbound flow lvsd offered (flows map) and whose real server is alive
/// (destinations map) gets the real server's Ethernet addresses, as ip_vs_dr_xmit would give
/// it, is counted for that server (per-CPU counters), stamps the flow's last-seen time and
/// leaves at once: XDP_TX when it leaves by the interface it came in on, bpf_redirect
/// otherwise. Anything else falls through to the steering lookups (AF_XDP or the kernel):
/// TCP SYN, FIN or RST (state changes stay lvsd's), a truncated header, an IP packet longer
/// than the next hop's MTU, and in native mode a CHECKSUM_PARTIAL frame (see
/// PartialChecksumProbe: native XDP_TX and redirect keep only the bytes, so the real server
/// would see the pseudo-header sum; lvsd completes it on the slow path).
/// </summary>
internal static class FastPathProgram
{
    private const short XdpIngressIfIndex = 12;
    private const int XdpTx = 3;

    private const int HelperMapLookupElem = 1;
    private const int HelperKtimeGetNs = 5;
    private const int HelperRedirect = 23;

    // Stack below the steering keys: the flow value pointer, the destination slot (key of the
    // array maps) and egress ifindex, the IP and transport lengths (host order) set while parsing.
    private const short FlowValue = -56;
    private const short Slot = -64;
    private const short EgressIfIndex = -60;
    private const short IpLength = -72;
    private const short TransportLength = -80;

    private const short ProtocolOnStack = SteeringProgram.KeyA + SteeringKey.ProtocolOffset;

    /// <summary>IPv4 (r9 = header, r4 = header length): total length and transport length onto the stack.</summary>
    public static void EmitIpv4Lengths(BpfAssembler a)
    {
        a.Load(SizeH, R.R3, R.R9, 2);
        a.ToBigEndian16(R.R3);
        a.Store(SizeDw, R.R10, IpLength, R.R3);
        a.Alu64(OpSub, R.R3, R.R4);
        a.Store(SizeDw, R.R10, TransportLength, R.R3);
    }

    /// <summary>IPv6 (r9 = header, 40 bytes present): payload length + 40 and the payload length onto the stack.</summary>
    public static void EmitIpv6Lengths(BpfAssembler a)
    {
        a.Load(SizeH, R.R3, R.R9, 4);
        a.ToBigEndian16(R.R3);
        a.Store(SizeDw, R.R10, TransportLength, R.R3);
        a.Alu64(OpAdd, R.R3, 40);
        a.Store(SizeDw, R.R10, IpLength, R.R3);
    }

    /// <summary>
    /// The fast path; entered with r5 = IP protocol, r6 = ctx, r7 = data, r8 = data_end,
    /// r9 = transport header (4 bytes checked), both steering keys complete on the stack.
    /// </summary>
    public static void Emit(BpfAssembler a, FastPathMaps maps, BpfLabel steer)
    {
        var udp = a.NewLabel();
        var lookup = a.NewLabel();
        var udpField = a.NewLabel();
        var compare = a.NewLabel();
        var stamp = a.NewLabel();
        var redirect = a.NewLabel();

        // TCP: the whole fixed header, and no SYN, FIN or RST; UDP: its 8-byte header.
        a.Jump(JumpNe, R.R5, 6, udp);
        a.Mov64(R.R3, R.R9);
        a.Alu64(OpAdd, R.R3, 20);
        a.Jump(JumpGt, R.R3, R.R8, steer);
        a.Load(SizeB, R.R3, R.R9, 13);
        a.Alu64(OpAnd, R.R3, 0x07);
        a.Jump(JumpNe, R.R3, 0, steer);
        a.Jump(lookup);
        a.Mark(udp);
        a.Mov64(R.R3, R.R9);
        a.Alu64(OpAdd, R.R3, 8);
        a.Jump(JumpGt, R.R3, R.R8, steer);

        // The flow key is the two steering keys as they lie on the stack (FastPathLayout).
        a.Mark(lookup);
        a.LoadMap(R.R1, maps.FlowsFd);
        a.Mov64(R.R2, R.R10);
        a.Alu64(OpAdd, R.R2, SteeringProgram.KeyB);
        a.Call(HelperMapLookupElem);
        a.Jump(JumpEq, R.R0, 0, steer);
        a.Store(SizeDw, R.R10, FlowValue, R.R0);
        a.Load(SizeW, R.R3, R.R0, FastPathLayout.FlowSlotOffset);
        a.Store(SizeW, R.R10, Slot, R.R3);

        // In generic mode XDP_TX sends the same skb, CHECKSUM_PARTIAL state included, so the
        // receiver (or a NIC) still completes the checksum: no need to leave such frames to lvsd.
        if (!maps.SkbMode)
        {
            EmitPartialChecksumTest(a, steer, udpField, compare);
        }

        a.LoadMap(R.R1, maps.DestinationsFd);
        a.Mov64(R.R2, R.R10);
        a.Alu64(OpAdd, R.R2, Slot);
        a.Call(HelperMapLookupElem);
        a.Jump(JumpEq, R.R0, 0, steer);
        a.Load(SizeW, R.R3, R.R0, FastPathLayout.DestAliveOffset);
        a.Jump(JumpEq, R.R3, 0, steer);
        a.Load(SizeW, R.R3, R.R0, FastPathLayout.DestMtuOffset);
        a.Load(SizeDw, R.R4, R.R10, IpLength);
        a.Jump(JumpGt, R.R4, R.R3, steer);
        a.Load(SizeW, R.R3, R.R0, FastPathLayout.DestIfIndexOffset);
        a.Store(SizeW, R.R10, EgressIfIndex, R.R3);

        // ip_vs_dr_xmit's only change to the frame: the real server's and our MAC.
        a.Load(SizeW, R.R3, R.R0, FastPathLayout.DestMacOffset);
        a.Store(SizeW, R.R7, 0, R.R3);
        a.Load(SizeH, R.R3, R.R0, FastPathLayout.DestMacOffset + 4);
        a.Store(SizeH, R.R7, 4, R.R3);
        a.Load(SizeW, R.R3, R.R0, FastPathLayout.SourceMacOffset);
        a.Store(SizeW, R.R7, 6, R.R3);
        a.Load(SizeH, R.R3, R.R0, FastPathLayout.SourceMacOffset + 4);
        a.Store(SizeH, R.R7, 10, R.R3);

        // ip_vs_in_stats for the real server, per CPU (no atomics needed).
        a.LoadMap(R.R1, maps.CountersFd);
        a.Mov64(R.R2, R.R10);
        a.Alu64(OpAdd, R.R2, Slot);
        a.Call(HelperMapLookupElem);
        a.Jump(JumpEq, R.R0, 0, stamp);
        a.Load(SizeDw, R.R3, R.R0, FastPathLayout.CounterPacketsOffset);
        a.Alu64(OpAdd, R.R3, 1);
        a.Store(SizeDw, R.R0, FastPathLayout.CounterPacketsOffset, R.R3);
        a.Load(SizeDw, R.R3, R.R0, FastPathLayout.CounterBytesOffset);
        a.Load(SizeDw, R.R4, R.R10, IpLength);
        a.Alu64(OpAdd, R.R3, R.R4);
        a.Store(SizeDw, R.R0, FastPathLayout.CounterBytesOffset, R.R3);

        // Last seen, for lvsd's timers (bpf_ktime_get_ns: CLOCK_MONOTONIC, the worker's clock).
        a.Mark(stamp);
        a.Call(HelperKtimeGetNs);
        a.Load(SizeDw, R.R1, R.R10, FlowValue);
        a.Store(SizeDw, R.R1, FastPathLayout.FlowLastSeenOffset, R.R0);

        a.Load(SizeW, R.R1, R.R10, EgressIfIndex);
        a.Load(SizeW, R.R2, R.R6, XdpIngressIfIndex);
        a.Jump(JumpNe, R.R1, R.R2, redirect);
        a.Mov64(R.R0, XdpTx);
        a.Exit();
        a.Mark(redirect);
        a.Mov64(R.R2, 0);
        a.Call(HelperRedirect);
        a.Exit();
    }

    /// <summary>
    /// Falls through when the transport checksum is not the folded pseudo-header sum (what a
    /// CHECKSUM_PARTIAL frame carries), jumps to <paramref name="steer"/> when it is. The sum is
    /// taken over little-endian loads, which one's-complement arithmetic allows as long as every
    /// term is in the same byte order: the protocol and length words are swapped to match.
    /// The addresses come from the steering keys (an IPv4 address followed by zeros).
    /// </summary>
    private static void EmitPartialChecksumTest(BpfAssembler a, BpfLabel steer, BpfLabel udpField, BpfLabel compare)
    {
        a.Mov64(R.R1, 0);
        foreach (var key in (ReadOnlySpan<short>)[SteeringProgram.KeyB, SteeringProgram.KeyA])
        {
            for (short word = 0; word < 16; word += 4)
            {
                a.Load(SizeW, R.R2, R.R10, (short)(key + word));
                a.Alu64(OpAdd, R.R1, R.R2);
            }
        }

        a.Load(SizeB, R.R2, R.R10, ProtocolOnStack);
        a.Alu64(OpLsh, R.R2, 8);
        a.Alu64(OpAdd, R.R1, R.R2);
        a.Load(SizeDw, R.R2, R.R10, TransportLength);
        a.ToBigEndian16(R.R2);
        a.Alu64(OpAdd, R.R1, R.R2);
        for (var fold = 0; fold < 3; fold++)
        {
            a.Mov64(R.R2, R.R1);
            a.Alu64(OpRsh, R.R2, 16);
            a.Alu64(OpAnd, R.R1, 0xFFFF);
            a.Alu64(OpAdd, R.R1, R.R2);
        }

        // TCP's checksum is 16 bytes in, UDP's 6 (RFC 9293 section 3.1, RFC 768).
        a.Load(SizeB, R.R3, R.R10, ProtocolOnStack);
        a.Jump(JumpNe, R.R3, 6, udpField);
        a.Mov64(R.R4, R.R9);
        a.Alu64(OpAdd, R.R4, 18);
        a.Jump(JumpGt, R.R4, R.R8, steer);
        a.Load(SizeH, R.R2, R.R9, 16);
        a.Jump(compare);
        a.Mark(udpField);
        a.Load(SizeH, R.R2, R.R9, 6);
        a.Mark(compare);
        a.Jump(JumpEq, R.R1, R.R2, steer);
    }
}
