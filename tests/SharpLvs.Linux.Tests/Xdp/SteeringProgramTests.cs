using System.Net;
using SharpLvs.Linux.Tests.Testbed;
using SharpLvs.Linux.Xdp;
using SharpLvs.Packets;
using static SharpLvs.Linux.Xdp.BpfInstruction;

namespace SharpLvs.Linux.Tests.Xdp;

/// <summary>
/// The generated program: its shape (every path ends in exit, maps referenced as the
/// verifier expects), and, loaded into the kernel, its verdict on frames of every kind
/// (BPF_PROG_TEST_RUN, with a bound AF_XDP socket in the XSKMAP so that a steered frame
/// yields XDP_REDIRECT and anything else XDP_PASS).
/// </summary>
public class SteeringProgramTests
{
    private const uint XdpPass = 2;
    private const uint XdpRedirect = 4;

    private static readonly MacAddress Client = MacAddress.Read([0x02, 0, 0, 0, 0, 1]);
    private static readonly MacAddress Director = MacAddress.Read([0x02, 0, 0, 0, 0, 2]);
    private static readonly InetAddress ClientIp = A("198.18.0.1");
    private static readonly InetAddress Vip = A("198.18.0.100");
    private static readonly InetAddress Rip = A("198.18.1.10");
    private static readonly InetAddress Lip = A("198.18.0.200");
    private static readonly InetAddress Vip6 = A("fd00:198:18::100");
    private static readonly InetAddress Client6 = A("fd00:198:18::1");

    [Fact]
    public void Generate_EveryPath_EndsInExitAndReferencesEachMap()
    {
        var code = SteeringProgram.Generate(11, 12, 13, 14);

        Assert.Equal(ClassJmp | JumpExit, code[^1].Code);
        var maps = code.Where(i => i.Code == (ClassLd | ModeImm | SizeDw)).Select(i => i.Immediate).ToList();
        Assert.Equal([11, 12, 13, 14], maps);
        Assert.All(code.Where(i => i.Code == (ClassLd | ModeImm | SizeDw)), i => Assert.Equal((BpfRegister)PseudoMapFd, i.Source));

        // Jumps stay inside the program and never land on the second slot of an ld_imm64.
        var secondSlots = code.Select((i, n) => (i, n)).Where(x => x.i.Code == (ClassLd | ModeImm | SizeDw)).Select(x => x.n + 1).ToHashSet();
        for (var n = 0; n < code.Length; n++)
        {
            var op = code[n].Code & 0xF0;
            if (code[n].Class == ClassJmp && op is not (JumpCall or JumpExit))
            {
                var target = n + 1 + code[n].Offset;
                Assert.InRange(target, 0, code.Length - 1);
                Assert.DoesNotContain(target, secondSlots);
            }
        }

        // Only two helpers: bpf_map_lookup_elem (1) and bpf_redirect_map (51).
        Assert.Equal([1, 1, 1, 51], code.Where(i => i.Code == (ClassJmp | JumpCall)).Select(i => i.Immediate));
    }

    public static TheoryData<string, byte[], uint> Frames => new()
    {
        { "UDP to a service", FrameBuilder.Udp(Director, Client, ClientIp, 40000, Vip, 53, "q"u8), XdpRedirect },
        { "TCP SYN to a service", FrameBuilder.Tcp(Director, Client, ClientIp, 40000, Vip, 80, TcpFlags.Syn), XdpRedirect },
        { "TCP to the VIP, another port", FrameBuilder.Tcp(Director, Client, ClientIp, 40000, Vip, 81, TcpFlags.Syn), XdpPass },
        { "UDP to a TCP-only service", FrameBuilder.Udp(Director, Client, ClientIp, 40000, Vip, 80, "q"u8), XdpPass },
        { "802.1Q-tagged UDP to a service", FrameBuilder.Udp(Director, Client, ClientIp, 40000, Vip, 53, "q"u8, vlan: 7), XdpRedirect },
        { "IPv6 TCP to a service", FrameBuilder.Tcp(Director, Client, Client6, 40000, Vip6, 443, TcpFlags.Syn), XdpRedirect },
        { "IPv6 with a hop-by-hop header", WithHopByHop(FrameBuilder.Tcp(Director, Client, Client6, 40000, Vip6, 443, TcpFlags.Syn)), XdpPass },
        { "NAT reply from RIP:8080", FrameBuilder.Tcp(Client, Director, Rip, 8080, ClientIp, 40000, TcpFlags.Syn | TcpFlags.Ack), XdpRedirect },
        { "from the RIP, another port", FrameBuilder.Tcp(Client, Director, Rip, 22, ClientIp, 40000, TcpFlags.Ack), XdpPass },
        { "FULLNAT reply into the LIP's range", FrameBuilder.Tcp(Director, Client, Rip, 8080, Lip, 30000, TcpFlags.Ack), XdpRedirect },
        { "to the LIP, below its range", FrameBuilder.Tcp(Director, Client, ClientIp, 8080, Lip, 1000, TcpFlags.Ack), XdpPass },
        { "to the LIP, above its range", FrameBuilder.Tcp(Director, Client, ClientIp, 8080, Lip, 60001, TcpFlags.Ack), XdpPass },
        { "ICMP echo to the VIP", FrameBuilder.IcmpEcho(Director, Client, ClientIp, Vip, 1, 1), XdpPass },
        { "ARP who-has VIP", FrameBuilder.ArpRequest(Client, ClientIp, Vip), XdpPass },
        { "IPv4 non-first fragment to a service", Fragment(FrameBuilder.Udp(Director, Client, ClientIp, 40000, Vip, 53, "q"u8)), XdpPass },
        { "IPv4 with options to a service", WithIpv4Options(FrameBuilder.Udp(Director, Client, ClientIp, 40000, Vip, 53, "q"u8)), XdpRedirect },
        { "truncated: Ethernet only", FrameBuilder.Udp(Director, Client, ClientIp, 40000, Vip, 53)[..14], XdpPass },
        { "truncated: no room for ports", FrameBuilder.Udp(Director, Client, ClientIp, 40000, Vip, 53)[..(14 + 20 + 2)], XdpPass },
    };

    [RootTheory]
    [MemberData(nameof(Frames))]
    public void TestRun_Frame_SteersOnlyTheDirectorsFlows(string description, byte[] frame, uint expected)
    {
        using var ns = NetworkNamespace.Create("x");
        var verdict = ns.Run(() =>
        {
            using var steering = XdpSteering.Create();
            steering.Update(
                [(IpProtocols.Udp, Vip, 53), (IpProtocols.Tcp, Vip, 80), (IpProtocols.Tcp, Vip6, 443)],
                [(IpProtocols.Tcp, Rip, 8080)],
                [(IpProtocols.Tcp, Lip, 20000, 60000)]);
            using var sockets = BpfMap.Create(Interop.BPF_MAP_TYPE_XSKMAP, 4, 4, 1, 0, "test_xsks");

            // BPF_PROG_TEST_RUN runs the program on the namespace's loopback queue 0.
            using var socket = XskSocket.Open(1, 0, 64, 4096, 128);
            XdpSteering.AddSocket(sockets, socket);
            using var program = steering.LoadDetached(sockets);
            return program.TestRun(frame);
        });

        Assert.True(expected == verdict, $"{description}: XDP action {verdict}, expected {expected}");
    }

    [RootFact]
    public void Update_RemovedService_NoLongerSteered()
    {
        using var ns = NetworkNamespace.Create("x");
        var (before, after) = ns.Run(() =>
        {
            using var steering = XdpSteering.Create();
            using var sockets = BpfMap.Create(Interop.BPF_MAP_TYPE_XSKMAP, 4, 4, 1, 0, "test_xsks");
            using var socket = XskSocket.Open(1, 0, 64, 4096, 128);
            XdpSteering.AddSocket(sockets, socket);
            using var program = steering.LoadDetached(sockets);
            var frame = FrameBuilder.Udp(Director, Client, ClientIp, 40000, Vip, 53, "q"u8);
            steering.Update([(IpProtocols.Udp, Vip, 53)], [], []);
            var first = program.TestRun(frame);
            steering.Update([], [], []);
            return (first, program.TestRun(frame));
        });

        Assert.Equal(XdpRedirect, before);
        Assert.Equal(XdpPass, after);
    }

    private static InetAddress A(string text) => InetAddress.FromIPAddress(IPAddress.Parse(text));

    private static byte[] Fragment(byte[] frame)
    {
        frame[14 + 6] = 0x00;
        frame[14 + 7] = 0x10; // fragment offset 16 x 8 bytes
        return frame;
    }

    private static byte[] WithIpv4Options(byte[] frame)
    {
        // Four bytes of NOP options: IHL 6, total length + 4; the program skips them.
        var longer = new byte[frame.Length + 4];
        frame.AsSpan(0, 34).CopyTo(longer);
        longer.AsSpan(34, 4).Fill(1);
        frame.AsSpan(34).CopyTo(longer.AsSpan(38));
        longer[14] = 0x46;
        var total = (ushort)(frame.Length - 14 + 4);
        longer[14 + 2] = (byte)(total >> 8);
        longer[14 + 3] = (byte)total;
        return longer;
    }

    private static byte[] WithHopByHop(byte[] frame)
    {
        // An 8-byte hop-by-hop header (next header TCP, padding) between IPv6 and TCP.
        var longer = new byte[frame.Length + 8];
        frame.AsSpan(0, 54).CopyTo(longer);
        longer[54] = 6;
        frame.AsSpan(54).CopyTo(longer.AsSpan(62));
        longer[14 + 6] = 0;
        var payload = (ushort)(frame.Length - 54 + 8);
        longer[14 + 4] = (byte)(payload >> 8);
        longer[14 + 5] = (byte)payload;
        return longer;
    }
}
