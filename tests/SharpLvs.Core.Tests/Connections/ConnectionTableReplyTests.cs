using SharpLvs.Core.Connections;
using SharpLvs.Core.Forwarding;
using SharpLvs.Core.Services;
using SharpLvs.Packets;

namespace SharpLvs.Core.Tests.Connections;

public class ConnectionTableReplyTests
{
    private static readonly InetAddress Client = InetAddress.Parse("198.19.0.100");
    private static readonly InetAddress Vip = InetAddress.Parse("198.18.0.250");
    private static readonly InetAddress Rip = InetAddress.Parse("198.18.1.21");

    [Fact]
    public void LookupReply_NatEntry_FindsTheSameEntryAsTheInboundKey()
    {
        var table = new ConnectionTable(16);
        var server = new RealServer(Rip, 8080, ForwardingMethod.Masquerade, 1);
        var inbound = new FlowKey(IpProtocols.Tcp, Client, 40000, Vip, 80);
        var reply = new FlowKey(IpProtocols.Tcp, Rip, 8080, Client, 40000);

        var index = table.Add(inbound, server, NatForwarder.Masquerade, new IpvsStats(), 0);
        table.SetReplyKey(index, reply, pool: null);

        Assert.Equal(index, table.Lookup(inbound));
        Assert.Equal(index, table.LookupReply(reply));
        Assert.Equal(-1, table.LookupReply(inbound));
        Assert.Equal(-1, table.Lookup(reply));
    }

    [Fact]
    public void Remove_EntryInBothIndexes_LeavesNeitherAndReusesTheSlot()
    {
        var table = new ConnectionTable(4);
        var server = new RealServer(Rip, 8080, ForwardingMethod.Masquerade, 1);
        var keys = Enumerable.Range(0, 4).Select(i => new FlowKey(IpProtocols.Tcp, Client, (ushort)(40000 + i), Vip, 80)).ToArray();
        var replies = keys.Select(k => new FlowKey(IpProtocols.Tcp, Rip, 8080, Client, k.SourcePort)).ToArray();
        for (var i = 0; i < 4; i++)
        {
            table.SetReplyKey(table.Add(keys[i], server, NatForwarder.Masquerade, new IpvsStats(), 0), replies[i], null);
        }

        table.Remove(table.Lookup(keys[1]));

        Assert.Equal(-1, table.Lookup(keys[1]));
        Assert.Equal(-1, table.LookupReply(replies[1]));
        Assert.All(new[] { 0, 2, 3 }, i => Assert.Equal(table.Lookup(keys[i]), table.LookupReply(replies[i])));

        // The freed slot is filed afresh without a reply key: the reply index must not find it.
        var dr = new RealServer(Rip, 80, ForwardingMethod.DirectRouting, 1);
        var index = table.Add(new FlowKey(IpProtocols.Tcp, Client, 50000, Vip, 80), dr, DirectRoutingForwarder.Instance, new IpvsStats(), 0);
        Assert.True(index >= 0);
        Assert.Equal(-1, table.LookupReply(replies[1]));
    }

    [Fact]
    public void Remove_FullNatEntry_ReleasesItsLocalPort()
    {
        var table = new ConnectionTable(4);
        var pool = new LocalAddressPool(InetAddress.Parse("198.18.1.250"), 6000, 6000);
        var server = new RealServer(Rip, 8080, ForwardingMethod.FullNat, 1);
        Assert.True(pool.TryAllocate(IpProtocols.Tcp, out var port));
        var index = table.Add(new FlowKey(IpProtocols.Tcp, Client, 40000, Vip, 80), server, NatForwarder.FullNat, new IpvsStats(), 0);
        table.SetReplyKey(index, new FlowKey(IpProtocols.Tcp, Rip, 8080, pool.Address, port), pool);

        table.Remove(index);

        Assert.Equal(0, pool.InUse(IpProtocols.Tcp));
    }
}
