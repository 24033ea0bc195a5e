using System.Buffers.Binary;
using System.Net;
using SharpLvs.Linux.Xdp;
using SharpLvs.Packets;

namespace SharpLvs.Linux.Tests.Xdp;

/// <summary>
/// A CHECKSUM_PARTIAL frame holds the folded pseudo-header sum in its transport checksum
/// field (~csum_tcpudp_magic, as __tcp_v4_send_check and udp4_hwcsum write it): the probe
/// must find exactly those, and completing what it finds must give the right checksum.
/// </summary>
public class PartialChecksumProbeTests
{
    private static readonly MacAddress A = MacAddress.Read([0x02, 0, 0, 0, 0, 1]);
    private static readonly MacAddress B = MacAddress.Read([0x02, 0, 0, 0, 0, 2]);
    private static readonly InetAddress Client = Ip("198.18.0.1");
    private static readonly InetAddress Vip = Ip("198.18.0.100");
    private static readonly InetAddress Client6 = Ip("fd00:198:18::1");
    private static readonly InetAddress Vip6 = Ip("fd00:198:18::100");

    public static TheoryData<string, byte[], bool, int, int> Frames => new()
    {
        { "partial UDP/IPv4", Partial(FrameBuilder.Udp(B, A, Client, 40000, Vip, 53, "query"u8), Client, Vip, 14 + 20, 6), true, 14 + 20, 6 },
        { "partial TCP/IPv4", Partial(FrameBuilder.Tcp(B, A, Client, 40000, Vip, 80, TcpFlags.Ack, "GET /"u8), Client, Vip, 14 + 20, 16), true, 14 + 20, 16 },
        { "partial TCP/IPv6", Partial(FrameBuilder.Tcp(B, A, Client6, 40000, Vip6, 80, TcpFlags.Syn), Client6, Vip6, 14 + 40, 16), true, 14 + 40, 16 },
        { "partial UDP, 802.1Q", Partial(FrameBuilder.Udp(B, A, Client, 40000, Vip, 53, "q"u8, vlan: 5), Client, Vip, 18 + 20, 6), true, 18 + 20, 6 },
        { "complete UDP", FrameBuilder.Udp(B, A, Client, 40000, Vip, 53, "query"u8), false, 0, 0 },
        { "complete TCP/IPv6", FrameBuilder.Tcp(B, A, Client6, 40000, Vip6, 80, TcpFlags.Syn), false, 0, 0 },
        { "ICMP echo", FrameBuilder.IcmpEcho(B, A, Client, Vip, 1, 1), false, 0, 0 },
        { "ARP", FrameBuilder.ArpRequest(A, Client, Vip), false, 0, 0 },
        { "truncated partial UDP", Partial(FrameBuilder.Udp(B, A, Client, 40000, Vip, 53, "query"u8), Client, Vip, 14 + 20, 6)[..40], false, 0, 0 },
    };

    [Theory]
    [MemberData(nameof(Frames))]
    public void IsPartial_Frame_FindsOnlyPseudoHeaderSums(string description, byte[] frame, bool expected, int start, int offset)
    {
        var partial = PartialChecksumProbe.IsPartial(frame, out var foundStart, out var foundOffset);

        Assert.True(expected == partial, description);
        Assert.Equal(start, foundStart);
        Assert.Equal(offset, foundOffset);
    }

    [Fact]
    public void IsPartial_ThenCompleted_GivesTheBuiltChecksum()
    {
        var complete = FrameBuilder.Tcp(B, A, Client, 40000, Vip, 80, TcpFlags.Ack, "GET / HTTP/1.1"u8);
        var frame = Partial((byte[])complete.Clone(), Client, Vip, 14 + 20, 16);

        Assert.True(PartialChecksumProbe.IsPartial(frame, out var start, out var offset));
        Assert.True(Checksum.CompletePartial(frame, start, offset));
        Assert.Equal(complete, frame);
    }

    /// <summary>What a CHECKSUM_PARTIAL sender leaves: the folded pseudo-header sum in the field.</summary>
    private static byte[] Partial(byte[] frame, InetAddress source, InetAddress destination, int transport, int field)
    {
        var protocol = field == 16 ? IpProtocols.Tcp : IpProtocols.Udp;
        var pseudo = Checksum.Fold(Checksum.PseudoHeaderSum(source, destination, protocol, frame.Length - transport));
        BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(transport + field), pseudo);
        return frame;
    }

    private static InetAddress Ip(string text) => InetAddress.FromIPAddress(IPAddress.Parse(text));
}
