using System.Buffers.Binary;
using SharpLvs.Core.Pipeline;
using SharpLvs.Linux.Ports;
using SharpLvs.Packets;

namespace SharpLvs.Linux.Tests.Ports;

/// <summary>
/// The fanout steering program, run by a classic-BPF interpreter written from
/// Documentation/networking/filter.rst (what fanout_demux_bpf runs: offset 0 is the network
/// header), against the decision <see cref="FlowSteering"/> makes in C#: a request and its NAT
/// reply land on the same worker, FULLNAT replies on the worker their local port names.
/// </summary>
public class FanoutProgramTests
{
    private const int Workers = 4;
    private static readonly InetAddress Vip = InetAddress.Parse("198.18.0.250");
    private static readonly InetAddress Rip = InetAddress.Parse("198.18.1.21");
    private static readonly InetAddress Lip = InetAddress.Parse("198.18.1.250");
    private static readonly InetAddress Vip6 = InetAddress.Parse("fd00:198:18::250");
    private static readonly InetAddress Rip6 = InetAddress.Parse("fd00:198:18:2::21");
    private static readonly InetAddress Lip6 = InetAddress.Parse("fd00:198:18:2::250");

    private static readonly InetAddress MaskedVip = InetAddress.Parse("198.18.0.251");
    private static readonly InetAddress MaskedRip = InetAddress.Parse("198.18.1.31");
    private static readonly InetAddress MaskedVip6 = InetAddress.Parse("fd00:198:18::251");

    private static readonly Interop.SockFilter[] Program = FanoutProgram.Build(
        Workers,
        [new(Vip), new(Vip6), new(MaskedVip, 0xFFFFFF00), new(MaskedVip6, V6Bits: 48)],
        [new(Rip), new(Rip6), new(MaskedRip, 0xFFFFFF00)],
        [Lip, Lip6])!;

    public static TheoryData<string> Clients => new() { "198.19.0.100", "198.19.0.101", "198.19.7.3", "10.1.2.3", "fd00:198:18:1::100", "fd00:198:18:1::7", "2001:db8::1" };

    [Theory]
    [MemberData(nameof(Clients))]
    public void Run_RequestAndItsNatReply_SameWorkerAsFlowSteering(string clientText)
    {
        var client = InetAddress.Parse(clientText);
        var vip = client.IsIPv4 ? Vip : Vip6;
        var rip = client.IsIPv4 ? Rip : Rip6;
        var expected = FlowSteering.WorkerForClient(client, Workers);

        var request = Run(Ip(client, vip, 6, 40000, 80));
        var reply = Run(Ip(rip, client, 6, 8080, 40000));
        var udpReply = Run(Ip(rip, client, 17, 5353, 40001));

        Assert.Equal((expected, expected, expected), (request, reply, udpReply));
    }

    [Theory]
    [MemberData(nameof(Clients))]
    public void Run_LaterFragments_SameWorkerAsTheFirst(string clientText)
    {
        var client = InetAddress.Parse(clientText);
        var vip = client.IsIPv4 ? Vip : Vip6;
        var rip = client.IsIPv4 ? Rip : Rip6;
        var expected = FlowSteering.WorkerForClient(client, Workers);

        Assert.Equal(expected, Run(Ip(client, vip, 17, 40000, 53, fragmentOffset: 185)));
        Assert.Equal(expected, Run(Ip(rip, client, 17, 5353, 40000, fragmentOffset: 185)));
    }

    [Theory]
    [InlineData(5000)]
    [InlineData(5001)]
    [InlineData(5002)]
    [InlineData(65535)]
    public void Run_FullNatReplyToLocalAddress_WorkerOfTheLocalPort(int localPort)
    {
        var expected = FlowSteering.WorkerForLocalPort((ushort)localPort, Workers);

        Assert.Equal(expected, Run(Ip(Rip, Lip, 6, 8081, (ushort)localPort)));
        Assert.Equal(expected, Run(Ip(Rip, Lip, 17, 8081, (ushort)localPort)));
        Assert.Equal(expected, Run(Ip(Rip6, Lip6, 6, 8081, (ushort)localPort)));
        Assert.Equal(localPort % Workers, expected);
    }

    [Fact]
    public void Run_RealServerAsAClientOfAVip_HashedOnItsOwnAddress()
    {
        // From a NAT RIP to a VIP is a request, not a reply: the client is the source.
        Assert.Equal(FlowSteering.WorkerForClient(Rip, Workers), Run(Ip(Rip, Vip, 6, 40000, 80)));
    }

    [Theory]
    [InlineData("198.19.0.100", "198.19.0.101", "198.19.0.213")]
    [InlineData("198.19.7.1", "198.19.7.2", "198.19.7.254")]
    public void Run_PersistenceNetmask_TheWholeNetworkOnTheWorkerOfItsTemplate(string a, string b, string c)
    {
        var clients = new[] { a, b, c }.Select(InetAddress.Parse).ToArray();
        var expected = FlowSteering.WorkerForClient(new SteeredAddress(MaskedVip, 0xFFFFFF00).Network(clients[0]), Workers);

        Assert.All(clients, client => Assert.Equal(expected, Run(Ip(client, MaskedVip, 6, 40000, 80))));
        Assert.All(clients, client => Assert.Equal(expected, Run(Ip(MaskedRip, client, 6, 8080, 40000))));
    }

    [Fact]
    public void Run_PersistencePrefixV6_TheWholePrefixOnOneWorker()
    {
        var clients = new[] { "fd00:198:18:1::100", "fd00:198:18:2::7", "fd00:198:18:ffff::1" }.Select(InetAddress.Parse).ToArray();
        var expected = FlowSteering.WorkerForClient(new SteeredAddress(MaskedVip6, V6Bits: 48).Network(clients[0]), Workers);

        Assert.All(clients, client => Assert.Equal(expected, Run(Ip(client, MaskedVip6, 17, 40000, 53))));
    }

    [Theory]
    [MemberData(nameof(Clients))]
    public void Run_IcmpErrorsAboutAFlow_WorkerOfItsClient(string clientText)
    {
        var client = InetAddress.Parse(clientText);
        var v4 = client.IsIPv4;
        var router = InetAddress.Parse(v4 ? "198.18.1.1" : "fd00:198:18:2::1");
        var expected = FlowSteering.WorkerForClient(client, Workers);

        // Fragmentation needed / packet too big for a NAT reply VIP → CIP, sent to the VIP.
        var aboutReply = Icmp(router, v4 ? Vip : Vip6, Ip(v4 ? Vip : Vip6, client, 6, 80, 40000));

        // Time exceeded for a forwarded request CIP → RIP, sent back to the client by a router.
        var aboutRequest = Icmp(router, client, Ip(client, v4 ? Rip : Rip6, 6, 40000, 8080));

        Assert.Equal((expected, expected), (Run(aboutReply), Run(aboutRequest)));
    }

    [Theory]
    [InlineData(5001)]
    [InlineData(5002)]
    public void Run_IcmpErrorToLocalAddress_WorkerOfTheQuotedLocalPort(int localPort)
    {
        var expected = FlowSteering.WorkerForLocalPort((ushort)localPort, Workers);

        Assert.Equal(expected, Run(Icmp(Rip, Lip, Ip(Lip, Rip, 17, (ushort)localPort, 8081))));
        Assert.Equal(expected, Run(Icmp(Rip6, Lip6, Ip(Lip6, Rip6, 17, (ushort)localPort, 8081))));
    }

    [Fact]
    public void Run_EchoRequestToVip_HashedOnItsSource()
    {
        var client = InetAddress.Parse("198.19.0.7");
        var echo = Icmp(client, Vip, new byte[28]);
        echo[20] = 8;

        Assert.Equal(FlowSteering.WorkerForClient(client, Workers), Run(echo));
    }

    [Fact]
    public unsafe void Build_Program_TheKernelsClassicCheckerTakesIt()
    {
        // SO_ATTACH_FILTER runs the same checks (bpf_check_classic) as PACKET_FANOUT_DATA, unprivileged.
        using var socket = Interop.OpenSocket(2, 2, 0, "socket(AF_INET, SOCK_DGRAM)");
        fixed (Interop.SockFilter* code = Program)
        {
            var fprog = new Interop.SockFprog { Length = (ushort)Program.Length, Filter = code };
            Assert.Equal(0, Interop.SetSockOpt(socket.Fd, 1, 26, &fprog, sizeof(Interop.SockFprog)));
        }
    }

    [Fact]
    public void Run_NotIp_WorkerZero()
    {
        Assert.Equal(0, Run(new byte[28], protocol: 0x0806));
    }

    [Fact]
    public void Build_TooManyAddresses_Null()
    {
        var vips = Enumerable.Range(0, 700).Select(i => InetAddress.Parse($"fd00:198:18::{i + 1:x}"));

        Assert.Null(FanoutProgram.Build(2, vips.Select(v => new SteeredAddress(v)), [], vips));
    }

    private static byte[] Ip(InetAddress source, InetAddress destination, byte protocol, ushort sourcePort, ushort destinationPort, int fragmentOffset = 0)
    {
        if (source.IsIPv4)
        {
            var v4 = new byte[20 + 8];
            v4[0] = 0x45;
            BinaryPrimitives.WriteUInt16BigEndian(v4.AsSpan(6), (ushort)fragmentOffset);
            v4[9] = protocol;
            BinaryPrimitives.WriteUInt32BigEndian(v4.AsSpan(12), source.V4);
            BinaryPrimitives.WriteUInt32BigEndian(v4.AsSpan(16), destination.V4);
            if (fragmentOffset == 0)
            {
                BinaryPrimitives.WriteUInt16BigEndian(v4.AsSpan(20), sourcePort);
                BinaryPrimitives.WriteUInt16BigEndian(v4.AsSpan(22), destinationPort);
            }

            return v4;
        }

        var v6 = new byte[40 + 8];
        v6[0] = 0x60;
        v6[6] = fragmentOffset == 0 ? protocol : (byte)44;
        source.WriteTo(v6.AsSpan(8));
        destination.WriteTo(v6.AsSpan(24));
        if (fragmentOffset == 0)
        {
            BinaryPrimitives.WriteUInt16BigEndian(v6.AsSpan(40), sourcePort);
            BinaryPrimitives.WriteUInt16BigEndian(v6.AsSpan(42), destinationPort);
        }

        return v6;
    }

    /// <summary>An ICMP error (destination unreachable, code 4 / ICMPv6 packet too big) quoting <paramref name="quoted"/>.</summary>
    private static byte[] Icmp(InetAddress source, InetAddress destination, byte[] quoted)
    {
        var outer = Ip(source, destination, source.IsIPv4 ? (byte)1 : (byte)58, 0, 0);
        var header = source.IsIPv4 ? 20 : 40;
        var packet = new byte[header + 8 + quoted.Length];
        outer.AsSpan(0, header).CopyTo(packet);
        packet[header] = source.IsIPv4 ? (byte)3 : (byte)2;
        packet[header + 1] = source.IsIPv4 ? (byte)4 : (byte)0;
        quoted.CopyTo(packet.AsSpan(header + 8));
        return packet;
    }

    private static int Run(byte[] packet, ushort protocol = 0) =>
        (int)(Interpret(Program, packet, protocol != 0 ? protocol : (ushort)(packet[0] >> 4 == 6 ? 0x86DD : 0x0800)) % Workers);

    /// <summary>The instructions the program uses, as filter.rst defines them; a load out of the packet ends it with 0, as the kernel does.</summary>
    private static uint Interpret(Interop.SockFilter[] program, byte[] packet, ushort protocol)
    {
        uint a = 0, x = 0;
        for (var pc = 0; pc < program.Length; pc++)
        {
            var i = program[pc];
            switch (i.Code)
            {
                case 0x20 or 0x28 or 0x30 or 0x40 or 0x48 or 0x50:
                    var size = i.Code switch { 0x20 or 0x40 => 4, 0x30 or 0x50 => 1, _ => 2 };
                    if (i.K == 0xFFFFF000)
                    {
                        a = protocol;
                        break;
                    }

                    var at = (long)i.K + (i.Code is 0x40 or 0x48 or 0x50 ? x : 0);
                    if (at + size > packet.Length)
                    {
                        return 0;
                    }

                    a = size switch
                    {
                        4 => BinaryPrimitives.ReadUInt32BigEndian(packet.AsSpan((int)at)),
                        2 => BinaryPrimitives.ReadUInt16BigEndian(packet.AsSpan((int)at)),
                        _ => packet[at],
                    };
                    break;
                case 0xB1:
                    x = (uint)(4 * (packet[i.K] & 0xF));
                    break;
                case 0x05:
                    // The kernel takes forward jumps only (bpf_check_classic).
                    Assert.InRange(i.K, 0u, (uint)(program.Length - pc - 2));
                    pc += (int)i.K;
                    break;
                case 0x15:
                    pc += a == i.K ? i.JumpTrue : i.JumpFalse;
                    break;
                case 0x45:
                    pc += (a & i.K) != 0 ? i.JumpTrue : i.JumpFalse;
                    break;
                case 0x35:
                    pc += a >= i.K ? i.JumpTrue : i.JumpFalse;
                    break;
                case 0x06:
                    return i.K;
                case 0x16:
                    return a;
                case 0x74:
                    a >>= (int)i.K;
                    break;
                case 0xAC:
                    a ^= x;
                    break;
                case 0x24:
                    a = unchecked(a * i.K);
                    break;
                case 0x94:
                    a %= i.K;
                    break;
                case 0x54:
                    a &= i.K;
                    break;
                case 0x07:
                    x = a;
                    break;
                default:
                    throw new InvalidOperationException($"instruction 0x{i.Code:x2} not interpreted");
            }
        }

        throw new InvalidOperationException("ran off the end");
    }
}
