using System.Buffers.Binary;
using SharpLvs.Core.Pipeline;
using SharpLvs.Core.Services;
using SharpLvs.Core.Tests.Forwarding;
using SharpLvs.Packets;
using static SharpLvs.Core.Tests.Forwarding.TunnelLab;
using static SharpLvs.Core.Tests.Pipeline.IcmpFrames;
using static SharpLvs.Core.Tests.Pipeline.PipelineLab;
using static SharpLvs.Core.Tests.TestServices;

namespace SharpLvs.Core.Tests.Pipeline;

/// <summary>
/// ip_vs_in_icmp's tunnel case: a router between the director and a TUN real server answers
/// the director's tunnel packet with an error; the client gets it about its own packet, from
/// the VIP, a fragmentation-needed with 20 bytes less MTU. The expected bytes are read from the
/// output against the RFC 792 layout and the input packet, not written by product code.
/// </summary>
public class IcmpTunnelErrorTests
{
    private const long Now = 1_000_000;

    private static readonly InetAddress Router = InetAddress.Parse("198.18.1.1");
    private static readonly MacAddress RouterMac = new(0x02_00_00_00_00_feUL);
    private static readonly MacAddress ClientHopMac = new(0x02_00_00_00_00_c1UL);

    [Theory]
    [InlineData("ipip")]
    [InlineData("gue")]
    [InlineData("gre")]
    public void Process_FragmentationNeededAboutTunnelPacket_ClientGetsItAboutItsPacketWithTheTunnelOverheadOff(string type)
    {
        var tunnel = type switch
        {
            "gue" => new TunnelSettings(TunnelEncapsulation.Gue, 6080, TunnelChecksum.None),
            "gre" => new TunnelSettings(TunnelEncapsulation.Gre, 0, TunnelChecksum.None),
            _ => TunnelSettings.IpIp,
        };
        var (processor, tunnelPacket, clientPacket) = Connected(tunnel);
        var frame = new HeadroomFrame(Error4(DirectorEgressMac, RouterMac, Router, Source4, 3, 4, 1400, tunnelPacket));

        processor.Process(ref frame.Packet, Now);

        Assert.True(frame.Packet.Verdict == Verdict.Transmit, $"{frame.Packet.Verdict} ({frame.Packet.Reason})");
        Assert.Equal(IngressIf, frame.Packet.EgressIfIndex);
        var output = frame.Output;
        Assert.Equal((ClientHopMac, DirectorMac), (MacAddress.Read(output), MacAddress.Read(output.AsSpan(6))));
        var ip = output.AsSpan(14);
        Assert.Equal((Vip.V4, Client.V4, IpProtocols.Icmp), (BinaryPrimitives.ReadUInt32BigEndian(ip[12..]), BinaryPrimitives.ReadUInt32BigEndian(ip[16..]), ip[9]));
        Assert.Equal(0xFFFF, OnesSum(ip[..20]));
        var icmp = ip[20..];
        Assert.Equal(0xFFFF, OnesSum(icmp));
        Assert.Equal((3, 4, 1380), (icmp[0], icmp[1], (int)BinaryPrimitives.ReadUInt16BigEndian(icmp[6..])));
        Assert.Equal(Convert.ToHexString(clientPacket), Convert.ToHexString(icmp[8..].ToArray()));
        Assert.Equal(1, processor.Counters.IcmpRelayed);
    }

    [Fact]
    public void Process_TimeExceededAboutTunnelPacket_PassedOnAsItIs()
    {
        var (processor, tunnelPacket, clientPacket) = Connected(TunnelSettings.IpIp);
        var frame = new HeadroomFrame(Error4(DirectorEgressMac, RouterMac, Router, Source4, 11, 0, 0, tunnelPacket));

        processor.Process(ref frame.Packet, Now);

        Assert.Equal(Verdict.Transmit, frame.Packet.Verdict);
        var icmp = frame.Output.AsSpan(34);
        Assert.Equal((11, 0, 0u), (icmp[0], icmp[1], BinaryPrimitives.ReadUInt32BigEndian(icmp[4..])));
        Assert.Equal(Convert.ToHexString(clientPacket), Convert.ToHexString(icmp[8..].ToArray()));
    }

    [Fact]
    public void Process_FragmentationNeededForClientPacketWithoutDf_Consumed()
    {
        var syn = FrameBuilder.Tcp(DirectorMac, ClientMac, Client, 40000, Vip, 80, TcpFlags.Syn, seq: 1000);
        syn[14 + 6] = 0;
        syn[14 + 10] = 0;
        syn[14 + 11] = 0;
        BinaryPrimitives.WriteUInt16BigEndian(syn.AsSpan(14 + 10), (ushort)~OnesSum(syn.AsSpan(14, 20)));
        var (processor, tunnelPacket, _) = Connected(TunnelSettings.IpIp, syn);
        var frame = new HeadroomFrame(Error4(DirectorEgressMac, RouterMac, Router, Source4, 3, 4, 1400, tunnelPacket));

        processor.Process(ref frame.Packet, Now);

        Assert.Equal((Verdict.Drop, DropReason.IcmpTunnelErrorWithoutDf), (frame.Packet.Verdict, frame.Packet.Reason));
    }

    [Fact]
    public void Process_ErrorQuotingTunnelPacketOfNoConnection_LeftToTheHost()
    {
        var (processor, tunnelPacket, _) = Connected(TunnelSettings.IpIp);

        // The same tunnel packet, but for another client port: no connection.
        BinaryPrimitives.WriteUInt16BigEndian(tunnelPacket.AsSpan(40), 40001);
        var frame = new HeadroomFrame(Error4(DirectorEgressMac, RouterMac, Router, Source4, 3, 4, 1400, tunnelPacket));

        processor.Process(ref frame.Packet, Now);

        Assert.Equal(Verdict.PassToKernel, frame.Packet.Verdict);
    }

    [Fact]
    public void Process_ErrorQuotingIpipToAnAddressThatIsNoTunnelServer_LeftToTheHost()
    {
        var (processor, tunnelPacket, _) = Connected(TunnelSettings.IpIp);
        BinaryPrimitives.WriteUInt32BigEndian(tunnelPacket.AsSpan(16), InetAddress.Parse("198.18.1.99").V4);
        var frame = new HeadroomFrame(Error4(DirectorEgressMac, RouterMac, Router, Source4, 3, 4, 1400, tunnelPacket));

        processor.Process(ref frame.Packet, Now);

        Assert.Equal(Verdict.PassToKernel, frame.Packet.Verdict);
    }

    [Fact]
    public void Process_GueErrorOnAnotherPort_LeftToTheHost()
    {
        var (processor, tunnelPacket, _) = Connected(new TunnelSettings(TunnelEncapsulation.Gue, 6080, TunnelChecksum.None));
        BinaryPrimitives.WriteUInt16BigEndian(tunnelPacket.AsSpan(22), 6081);
        var frame = new HeadroomFrame(Error4(DirectorEgressMac, RouterMac, Router, Source4, 3, 4, 1400, tunnelPacket));

        processor.Process(ref frame.Packet, Now);

        Assert.Equal(Verdict.PassToKernel, frame.Packet.Verdict);
    }

    [Fact]
    public void Process_WarmedUpTunnelErrors_AllocateNothing()
    {
        var (processor, tunnelPacket, _) = Connected(TunnelSettings.IpIp);
        var error = Error4(DirectorEgressMac, RouterMac, Router, Source4, 3, 4, 1400, tunnelPacket);
        var warmUp = new HeadroomFrame(error);
        processor.Process(ref warmUp.Packet, Now);
        var measured = Enumerable.Range(0, 100).Select(_ => new HeadroomFrame(error)).ToArray();

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < measured.Length; i++)
        {
            processor.Process(ref measured[i].Packet, Now);
        }

        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(0, allocated);
        Assert.All(measured, f => Assert.Equal(Verdict.Transmit, f.Packet.Verdict));
    }

    /// <summary>A TUN connection for CIP:40000 → VIP:80; returns the tunnel packet the director sent (outer IP onward) and the client's packet.</summary>
    private static (PacketProcessor Processor, byte[] TunnelPacket, byte[] ClientPacket) Connected(TunnelSettings tunnel, byte[]? syn = null)
    {
        var processor = TunnelLab.Processor(Server4(tunnel));
        processor.NextHops.Publish(new Dictionary<InetAddress, NextHop> { [Client] = new NextHop(IngressIf, DirectorMac, ClientHopMac, 1500) });
        syn ??= Syn(40000);
        var frame = new HeadroomFrame(syn);
        processor.Process(ref frame.Packet, Now);
        Assert.Equal(Verdict.Transmit, frame.Packet.Verdict);
        return (processor, frame.Output[14..], syn[14..]);
    }
}
