using SharpLvs.Core.Pipeline;
using SharpLvs.Packets;

namespace SharpLvs.Linux.Ports;

/// <summary>
/// The classic-BPF program that picks a worker for each frame of a PACKET_FANOUT_CBPF group
/// (lvsd --workers, docs/workers.md): fanout_demux_bpf (net/packet/af_packet.c) runs it on the
/// skb before any member sees it, offset 0 being the network header, and takes its return
/// value modulo the members, which joined in worker order. The decision mirrors
/// <see cref="FlowSteering"/>:
/// <list type="number">
/// <item>to a FULLNAT local address (LIP), TCP or UDP, not a later fragment: lport % N;</item>
/// <item>to a VIP: the hash of the source (the client), under the VIP's persistence mask;</item>
/// <item>from a NAT real server (RIP): the hash of the destination (the client), under the
/// same mask as the VIPs it serves (<see cref="SteeringPlan"/>);</item>
/// <item>an ICMP error is steered by the packet it quotes, which the director sent: to a VIP
/// (quoting VIP → CIP) by the quoted destination, to a LIP by the quoted local port, any
/// other (quoting CIP → RIP, from a router) by the quoted source;</item>
/// <item>anything else: the hash of the source (whatever is not the director's: that it
/// lands on some worker is all that matters).</item>
/// </list>
/// Addresses only are compared, never ports: a later fragment carries none, and it must go
/// where its first fragment went.
/// </summary>
internal static class FanoutProgram
{
    /// <summary>BPF_MAXINSNS: the longest classic program the kernel takes.</summary>
    public const int MaxInstructions = 4096;

    // linux/filter.h: SKF_AD_OFF + SKF_AD_PROTOCOL, the skb's protocol in host order.
    private const uint AncillaryProtocol = 0xFFFFF000;

    private const ushort LdW = 0x20, LdH = 0x28, LdB = 0x30, LdWInd = 0x40, LdHInd = 0x48, LdBInd = 0x50, LdxMsh = 0xB1;
    private const ushort JaK = 0x05, JeqK = 0x15, JgeK = 0x35, JsetK = 0x45;
    private const ushort RetK = 0x06, RetA = 0x16;
    private const ushort RshK = 0x74, XorX = 0xAC, MulK = 0x24, ModK = 0x94, AndK = 0x54, Tax = 0x07;

    /// <summary>The program for <paramref name="workers"/> members; null when it would exceed <see cref="MaxInstructions"/>.</summary>
    public static Interop.SockFilter[]? Build(
        int workers, IEnumerable<SteeredAddress> virtualAddresses, IEnumerable<SteeredAddress> natServers, IEnumerable<InetAddress> localAddresses)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(workers, 1);
        var vips = virtualAddresses.DistinctBy(a => a.Address).ToArray();
        var rips = natServers.DistinctBy(a => a.Address).ToArray();
        var lips = localAddresses.Distinct().ToArray();
        var b = new Builder();

        b.Emit(LdH, AncillaryProtocol);
        b.Emit(JeqK, 0x0800, 0, 1);
        b.Jump("v4");
        b.Emit(JeqK, 0x86DD, 0, 1);
        b.Jump("v6");
        b.Emit(RetK, 0);

        // IPv4: to a LIP, to a VIP (a request, even from a real server), from a NAT RIP.
        b.Label("v4");
        b.Emit(LdW, 16);
        foreach (var lip in lips.Where(a => a.IsIPv4))
        {
            b.Emit(JeqK, lip.V4, 0, 1);
            b.Jump("v4-lip");
        }

        foreach (var vip in vips.Where(a => a.Address.IsIPv4))
        {
            b.Emit(JeqK, vip.Address.V4, 0, 1);
            b.Jump($"v4-vip/{vip.V4Mask:x}");
        }

        b.Emit(LdW, 12);
        foreach (var rip in rips.Where(a => a.Address.IsIPv4))
        {
            b.Emit(JeqK, rip.Address.V4, 0, 1);
            b.Jump($"v4-dst/{rip.V4Mask:x}");
        }

        // Neither: an ICMP error about a request the director forwarded (from a router between
        // it and a NAT real server) quotes CIP → RIP; anything else is hashed on its source.
        b.IcmpErrorV4("v4-src");
        b.Emit(LdWInd, 20);
        b.Jump("mix");

        b.Label("v4-lip");
        b.Emit(LdB, 9);
        b.Emit(JeqK, 6, 2, 0);
        b.Emit(JeqK, 17, 1, 0);
        b.Jump("v4-lip-icmp");

        // A later fragment (offset != 0) has no port: hashed like any other packet.
        b.Emit(LdH, 6);
        b.Emit(JsetK, 0x1FFF, 0, 1);
        b.Jump("v4-src");
        b.Emit(LdxMsh, 0);
        b.Emit(LdHInd, 2);
        b.Emit(ModK, (uint)workers);
        b.Emit(RetA, 0);

        // An ICMP error to a LIP quotes LIP:lport → RIP:rport (an inner header of 20 bytes).
        b.Label("v4-lip-icmp");
        b.IcmpErrorV4("v4-src");
        b.Emit(LdHInd, 28);
        b.Emit(ModK, (uint)workers);
        b.Emit(RetA, 0);

        // The client's network under a VIP's persistence netmask (SteeredAddress.Network); an
        // ICMP error to a VIP quotes a reply VIP → CIP, whose destination is the client.
        foreach (var mask in vips.Where(a => a.Address.IsIPv4).Select(a => a.V4Mask).Distinct())
        {
            b.Label($"v4-vip/{mask:x}");
            b.IcmpErrorV4($"v4-vip-own/{mask:x}");
            b.Emit(LdWInd, 24);
            b.And(mask);
            b.Jump("mix");
            b.Label($"v4-vip-own/{mask:x}");
            b.Emit(LdW, 12);
            b.And(mask);
            b.Jump("mix");
        }

        foreach (var mask in rips.Where(a => a.Address.IsIPv4).Select(a => a.V4Mask).Distinct())
        {
            b.Label($"v4-dst/{mask:x}");
            b.Emit(LdW, 16);
            b.And(mask);
            b.Jump("mix");
        }

        b.Label("v6");
        foreach (var lip in lips.Where(a => !a.IsIPv4))
        {
            b.MatchV6(24, lip, "v6-lip");
        }

        foreach (var vip in vips.Where(a => !a.Address.IsIPv4))
        {
            b.MatchV6(24, vip.Address, $"v6-vip/{vip.V6Bits}");
        }

        foreach (var rip in rips.Where(a => !a.Address.IsIPv4))
        {
            b.MatchV6(8, rip.Address, $"v6-dst/{rip.V6Bits}");
        }

        // As IPv4; the quoted header starts at 48 (fixed header and ICMPv6 header).
        b.IcmpErrorV6("v6-src");
        b.FoldV6(56, 128);
        b.Jump("mix");

        // The next header right after the fixed header only: a fragment header (44) means no
        // port here, and the packet is hashed like any other.
        b.Label("v6-lip");
        b.Emit(LdB, 6);
        b.Emit(JeqK, 6, 2, 0);
        b.Emit(JeqK, 17, 1, 0);
        b.Jump("v6-lip-icmp");
        b.Emit(LdH, 42);
        b.Emit(ModK, (uint)workers);
        b.Emit(RetA, 0);
        b.Label("v6-lip-icmp");
        b.IcmpErrorV6("v6-src");
        b.Emit(LdH, 88);
        b.Emit(ModK, (uint)workers);
        b.Emit(RetA, 0);

        foreach (var bits in vips.Where(a => !a.Address.IsIPv4).Select(a => a.V6Bits).Distinct())
        {
            b.Label($"v6-vip/{bits}");
            b.IcmpErrorV6($"v6-vip-own/{bits}");
            b.FoldV6(72, bits);
            b.Jump("mix");
            b.Label($"v6-vip-own/{bits}");
            b.FoldV6(8, bits);
            b.Jump("mix");
        }

        foreach (var bits in rips.Where(a => !a.Address.IsIPv4).Select(a => a.V6Bits).Distinct())
        {
            b.Label($"v6-dst/{bits}");
            b.FoldV6(24, bits);
            b.Jump("mix");
        }

        // Classic BPF jumps forward only: the shared tails come last.
        b.Label("v4-src");
        b.Emit(LdW, 12);
        b.Jump("mix");
        b.Label("v6-src");
        b.FoldV6(8, 128);

        // FlowSteering.AddressHash's mix, then the worker.
        b.Label("mix");
        b.Emit(Tax, 0);
        b.Emit(RshK, 16);
        b.Emit(XorX, 0);
        b.Emit(MulK, FlowSteering.MixMultiplier);
        b.Emit(Tax, 0);
        b.Emit(RshK, 16);
        b.Emit(XorX, 0);
        b.Emit(ModK, (uint)workers);
        b.Emit(RetA, 0);
        return b.Count > MaxInstructions ? null : b.Resolve();
    }

    private sealed class Builder
    {
        private readonly List<Interop.SockFilter> _code = [];
        private readonly Dictionary<string, int> _labels = [];
        private readonly List<(int At, string Label)> _jumps = [];

        public int Count => _code.Count;

        public void Emit(ushort code, uint k, byte jumpTrue = 0, byte jumpFalse = 0) =>
            _code.Add(new Interop.SockFilter { Code = code, K = k, JumpTrue = jumpTrue, JumpFalse = jumpFalse });

        public void Jump(string label)
        {
            _jumps.Add((_code.Count, label));
            Emit(JaK, 0);
        }

        public void Label(string name) => _labels[name] = _code.Count;

        /// <summary>A &amp;= <paramref name="mask"/>, unless it keeps every bit.</summary>
        public void And(uint mask)
        {
            if (mask != uint.MaxValue)
            {
                Emit(AndK, mask);
            }
        }

        /// <summary>
        /// Falls through, X = the IPv4 header's length, for an ICMP error that quotes a
        /// packet (destination unreachable, source quench, time exceeded, parameter problem;
        /// not in a later fragment); jumps to <paramref name="notError"/> otherwise.
        /// </summary>
        public void IcmpErrorV4(string notError)
        {
            Emit(LdB, 9);
            Emit(JeqK, 1, 1, 0);
            Jump(notError);
            Emit(LdH, 6);
            Emit(JsetK, 0x1FFF, 0, 1);
            Jump(notError);
            Emit(LdxMsh, 0);
            Emit(LdBInd, 0);
            Emit(JeqK, 3, 4, 0);
            Emit(JeqK, 4, 3, 0);
            Emit(JeqK, 11, 2, 0);
            Emit(JeqK, 12, 1, 0);
            Jump(notError);
        }

        /// <summary>Falls through for an ICMPv6 error (type below 128) right after the fixed header; jumps to <paramref name="notError"/> otherwise.</summary>
        public void IcmpErrorV6(string notError)
        {
            Emit(LdB, 6);
            Emit(JeqK, 58, 1, 0);
            Jump(notError);
            Emit(LdB, 40);
            Emit(JgeK, 128, 0, 1);
            Jump(notError);
        }

        /// <summary>Jumps to <paramref name="label"/> when the 16 bytes at <paramref name="offset"/> are <paramref name="address"/>.</summary>
        public void MatchV6(uint offset, InetAddress address, string label)
        {
            ReadOnlySpan<uint> words = [(uint)(address.High >> 32), (uint)address.High, (uint)(address.Low >> 32), (uint)address.Low];
            for (var i = 0; i < 4; i++)
            {
                Emit(LdW, offset + (uint)(4 * i));
                Emit(JeqK, words[i], 0, (byte)(7 - (2 * i)));
            }

            Jump(label);
        }

        /// <summary>A = the XOR of the four words at <paramref name="offset"/>, masked to the first <paramref name="bits"/> bits.</summary>
        public void FoldV6(uint offset, int bits)
        {
            for (var i = 0; i < 4; i++)
            {
                var keep = Math.Clamp(bits - (32 * i), 0, 32);
                if (i > 0)
                {
                    Emit(Tax, 0);
                }

                Emit(LdW, offset + (uint)(4 * i));
                if (keep < 32)
                {
                    Emit(AndK, keep == 0 ? 0 : uint.MaxValue << (32 - keep));
                }

                if (i > 0)
                {
                    Emit(XorX, 0);
                }
            }
        }

        public Interop.SockFilter[] Resolve()
        {
            var code = _code.ToArray();
            foreach (var (at, label) in _jumps)
            {
                // bpf_check_classic takes forward jumps only.
                var offset = _labels[label] - at - 1;
                if (offset < 0)
                {
                    throw new InvalidOperationException($"backward jump to {label}");
                }

                code[at].K = (uint)offset;
            }

            return code;
        }
    }
}
