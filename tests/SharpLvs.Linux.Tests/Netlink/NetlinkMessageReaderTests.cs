using SharpLvs.Linux.Netlink;
using SharpLvs.Packets;

namespace SharpLvs.Linux.Tests.Netlink;

public class NetlinkMessageReaderTests
{
    // An RTM_NEWROUTE reply as the kernel sends it for `ip route get 198.19.5.9` via a gateway.
    private static readonly byte[] RouteReply =
    [
        60, 0, 0, 0, 24, 0, 0, 0, 7, 0, 0, 0, 0, 0, 0, 0,   // nlmsghdr: len 60, RTM_NEWROUTE, seq 7
        2, 32, 0, 0, 254, 2, 0, 1, 0, 2, 0, 0,              // rtmsg: AF_INET, /32, main table, RTN_UNICAST
        8, 0, 1, 0, 198, 19, 5, 9,                          // RTA_DST
        8, 0, 4, 0, 3, 0, 0, 0,                             // RTA_OIF 3
        8, 0, 5, 0, 198, 18, 0, 254,                        // RTA_GATEWAY
        8, 0, 7, 0, 198, 18, 0, 1,                          // RTA_PREFSRC
    ];

    [Fact]
    public void ParseRoute_GatewayReply_ReadsOifGatewayAndSource()
    {
        var reader = new NetlinkMessageReader(RouteReply);
        Assert.True(reader.TryRead(out var message));
        var route = NetlinkRoute.ParseRoute(message);

        Assert.NotNull(route);
        Assert.Equal(3, route.OutputIfIndex);
        Assert.Equal(InetAddress.Parse("198.18.0.254"), route.Gateway);
        Assert.Equal(InetAddress.Parse("198.18.0.1"), route.PreferredSource);
        Assert.False(route.IsLocal);
        Assert.False(reader.TryRead(out _));
    }

    [Fact]
    public void TryRead_TwoMessagesInOneDatagram_ReadsBoth()
    {
        byte[] done = [20, 0, 0, 0, 3, 0, 2, 0, 7, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
        var reader = new NetlinkMessageReader([.. RouteReply, .. done]);

        Assert.True(reader.TryRead(out var first));
        Assert.Equal(Native.RTM_NEWROUTE, first.Type);
        Assert.True(reader.TryRead(out var second));
        Assert.Equal(Native.NLMSG_DONE, second.Type);
        Assert.Equal(4, second.Payload.Length);
        Assert.False(reader.TryRead(out _));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(15)]
    [InlineData(61)]
    [InlineData(1000)]
    public void TryRead_BadLength_StopsWithoutThrowing(int length)
    {
        var bytes = RouteReply.ToArray();
        BitConverter.GetBytes(length).CopyTo(bytes, 0);
        var reader = new NetlinkMessageReader(bytes);

        Assert.False(reader.TryRead(out _));
    }

    [Fact]
    public void RtAttributeReader_TruncatedAttribute_Stops()
    {
        byte[] attributes = [8, 0, 4, 0, 3, 0, 0, 0, 12, 0, 5, 0, 1, 2];
        var reader = new RtAttributeReader(attributes);

        Assert.True(reader.TryRead(out var type, out var value));
        Assert.Equal(Native.RTA_OIF, type);
        Assert.Equal(4, value.Length);
        Assert.False(reader.TryRead(out _, out _));
    }

    [Fact]
    public void ParseNeighbour_Reply_ReadsMacAndState()
    {
        byte[] reply =
        [
            48, 0, 0, 0, 28, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0,   // RTM_NEWNEIGH, len 48
            2, 0, 0, 0, 5, 0, 0, 0, 2, 0, 0, 1,                 // ndmsg: AF_INET, ifindex 5, NUD_REACHABLE
            8, 0, 1, 0, 198, 18, 0, 9,                          // NDA_DST
            10, 0, 2, 0, 2, 0, 0, 0, 0, 9, 0, 0,                // NDA_LLADDR 02:00:00:00:00:09 (+pad)
        ];
        var reader = new NetlinkMessageReader(reply);
        Assert.True(reader.TryRead(out var message));
        var neighbour = NetlinkRoute.ParseNeighbour(message);

        Assert.NotNull(neighbour);
        Assert.Equal(5, neighbour.IfIndex);
        Assert.Equal(InetAddress.Parse("198.18.0.9"), neighbour.Address);
        Assert.Equal("02:00:00:00:00:09", neighbour.Mac.ToString());
        Assert.Equal(NeighbourState.Reachable, neighbour.State);
        Assert.True(neighbour.IsUsable);
    }

    [Fact]
    public void StructSizes_MatchRtnetlink()
    {
        Assert.Equal(16, System.Runtime.CompilerServices.Unsafe.SizeOf<Native.NlMsgHdr>());
        Assert.Equal(12, System.Runtime.CompilerServices.Unsafe.SizeOf<Native.SockAddrNl>());
        Assert.Equal(16, System.Runtime.CompilerServices.Unsafe.SizeOf<Native.IfInfoMsg>());
        Assert.Equal(8, System.Runtime.CompilerServices.Unsafe.SizeOf<Native.IfAddrMsg>());
        Assert.Equal(12, System.Runtime.CompilerServices.Unsafe.SizeOf<Native.RtMsg>());
        Assert.Equal(12, System.Runtime.CompilerServices.Unsafe.SizeOf<Native.NdMsg>());
    }
}
