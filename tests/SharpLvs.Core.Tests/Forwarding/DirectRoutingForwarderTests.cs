using SharpLvs.Core.Forwarding;
using SharpLvs.Core.Pipeline;
using SharpLvs.Core.Services;
using SharpLvs.Core.Tests.Pipeline;
using static SharpLvs.Core.Tests.Pipeline.PipelineLab;
using static SharpLvs.Core.Tests.TestServices;

namespace SharpLvs.Core.Tests.Forwarding;

public class DirectRoutingForwarderTests
{
    [Fact]
    public void Inbound_RewritesOnlyTheEthernetAddressesAndSetsEgress()
    {
        var server = WithHop(Server('A'), MacA);
        using var frame = new PinnedFrame(Data(40000));
        var packet = frame.Descriptor(IngressIf);
        var inbound = new InboundPacket { IpLength = frame.Frame.Length - 14 };

        var reason = DirectRoutingForwarder.Instance.Inbound(ref packet, inbound, server);

        Assert.Equal(DropReason.None, reason);
        Assert.Equal(EgressIf, packet.EgressIfIndex);
        Assert.Equal(Convert.ToHexString(Data(40000, MacA, DirectorEgressMac)), Convert.ToHexString(frame.Frame));
    }

    [Fact]
    public void Inbound_NoNextHop_DropsUntouched()
    {
        var server = Server('A');
        using var frame = new PinnedFrame(Data(40000));
        var packet = frame.Descriptor(IngressIf);

        var reason = DirectRoutingForwarder.Instance.Inbound(ref packet, new InboundPacket(), server);

        Assert.Equal(DropReason.NoNextHop, reason);
        Assert.Equal(Convert.ToHexString(Data(40000)), Convert.ToHexString(frame.Frame));
    }

    [Theory]
    [InlineData(1500, GsoType.None, DropReason.None)]
    [InlineData(1501, GsoType.None, DropReason.FrameTooLarge)]
    [InlineData(9000, GsoType.TcpV4, DropReason.None)]
    public void Inbound_PacketAgainstMtu(int ipLength, GsoType gso, DropReason expected)
    {
        var server = WithHop(Server('A'), MacA);
        using var frame = new PinnedFrame(Data(40000));
        var packet = frame.Descriptor(IngressIf);
        packet.Gso = gso;

        var reason = DirectRoutingForwarder.Instance.Inbound(ref packet, new InboundPacket { IpLength = ipLength }, server);

        Assert.Equal(expected, reason);
    }

    [Fact]
    public void Forwarders_For_EachBuiltMethodHasItsForwarder()
    {
        Assert.Same(DirectRoutingForwarder.Instance, Forwarders.For(ForwardingMethod.DirectRouting));
        Assert.Same(NatForwarder.Masquerade, Forwarders.For(ForwardingMethod.Masquerade));
        Assert.Same(NatForwarder.FullNat, Forwarders.For(ForwardingMethod.FullNat));
        Assert.Null(Forwarders.For(ForwardingMethod.Local));
        Assert.Same(TunnelForwarder.Instance, Forwarders.For(ForwardingMethod.Tunnel));
    }
}
