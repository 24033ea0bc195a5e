using System.Buffers.Binary;
using SharpLvs.Core.Forwarding;
using SharpLvs.Core.Pipeline;
using SharpLvs.Core.Services;
using SharpLvs.Packets;
using static SharpLvs.Core.Tests.Forwarding.TunnelLab;
using static SharpLvs.Core.Tests.Pipeline.PipelineLab;
using static SharpLvs.Core.Tests.TestServices;

namespace SharpLvs.Core.Tests.Forwarding;

/// <summary>Packets that no longer fit after encapsulation: ICMP back to the client, or a counted drop.</summary>
public partial class TunnelForwarderTests
{
    [Theory]
    [InlineData(1480, DropReason.None)]
    [InlineData(1481, DropReason.FragmentationNeeded)]
    public void Inbound_DfPacketAgainstTheTunnelMtu(int ipLength, DropReason expected)
    {
        var input = Sized(ipLength);
        var frame = new HeadroomFrame(input);

        Assert.Equal(expected, TunnelForwarder.Instance.Inbound(ref frame.Packet, Parse(input), Server4()));
    }

    [Fact]
    public void Inbound_DfPacketTooBig_BecomesFragmentationNeededToTheClient()
    {
        var input = Sized(1481);
        var frame = new HeadroomFrame(input);
        frame.Packet.NeedsChecksum = true;

        var reason = TunnelForwarder.Instance.Inbound(ref frame.Packet, Parse(input), Server4());

        Assert.Equal(DropReason.FragmentationNeeded, reason);
        Assert.Equal(IngressIf, frame.Packet.EgressIfIndex);
        Assert.False(frame.Packet.NeedsChecksum);
        var output = frame.Output;
        Assert.Equal(14 + 28 + 548, output.Length);
        byte[] headers =
        [
            0x02, 0, 0, 0, 0, 0x0c, 0x02, 0, 0, 0, 0, 0xd1, 0x08, 0x00,  // back to the client's MAC from the one it used
            0x45, 0xC0, 0x02, 0x40, output[18], output[19], 0x00, 0x00,   // 576 bytes, TOS internetwork control, no DF
            64, 1, output[24], output[25],                                // TTL 64, ICMP
            198, 18, 0, 100, 198, 18, 2, 10,                              // from the VIP to the client
            3, 4, output[36], output[37], 0, 0, 0x05, 0xC8,               // fragmentation needed, next-hop MTU 1480
        ];
        Assert.Equal(Convert.ToHexString([.. headers, .. input.AsSpan(Ip, 548)]), Convert.ToHexString(output));
        Assert.Equal(0xFFFF, OnesSum(output.AsSpan(Ip, 20)));
        Assert.Equal(0xFFFF, OnesSum(output.AsSpan(Ip + 20)));
    }

    [Fact]
    public void Inbound_VlanTaggedPacketTooBig_ReplyKeepsTheTag()
    {
        var input = Sized(1481, vlan: 9);
        var frame = new HeadroomFrame(input);

        Assert.Equal(DropReason.FragmentationNeeded, TunnelForwarder.Instance.Inbound(ref frame.Packet, Parse(input), Server4()));

        var output = frame.Output;
        Assert.Equal(input.AsSpan(12, 6).ToArray(), output.AsSpan(12, 6).ToArray());
        Assert.Equal(ClientMac, MacAddress.Read(output));
        Assert.Equal(1, output[18 + 9]);
        Assert.Equal(input.AsSpan(18, 548).ToArray(), output.AsSpan(18 + 28).ToArray());
    }

    [Fact]
    public void Inbound_Ipv6PacketTooBig_BecomesPacketTooBigToTheClient()
    {
        var input = FrameBuilder.Tcp(DirectorMac, ClientMac, Client6, 40000, Vip6, 80, TcpFlags.Ack, new byte[1500 - 60]);
        var frame = new HeadroomFrame(input);

        Assert.Equal(DropReason.FragmentationNeeded, TunnelForwarder.Instance.Inbound(ref frame.Packet, Parse(input), Server4()));

        var output = frame.Output;
        Assert.Equal(14 + 1280, output.Length);
        var ip = output.AsSpan(Ip);
        Assert.Equal(0x60, ip[0]);
        Assert.Equal(1240, BinaryPrimitives.ReadUInt16BigEndian(ip[4..]));
        Assert.Equal(58, ip[6]);
        Assert.Equal(64, ip[7]);
        Assert.Equal(input.AsSpan(Ip + 24, 16).ToArray(), ip.Slice(8, 16).ToArray());    // from the VIP
        Assert.Equal(input.AsSpan(Ip + 8, 16).ToArray(), ip.Slice(24, 16).ToArray());    // to the client
        var icmp = ip[40..];
        Assert.Equal(2, icmp[0]);
        Assert.Equal(0, icmp[1]);
        Assert.Equal(1480u, BinaryPrimitives.ReadUInt32BigEndian(icmp[4..]));
        Assert.Equal(0xFFFF, OnesSum(icmp, PseudoSum(ip.Slice(8, 16), ip.Slice(24, 16), 58, icmp.Length)));
        Assert.Equal(input.AsSpan(Ip, 1232).ToArray(), icmp[8..].ToArray());
    }

    [Fact]
    public void Inbound_NonDfPacketTooBig_DroppedAsTheKernelWouldFragment()
    {
        var input = Sized(1481);
        input[Ip + 6] = 0;
        RefreshIpv4Checksum(input.AsSpan(Ip));
        var frame = new HeadroomFrame(input);

        Assert.Equal(DropReason.TunnelNeedsFragmentation, TunnelForwarder.Instance.Inbound(ref frame.Packet, Parse(input), Server4()));
        Assert.Equal(0, frame.Packet.EgressIfIndex);
    }

    [Fact]
    public void Inbound_GueShrinksTheMtuByItsHeaders()
    {
        var input = Sized(1469);
        var frame = new HeadroomFrame(input);
        var server = Server4(new TunnelSettings(TunnelEncapsulation.Gue, 6080));

        Assert.Equal(DropReason.FragmentationNeeded, TunnelForwarder.Instance.Inbound(ref frame.Packet, Parse(input), server));
        Assert.Equal(1468, BinaryPrimitives.ReadUInt16BigEndian(frame.Output.AsSpan(Ip + 26)));
    }

    [Theory]
    [InlineData(88, DropReason.None)]
    [InlineData(87, DropReason.TunnelMtuTooSmall)]
    public void Inbound_PathMtuBelowTheMinimum_Dropped(int mtu, DropReason expected)
    {
        var input = Syn(40000);
        var frame = new HeadroomFrame(input);

        var reason = TunnelForwarder.Instance.Inbound(ref frame.Packet, Parse(input), Server4(mtu: mtu));

        Assert.Equal(expected, reason);
    }

    [Fact]
    public void Inbound_Drops_LeaveTheFrameUntouched()
    {
        var input = Syn(40000);
        var noHop = Server4();
        noHop.NextHop = null;
        var noSource = Server4();
        noSource.NextHop = noSource.NextHop! with { PreferredSource = InetAddress.None };
        var wrongFamily = Server6();
        wrongFamily.NextHop = wrongFamily.NextHop! with { PreferredSource = Source4 };
        (RealServer Server, DropReason Reason, int Headroom, GsoType Gso)[] cases =
        [
            (noHop, DropReason.NoNextHop, PortHeadroom, GsoType.None),
            (noSource, DropReason.NoTunnelSource, PortHeadroom, GsoType.None),
            (wrongFamily, DropReason.NoTunnelSource, PortHeadroom, GsoType.None),
            (Server4(), DropReason.TunnelGso, PortHeadroom, GsoType.TcpV4),
            (Server4(), DropReason.NoHeadroom, 16 + 20 - 1, GsoType.None),
        ];
        foreach (var c in cases)
        {
            var frame = new HeadroomFrame(input, c.Headroom);
            frame.Packet.Gso = c.Gso;

            Assert.Equal(c.Reason, TunnelForwarder.Instance.Inbound(ref frame.Packet, Parse(input), c.Server));
            Assert.Equal(c.Headroom, frame.Packet.Offset);
            Assert.Equal(input, frame.Output);
        }
    }
}
