using System.Buffers.Binary;
using System.Collections.Immutable;
using SharpLvs.Core.Pipeline;
using SharpLvs.Core.Scheduling;
using SharpLvs.Core.Services;
using SharpLvs.Core.Tests.Forwarding;
using SharpLvs.Packets;
using static SharpLvs.Core.Tests.Forwarding.TunnelLab;
using static SharpLvs.Core.Tests.Pipeline.PipelineLab;
using static SharpLvs.Core.Tests.TestServices;

namespace SharpLvs.Core.Tests.Pipeline;

/// <summary>
/// ip_vs_leave: a new connection no real server can take is answered with ICMP (v6)
/// destination unreachable / port unreachable from the VIP, out of the ingress interface.
/// Expected frames are built here from RFC 792 / RFC 4443 §3.1, not by the writer under test.
/// </summary>
public class LeaveTests
{
    private const long T0 = 1_000_000;
    private const int Eth = 14;

    private static readonly InetAddress Client6Other = InetAddress.Parse("fd00:198:18:2::11");

    /// <summary>Description → (set the lab up, the client's frame).</summary>
    private static readonly Dictionary<string, (Action<PipelineLab> Setup, Func<byte[]> Input)> Cases = new()
    {
        ["TCP SYN, every real server at weight 0"] = (lab => (lab.A.Weight, lab.B.Weight) = (0, 0), () => Syn(40000)),
        ["TCP SYN, every real server deleted"] = (Deleted, () => Syn(40000)),
        ["TCP SYN, every real server at its upper threshold"] = (Overloaded, () => Syn(40000)),
        ["TCP SYN, persistent service, every real server at weight 0"] = (PersistentDead, () => Syn(40000)),
        ["TCP SYN with TOS 0x10: the error keeps RT_TOS, precedence network control"] = (lab => (lab.A.Weight, lab.B.Weight) = (0, 0), () => WithTos(Syn(40000), 0x10)),
        ["VLAN-tagged TCP SYN: the error keeps the tag"] = (lab => (lab.A.Weight, lab.B.Weight) = (0, 0), () => Syn(40000, vlan: 7)),
        ["UDP datagram, its only real server at weight 0"] = (lab => lab.A.Weight = 0, () => Udp4(new byte[12])),
        ["UDP datagram of 1000 bytes: the quote stops at 576 bytes of error"] = (lab => lab.A.Weight = 0, () => Udp4(new byte[1000])),
        ["IPv6 TCP SYN, its only real server at weight 0"] = (lab => lab.A6.Weight = 0, () => FrameBuilder.Tcp(DirectorMac, ClientMac, Client6, 40000, Vip6, 80, TcpFlags.Syn, seq: 1000)),
        ["IPv6 UDP datagram, its only real server at weight 0"] = (Udp6Dead, () => Udp6(new byte[12])),
        ["IPv6 UDP datagram of 1400 bytes: the quote stops at 1280 bytes of error"] = (Udp6Dead, () => Udp6(new byte[1400])),
    };

    public static TheoryData<string> CaseNames => [.. Cases.Keys];

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void Process_NoRealServer_AnsweredWithPortUnreachable(string description)
    {
        var lab = new PipelineLab();
        var (setup, input) = Cases[description];
        setup(lab);
        var frame = input();
        var expected = Expected(frame, id: 1);
        var packet = new HeadroomFrame(frame);
        var connections = lab.Connections.Count;

        lab.Processor.Process(ref packet.Packet, T0);

        Assert.Equal((Verdict.Transmit, DropReason.None), (packet.Packet.Verdict, packet.Packet.Reason));
        Assert.Equal(IngressIf, packet.Packet.EgressIfIndex);
        Assert.Equal(Convert.ToHexString(expected), Convert.ToHexString(packet.Output));
        Assert.Equal(connections, lab.Connections.Count);
        Assert.Equal(1, lab.Counters.IcmpErrors);
        Assert.Equal(1, lab.Counters.Dropped(DropReason.NoRealServer));
    }

    [Fact]
    public void Process_NoRealServer_CountedAsNoRealServerPlusIcmpErrorNotAsDropVerdict()
    {
        var lab = new PipelineLab();
        lab.A.Weight = 0;
        lab.B.Weight = 0;
        var frame = new HeadroomFrame(Syn(40000));

        lab.Processor.Process(ref frame.Packet, T0);

        Assert.Equal(1, lab.Counters.Count(Verdict.Transmit));
        Assert.Equal(0, lab.Counters.Count(Verdict.Drop));
        var all = lab.Counters.ReadAll().ToDictionary(p => p.Key, p => p.Value);
        Assert.Equal(1, all["Drop.NoRealServer"]);
        Assert.Equal(1, all["IcmpErrors"]);
        Assert.Equal(0, all["IcmpRateLimitHost"]);
        Assert.Equal(0, all["IcmpRateLimitGlobal"]);
        Assert.Equal(0, lab.A.Stats.Connections + lab.B.Stats.Connections);
    }

    [Fact]
    public void Process_AckToDeadService_DroppedNoConnectionWithoutIcmp()
    {
        // tcp_conn_schedule: only a SYN is scheduled, so only a SYN can reach ip_vs_leave.
        var lab = new PipelineLab();
        lab.A.Weight = 0;
        lab.B.Weight = 0;
        var frame = new HeadroomFrame(Tcp(Client, 40000, TcpFlags.Ack));

        lab.Processor.Process(ref frame.Packet, T0);

        Assert.Equal((Verdict.Drop, DropReason.NoConnection), (frame.Packet.Verdict, frame.Packet.Reason));
        Assert.Equal(0, lab.Counters.IcmpErrors);
    }

    [Theory]
    [InlineData("0.0.0.0")]
    [InlineData("0.1.2.3")]
    [InlineData("127.0.0.1")]
    [InlineData("224.0.0.5")]
    [InlineData("239.255.255.250")]
    [InlineData("255.255.255.255")]
    [InlineData("::")]
    [InlineData("::1")]
    [InlineData("ff02::1")]
    public void Process_NoRealServerFromNonUnicastSource_DroppedWithoutIcmp(string source)
    {
        var lab = new PipelineLab();
        (lab.A.Weight, lab.B.Weight, lab.A6.Weight) = (0, 0, 0);
        var client = InetAddress.Parse(source);
        var input = client.IsIPv4
            ? FrameBuilder.Tcp(DirectorMac, ClientMac, client, 40000, Vip, 80, TcpFlags.Syn)
            : FrameBuilder.Tcp(DirectorMac, ClientMac, client, 40000, Vip6, 80, TcpFlags.Syn);
        var frame = new HeadroomFrame(input);

        lab.Processor.Process(ref frame.Packet, T0);

        Assert.Equal((Verdict.Drop, DropReason.NoRealServer), (frame.Packet.Verdict, frame.Packet.Reason));
        Assert.Equal(0, lab.Counters.IcmpErrors);
    }

    [Fact]
    public void Process_NoRealServerWithoutRoomForTheError_DroppedNoRealServer()
    {
        var lab = new PipelineLab();
        lab.A.Weight = 0;
        lab.B.Weight = 0;
        var frame = new HeadroomFrame(Syn(40000), headroom: 20);

        lab.Processor.Process(ref frame.Packet, T0);

        Assert.Equal((Verdict.Drop, DropReason.NoRealServer), (frame.Packet.Verdict, frame.Packet.Reason));
        Assert.Equal(0, lab.Counters.IcmpErrors);
        Assert.Equal(1, lab.Counters.Dropped(DropReason.NoRealServer));
    }

    [Fact]
    public void Process_FragmentedDatagramToDeadService_FirstAnsweredTheRestDropped()
    {
        // icmp_send answers only fragment 0; the kernel never reassembles the rest for IPVS.
        var lab = new PipelineLab();
        lab.A.Weight = 0;
        var fragments = Fragmenter.Ipv4(Udp4(new byte[3000]), id: 77);
        var first = new HeadroomFrame(fragments[0]);

        lab.Processor.Process(ref first.Packet, T0);
        var rest = fragments[1..].Select(f =>
        {
            var frame = new HeadroomFrame(f);
            lab.Processor.Process(ref frame.Packet, T0);
            return (frame.Packet.Verdict, frame.Packet.Reason);
        }).ToArray();

        Assert.Equal(Verdict.Transmit, first.Packet.Verdict);
        Assert.Equal(Convert.ToHexString(Expected(fragments[0], id: 1)), Convert.ToHexString(first.Output));
        Assert.All(rest, r => Assert.Equal((Verdict.Drop, DropReason.NotFirstFragment), r));
        Assert.Equal(1, lab.Counters.IcmpErrors);
    }

    [Fact]
    public void Process_SynFloodFromOneClient_SixErrorsThenOnePerSecond()
    {
        // inet_peer_xrlim_allow with icmp_ratelimit 1000 ms and XRLIM_BURST_FACTOR 6.
        var lab = new PipelineLab();
        lab.A.Weight = 0;
        lab.B.Weight = 0;

        var burst = Verdicts(lab, Client, 10, T0);
        var halfSecond = Verdicts(lab, Client, 1, T0 + 500);
        var second = Verdicts(lab, Client, 2, T0 + 1000);

        Assert.Equal("TTTTTTDDDD", burst);
        Assert.Equal("D", halfSecond);
        Assert.Equal("TD", second);
        Assert.Equal(7, lab.Counters.IcmpErrors);
        Assert.Equal(6, lab.Counters.IcmpRateLimitHost);
        Assert.Equal(13, lab.Counters.Dropped(DropReason.NoRealServer));
    }

    [Fact]
    public void Process_SynFloodFromManyClients_FiftyErrorsThenThousandPerSecond()
    {
        // icmp_global_allow: icmp_msgs_burst 50, icmp_msgs_per_sec 1000, refilled every HZ/50.
        var lab = new PipelineLab();
        lab.A.Weight = 0;
        lab.B.Weight = 0;
        var sent = 0;
        for (var i = 0; i < 60; i++)
        {
            sent += Verdicts(lab, InetAddress.FromV4(0xC6120300u + (uint)i), 1, T0) == "T" ? 1 : 0;
        }

        var early = Verdicts(lab, InetAddress.FromV4(0xC6120400u), 1, T0 + 19);
        var later = 0;
        for (var i = 0; i < 30; i++)
        {
            later += Verdicts(lab, InetAddress.FromV4(0xC6120500u + (uint)i), 1, T0 + 20) == "T" ? 1 : 0;
        }

        Assert.Equal(50, sent);
        Assert.Equal("D", early);
        Assert.Equal(20, later);
        Assert.Equal(10 + 1 + 10, lab.Counters.IcmpRateLimitGlobal);
        Assert.Equal(0, lab.Counters.IcmpRateLimitHost);
    }

    [Fact]
    public void ProcessBatch_WarmedUpDeadServiceTraffic_AllocatesNothing()
    {
        var lab = new PipelineLab();
        Udp6Dead(lab);
        (lab.A.Weight, lab.B.Weight, lab.A6.Weight) = (0, 0, 0);
        byte[][] originals =
        [
            Syn(30000), Syn(30001, vlan: 4), Udp4(new byte[8]),
            FrameBuilder.Tcp(DirectorMac, ClientMac, Client6, 30002, Vip6, 80, TcpFlags.Syn), Udp6(new byte[8]),
            Tcp(Client, 30003, TcpFlags.Ack),
            FrameBuilder.Tcp(DirectorMac, ClientMac, InetAddress.Parse("224.0.0.1"), 1, Vip, 80, TcpFlags.Syn),
            Syn(30004), Syn(30005), Syn(30006), Syn(30007), // past the client's burst: rate-limited
        ];
        var frames = new HeadroomFrame[originals.Length];
        var batch = new PacketBatch(originals.Length);
        void Load()
        {
            for (var i = 0; i < frames.Length; i++)
            {
                frames[i] = new HeadroomFrame(originals[i]);
                batch.Items[i] = frames[i].Packet;
            }

            batch.Count = frames.Length;
        }

        Load();
        lab.Processor.ProcessBatch(batch, T0);
        Load();

        var before = GC.GetAllocatedBytesForCurrentThread();
        lab.Processor.ProcessBatch(batch, T0 + 5000);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(0, allocated);
        Assert.Contains(batch.Items, d => d.Verdict == Verdict.Transmit);
        Assert.Contains(batch.Items, d => d.Verdict == Verdict.Drop && d.Reason == DropReason.NoRealServer);
        Assert.True(lab.Counters.IcmpRateLimitHost > 0);
    }

    /// <summary>
    /// The error as RFC 792 (IPv4: type 3 code 3, 4 unused bytes, the offending IP packet cut
    /// to a 576-byte error, RFC 1812 §4.3.2.3) or RFC 4443 §3.1 (type 1 code 4, cut to 1280
    /// bytes, §2.4 (c)) lays it out, with the link header's MACs swapped.
    /// </summary>
    private static byte[] Expected(byte[] input, ushort id)
    {
        var link = input.AsSpan(12, 2).SequenceEqual(new byte[] { 0x81, 0x00 }) ? Eth + 4 : Eth;
        var ipv6 = input[link - 2] == 0x86;
        var offending = input.AsSpan(link);
        var headers = ipv6 ? 48 : 28;
        var quote = offending[..Math.Min(offending.Length, (ipv6 ? 1280 : 576) - headers)];
        var output = new byte[link + headers + quote.Length];
        input.AsSpan(6, 6).CopyTo(output);
        input.AsSpan(0, 6).CopyTo(output.AsSpan(6));
        input.AsSpan(12, link - 12).CopyTo(output.AsSpan(12));
        var ip = output.AsSpan(link);
        quote.CopyTo(ip[headers..]);
        if (ipv6)
        {
            ip[0] = 0x60;                                                      // version 6, traffic class 0, flow label 0
            BinaryPrimitives.WriteUInt16BigEndian(ip[4..], (ushort)(8 + quote.Length));
            ip[6] = 58;                                                        // ICMPv6
            ip[7] = 64;                                                        // hop limit
            offending.Slice(24, 16).CopyTo(ip[8..]);                           // from the VIP
            offending.Slice(8, 16).CopyTo(ip[24..]);                           // to the client
            var icmp = ip[40..];
            icmp[0] = 1;                                                       // destination unreachable
            icmp[1] = 4;                                                       // port unreachable
            var sum = OnesSum(icmp, PseudoSum(ip.Slice(8, 16), ip.Slice(24, 16), 58, icmp.Length));
            BinaryPrimitives.WriteUInt16BigEndian(icmp[2..], (ushort)~sum);
        }
        else
        {
            ip[0] = 0x45;
            ip[1] = (byte)((offending[1] & 0x1E) | 0xC0);                      // RT_TOS kept, precedence internetwork control
            BinaryPrimitives.WriteUInt16BigEndian(ip[2..], (ushort)(28 + quote.Length));
            BinaryPrimitives.WriteUInt16BigEndian(ip[4..], id);                // no DF, offset 0
            ip[8] = 64;                                                        // TTL
            ip[9] = 1;                                                         // ICMP
            offending.Slice(16, 4).CopyTo(ip[12..]);                           // from the VIP
            offending.Slice(12, 4).CopyTo(ip[16..]);                           // to the client
            BinaryPrimitives.WriteUInt16BigEndian(ip[10..], (ushort)~OnesSum(ip[..20]));
            var icmp = ip[20..];
            icmp[0] = 3;                                                       // destination unreachable
            icmp[1] = 3;                                                       // port unreachable
            BinaryPrimitives.WriteUInt16BigEndian(icmp[2..], (ushort)~OnesSum(icmp));
        }

        return output;
    }

    /// <summary>Sends <paramref name="count"/> SYNs from <paramref name="client"/> and spells the verdicts ("T"ransmit, "D"rop).</summary>
    private static string Verdicts(PipelineLab lab, InetAddress client, int count, long nowMs)
    {
        var verdicts = new char[count];
        for (var i = 0; i < count; i++)
        {
            var frame = new HeadroomFrame(Tcp(client, (ushort)(50000 + i), TcpFlags.Syn));
            lab.Processor.Process(ref frame.Packet, nowMs);
            verdicts[i] = frame.Packet.Verdict == Verdict.Transmit ? 'T' : 'D';
        }

        return new string(verdicts);
    }

    private static void Deleted(PipelineLab lab)
    {
        lab.A.Available = false;
        lab.B.Available = false;
        lab.SetWebServers();
    }

    private static void Overloaded(PipelineLab lab)
    {
        // ip_vs_bind_dest sets IP_VS_DEST_F_OVERLOAD when a connection brings the total to -x.
        lab.A.UpperThreshold = 1;
        lab.B.UpperThreshold = 1;
        lab.Run(Syn(1000), T0);
        lab.Run(Syn(1001), T0);
        Assert.True(lab.A.IsOverloaded && lab.B.IsOverloaded);
    }

    private static void PersistentDead(PipelineLab lab)
    {
        lab.A.Weight = 0;
        lab.B.Weight = 0;
        PersistenceTests.Publish(lab, PersistenceTests.Persistent(lab, new ServiceKey(IpProtocols.Tcp, Vip, 80), 300));
    }

    private static void Udp6Dead(PipelineLab lab)
    {
        var servers = ImmutableArray.Create(lab.A6);
        var dns6 = new VirtualService(new ServiceKey(IpProtocols.Udp, Vip6, 53), SchedulerNames.RoundRobin,
            SchedulerRegistry.Default.Create(SchedulerNames.RoundRobin, servers, null), servers);
        lab.Holder.Publish(new ServiceTable([lab.Web, lab.Dns, lab.Web6, dns6], lab.Holder.Current.ArpAnswers));
        lab.A6.Weight = 0;
    }

    private static byte[] Udp4(byte[] payload) => FrameBuilder.Udp(DirectorMac, ClientMac, Client, 40000, Vip, 53, payload);

    private static byte[] Udp6(byte[] payload) => FrameBuilder.Udp(DirectorMac, ClientMac, Client6Other, 40000, Vip6, 53, payload);

    private static byte[] WithTos(byte[] frame, byte tos)
    {
        frame[Eth + 1] = tos;
        frame[Eth + 10] = 0;
        frame[Eth + 11] = 0;
        BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(Eth + 10), (ushort)~OnesSum(frame.AsSpan(Eth, 20)));
        return frame;
    }
}
