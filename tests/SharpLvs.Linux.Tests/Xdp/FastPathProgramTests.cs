using System.Buffers.Binary;
using System.Net;
using SharpLvs.Core.Connections;
using SharpLvs.Core.Services;
using SharpLvs.Linux.Tests.Testbed;
using SharpLvs.Linux.Xdp;
using SharpLvs.Packets;
using static SharpLvs.Linux.Xdp.BpfInstruction;

namespace SharpLvs.Linux.Tests.Xdp;

/// <summary>
/// The established-flow fast path (lvsd --fast-path): its place in the generated program, and
/// in the kernel (BPF_PROG_TEST_RUN, which runs on the namespace's loopback, ifindex 1) what it
/// does to frames of offered and other flows: XDP_TX with the real server's MACs, or falling
/// through to the steering (XDP_REDIRECT into the AF_XDP socket).
/// </summary>
public class FastPathProgramTests
{
    private const uint XdpTx = 3;
    private const uint XdpRedirect = 4;

    private static readonly MacAddress Client = MacAddress.Read([0x02, 0, 0, 0, 0, 1]);
    private static readonly MacAddress Director = MacAddress.Read([0x02, 0, 0, 0, 0, 2]);
    private static readonly MacAddress ServerMac = MacAddress.Read([0x02, 0, 0, 0, 0, 3]);
    private static readonly InetAddress ClientIp = A("198.18.0.1");
    private static readonly InetAddress Vip = A("198.18.0.100");
    private static readonly InetAddress Rip = A("198.18.1.10");
    private static readonly InetAddress Client6 = A("fd00:198:18::1");
    private static readonly InetAddress Vip6 = A("fd00:198:18::100");

    private static readonly FlowKey Udp4 = new(IpProtocols.Udp, ClientIp, 40000, Vip, 53);
    private static readonly FlowKey Tcp4 = new(IpProtocols.Tcp, ClientIp, 40001, Vip, 80);
    private static readonly FlowKey Tcp6 = new(IpProtocols.Tcp, Client6, 40002, Vip6, 443);

    [Fact]
    public void Generate_WithFastPath_LooksUpFlowsDestinationsCountersBeforeSteering()
    {
        var code = SteeringProgram.Generate(11, 12, 13, 14, new FastPathMaps(21, 22, 23));

        var maps = code.Where(i => i.Code == (ClassLd | ModeImm | SizeDw)).Select(i => i.Immediate).ToList();
        Assert.Equal([21, 22, 23, 11, 12, 13, 14], maps);

        // lookup (flows, destinations, counters), ktime_get_ns, redirect; then the steering's.
        Assert.Equal([1, 1, 1, 5, 23, 1, 1, 1, 51], code.Where(i => i.Code == (ClassJmp | JumpCall)).Select(i => i.Immediate));
        Assert.Equal(3, code.Count(i => i.Code == (ClassJmp | JumpExit)) - 1);
    }

    [Fact]
    public void Generate_WithoutFastPath_IsTheSteeringProgramAlone()
    {
        Assert.Equal(SteeringProgram.Generate(11, 12, 13, 14), SteeringProgram.Generate(11, 12, 13, 14, null));
        Assert.DoesNotContain(SteeringProgram.Generate(11, 12, 13, 14), i => i.Code == (ClassJmp | JumpCall) && i.Immediate == 5);
    }

    public static TheoryData<string, byte[], uint> Frames => new()
    {
        { "UDP of an offered flow", Udp(Udp4), XdpTx },
        { "TCP ACK with data of an offered flow", Tcp(Tcp4, TcpFlags.Ack | TcpFlags.Psh, "GET /"u8), XdpTx },
        { "IPv6 TCP ACK of an offered flow", Tcp(Tcp6, TcpFlags.Ack), XdpTx },
        { "TCP FIN of an offered flow", Tcp(Tcp4, TcpFlags.Fin | TcpFlags.Ack), XdpRedirect },
        { "TCP RST of an offered flow", Tcp(Tcp4, TcpFlags.Rst), XdpRedirect },
        { "TCP SYN of an offered flow", Tcp(Tcp4, TcpFlags.Syn), XdpRedirect },
        { "UDP, another client port", Udp(new FlowKey(IpProtocols.Udp, ClientIp, 40009, Vip, 53)), XdpRedirect },
        { "CHECKSUM_PARTIAL UDP of an offered flow", Partial(Udp(Udp4), 14 + 20, 6, ClientIp, Vip, IpProtocols.Udp), XdpRedirect },
        { "CHECKSUM_PARTIAL TCP of an offered flow", Partial(Tcp(Tcp4, TcpFlags.Ack, "x"u8), 14 + 20, 16, ClientIp, Vip, IpProtocols.Tcp), XdpRedirect },
        { "truncated TCP header of an offered flow", Tcp(Tcp4, TcpFlags.Ack)[..(14 + 20 + 12)], XdpRedirect },
    };

    [RootTheory]
    [MemberData(nameof(Frames))]
    public void TestRun_Frame_FastPathOnlyForEstablishedPacketsOfOfferedFlows(string description, byte[] frame, uint expected)
    {
        var (verdict, output, _) = RunOffered(frame, mtu: 1500, delete: false);

        Assert.True(expected == verdict, $"{description}: XDP action {verdict}, expected {expected}");
        if (expected == XdpTx)
        {
            Assert.Equal(ServerMac, MacAddress.Read(output));
            Assert.Equal(Director, MacAddress.Read(output.AsSpan(6)));
            Assert.Equal(frame.AsSpan(12).ToArray(), output.AsSpan(12, frame.Length - 12).ToArray());
        }
    }

    [RootFact]
    public void TestRun_PartialChecksumInGenericMode_FastPathed()
    {
        // Generic XDP sends the skb itself, CHECKSUM_PARTIAL state included.
        var frame = Partial(Tcp(Tcp4, TcpFlags.Ack, "x"u8), 14 + 20, 16, ClientIp, Vip, IpProtocols.Tcp);

        var (verdict, _, _) = RunOffered(frame, mtu: 1500, delete: false, generic: true);

        Assert.Equal(XdpTx, verdict);
    }

    [RootFact]
    public void TestRun_ForwardedFrames_CountedForTheServerAndStampedLastSeen()
    {
        var frame = Udp(Udp4);
        var (verdict, _, result) = RunOffered(frame, mtu: 1500, delete: false, repeat: 3);

        Assert.Equal(XdpTx, verdict);
        Assert.Equal(3, result.ServerPackets);
        Assert.Equal(3 * (frame.Length - 14), result.ServerBytes);
        Assert.Equal(3, result.ServicePackets);
        Assert.Equal(3, result.TotalPackets);
        Assert.True(result.LastSeen, "last seen stamped");
    }

    [RootFact]
    public void TestRun_ServerDeleted_FallsThroughAfterOneDestinationWrite()
    {
        var (verdict, _, result) = RunOffered(Udp(Udp4), mtu: 1500, delete: true);

        Assert.Equal(XdpRedirect, verdict);
        Assert.Equal(0, result.ServerPackets);
    }

    [RootFact]
    public void TestRun_LongerThanTheMtu_FallsThrough()
    {
        // The datagram is 29 bytes of IP: 20 + 8 + 1.
        var (verdict, _, _) = RunOffered(Udp(Udp4), mtu: 28, delete: false);

        Assert.Equal(XdpRedirect, verdict);
    }

    [RootFact]
    public void TestRun_WithdrawnFlow_FallsThrough()
    {
        using var ns = NetworkNamespace.Create("x");
        var (before, after) = ns.Run(() =>
        {
            using var lab = Lab.Create(1500);
            var first = lab.Program.TestRun(Udp(Udp4));
            lab.Offload.Withdraw(Udp4, lab.Server);
            return (first, lab.Program.TestRun(Udp(Udp4)));
        });

        Assert.Equal(XdpTx, before);
        Assert.Equal(XdpRedirect, after);
    }

    [RootFact]
    public void Poll_DeletedServerWithoutFlows_SlotFreedAndReusedWithZeroCounters()
    {
        using var ns = NetworkNamespace.Create("x");
        var (inUseBefore, inUseAfter, newServerPackets) = ns.Run(() =>
        {
            using var lab = Lab.Create(1500);
            lab.Program.TestRun(Udp(Udp4));
            lab.Server.Available = false;
            foreach (var flow in (FlowKey[])[Udp4, Tcp4, Tcp6])
            {
                lab.Offload.Withdraw(flow, lab.Server);
            }

            var before = lab.Offload.DestinationsInUse;
            lab.Offload.Poll(10_000, lab.Totals);
            var after = lab.Offload.DestinationsInUse;

            // The slot comes back for another server, its counters from zero.
            var other = new RealServer(Rip, 0, ForwardingMethod.DirectRouting, 1) { NextHop = lab.Server.NextHop };
            Assert.True(lab.Offload.Offer(Udp4, other, lab.ServiceStats));
            lab.Program.TestRun(Udp(Udp4));
            lab.Offload.Poll(20_000, lab.Totals);
            return (before, after, other.Stats.InPackets);
        });

        Assert.Equal(1, inUseBefore);
        Assert.Equal(0, inUseAfter);
        Assert.Equal(1, newServerPackets);
    }

    [Fact]
    public void PossibleCpus_Parse_CountsRangesAndSingles()
    {
        Assert.Equal(4, PossibleCpus.Parse("0-3\n"));
        Assert.Equal(5, PossibleCpus.Parse("0,2-5"));
        Assert.Equal(1, PossibleCpus.Parse("0"));
    }

    private static (uint Verdict, byte[] Output, Result Counts) RunOffered(byte[] frame, int mtu, bool delete, int repeat = 1, bool generic = false)
    {
        using var ns = NetworkNamespace.Create("x");
        return ns.Run(() =>
        {
            using var lab = Lab.Create(mtu, generic);
            if (delete)
            {
                lab.Server.Available = false;
                lab.Offload.Poll(0, lab.Totals);
            }

            uint verdict = 0;
            byte[] output = [];
            for (var i = 0; i < repeat; i++)
            {
                verdict = lab.Program.TestRun(frame, out output);
            }

            lab.Offload.Poll(10_000, lab.Totals);
            var seen = lab.Offload.TryGetLastSeen(Udp4, out _);
            return (verdict, output, new Result(lab.Server.Stats.InPackets, lab.Server.Stats.InBytes, lab.ServiceStats.InPackets, lab.Totals.InPackets, seen));
        });
    }

    private static byte[] Udp(FlowKey flow) => FrameBuilder.Udp(Director, Client, flow.Source, flow.SourcePort, flow.Destination, flow.DestinationPort, "q"u8);

    private static byte[] Tcp(FlowKey flow, TcpFlags flags, ReadOnlySpan<byte> payload = default) =>
        FrameBuilder.Tcp(Director, Client, flow.Source, flow.SourcePort, flow.Destination, flow.DestinationPort, flags, payload);

    private static byte[] Partial(byte[] frame, int transport, int field, InetAddress source, InetAddress destination, byte protocol)
    {
        var pseudo = Checksum.Fold(Checksum.PseudoHeaderSum(source, destination, protocol, frame.Length - transport));
        BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(transport + field), pseudo);
        return frame;
    }

    private static InetAddress A(string text) => InetAddress.FromIPAddress(IPAddress.Parse(text));

    private readonly record struct Result(long ServerPackets, long ServerBytes, long ServicePackets, long TotalPackets, bool LastSeen);

    /// <summary>Steering for the three services, one AF_XDP socket, and the three test flows offered for one DR server reached over loopback.</summary>
    private sealed class Lab : IDisposable
    {
        private readonly XdpSteering _steering;
        private readonly BpfMap _sockets;
        private readonly XskSocket _socket;

        private Lab(XdpSteering steering, BpfMap sockets, XskSocket socket, BpfProgram program)
        {
            _steering = steering;
            _sockets = sockets;
            _socket = socket;
            Program = program;
        }

        public BpfProgram Program { get; }

        public XdpFlowOffload Offload => _steering.FastPath!;

        public RealServer Server { get; } = new(Rip, 0, ForwardingMethod.DirectRouting, 1);

        public IpvsStats ServiceStats { get; } = new();

        public IpvsStats Totals { get; } = new();

        public static Lab Create(int mtu, bool generic = false)
        {
            var steering = XdpSteering.Create(fastPathFlows: 64);
            steering.Update([(IpProtocols.Udp, Vip, 53), (IpProtocols.Tcp, Vip, 80), (IpProtocols.Tcp, Vip6, 443)], [], []);
            var sockets = BpfMap.Create(Interop.BPF_MAP_TYPE_XSKMAP, 4, 4, 1, 0, "test_xsks");
            var socket = XskSocket.Open(1, 0, 64, 4096, 128);
            XdpSteering.AddSocket(sockets, socket);
            var lab = new Lab(steering, sockets, socket, steering.LoadDetached(sockets, generic));
            steering.FastPath!.AllowEgress(1);
            lab.Server.NextHop = new NextHop(1, Director, ServerMac, mtu);
            foreach (var flow in (FlowKey[])[Udp4, Tcp4, Tcp6])
            {
                Assert.True(lab.Offload.Offer(flow, lab.Server, lab.ServiceStats));
            }

            return lab;
        }

        public void Dispose()
        {
            Program.Dispose();
            _socket.Dispose();
            _sockets.Dispose();
            _steering.Dispose();
        }
    }
}
