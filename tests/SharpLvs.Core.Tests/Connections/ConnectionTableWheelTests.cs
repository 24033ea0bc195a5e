using SharpLvs.Core.Connections;
using SharpLvs.Core.Forwarding;
using SharpLvs.Core.Pipeline;
using SharpLvs.Core.Services;
using SharpLvs.Packets;
using static SharpLvs.Core.Tests.Connections.ConnectionTableTests;
using static SharpLvs.Core.Tests.TestServices;

namespace SharpLvs.Core.Tests.Connections;

/// <summary>The compact entry: 32-bit expiries against the wheel, fresh slots, flat flow keys.</summary>
public class ConnectionTableWheelTests
{
    private const long T0 = 1_000_000;

    // lvsadm's largest timeout (CommandLineParser.MaxTimeout, 31 days), past a signed 32-bit count of ms.
    private const long ThirtyOneDaysMs = 86_400L * 31 * 1000;

    [Theory]
    [InlineData(1_000_000)] // the worker's usual steps, one slot after another
    [InlineData(5_000_000)] // every step a pause longer than the wheel
    public void Expire_ThirtyOneDayTemplate_KeptToTheMillisecondAndExpiresOnTime(long stepMs)
    {
        var table = new ConnectionTable(16);
        var index = table.AddTemplate(new FlowKey(IpProtocols.Tcp, Client, 0, Vip, 80), Server('A'), ThirtyOneDaysMs, T0 + 7);
        var list = new List<ConnectionInfo>();

        var t = T0;
        for (; t + stepMs < T0 + ThirtyOneDaysMs; t += stepMs)
        {
            Assert.Equal(0, table.Expire(t));
            Assert.Equal(T0 + 7 + ThirtyOneDaysMs, table.ExpiresMs(index));
        }

        table.Snapshot(list, t);
        Assert.Equal(T0 + 7 + ThirtyOneDaysMs - t, Assert.Single(list).ExpiresInMs);
        Assert.Equal(0, table.Expire(T0 + ThirtyOneDaysMs));
        Assert.Equal(1, table.Expire(T0 + 8 + ThirtyOneDaysMs + 1000));
        Assert.Equal(0, table.Count);
    }

    [Fact]
    public void Expire_PauseLongerThanTheWheel_DueEntriesGoOthersKeepTheirExpiry()
    {
        var table = new ConnectionTable(16);
        var server = Server('A');
        var udp = table.Add(UdpFlow(1), server, StubForwarder.DirectRouting, new IpvsStats(), T0);
        table.OnUdpPacket(udp, T0 + 500); // expires at T0 + 300.5 s
        var template = table.AddTemplate(new FlowKey(IpProtocols.Tcp, Client, 0, Vip, 80), server, 3_000_000, T0 + 250);
        var late = table.Add(UdpFlow(2), server, StubForwarder.DirectRouting, new IpvsStats(), T0);
        table.OnUdpPacket(late, T0 + 1_990_000); // expires at T0 + 2290 s, filed before the pause

        Assert.Equal(1, table.Expire(T0 + 2_000_000));

        Assert.Equal(-1, table.Lookup(UdpFlow(1)));
        Assert.Equal(T0 + 3_000_250, table.ExpiresMs(template));
        Assert.Equal(T0 + 2_290_000, table.ExpiresMs(late));
        Assert.Equal(0, table.Expire(T0 + 2_289_000));
        Assert.Equal(1, table.Expire(T0 + 2_291_000));
        Assert.Equal(0, table.Expire(T0 + 2_999_000));
        Assert.Equal(1, table.Expire(T0 + 3_001_000));
        Assert.Equal(0, server.PersistentConnections);
    }

    [Fact]
    public void RestartTimer_LaterThenEarlier_ExpiryFollowsTheLastPacket()
    {
        var table = new ConnectionTable(16);
        var index = table.Add(Flow(1), Server('A'), StubForwarder.DirectRouting, new IpvsStats(), T0);
        table.OnTcpPacket(index, TcpDirection.Input, (byte)TcpFlags.Syn, T0);
        table.OnTcpPacket(index, TcpDirection.Input, (byte)TcpFlags.Ack, T0 + 1_234);
        Assert.Equal(T0 + 1_234 + 900_000, table.ExpiresMs(index));

        table.OnTcpPacket(index, TcpDirection.Input, (byte)TcpFlags.Rst, T0 + 5_678);

        Assert.Equal(T0 + 5_678 + 10_000, table.ExpiresMs(index));
        Assert.Equal(0, table.Expire(T0 + 15_000));
        Assert.Equal(1, table.Expire(T0 + 16_678));
    }

    [Fact]
    public void Add_FreedSlotTakenBeforeNeverUsedOnes_EverySlotUsable()
    {
        var table = new ConnectionTable(3);
        var server = Server('A');
        var a = table.Add(Flow(1), server, StubForwarder.DirectRouting, new IpvsStats(), T0);
        var b = table.Add(Flow(2), server, StubForwarder.DirectRouting, new IpvsStats(), T0);
        table.Remove(b);

        var c = table.Add(Flow(3), server, StubForwarder.DirectRouting, new IpvsStats(), T0);
        var d = table.Add(Flow(4), server, StubForwarder.DirectRouting, new IpvsStats(), T0);

        // A freed slot is resident already; untouched ones stay untouched for as long as possible.
        Assert.Equal([0, 1, 1, 2], new[] { a, b, c, d });
        Assert.Equal(-1, table.Add(Flow(5), server, StubForwarder.DirectRouting, new IpvsStats(), T0));
        Assert.Equal([d, c, a], new[] { table.Lookup(Flow(4)), table.Lookup(Flow(3)), table.Lookup(Flow(1)) });
    }

    [Fact]
    public void Remove_AnyPlaceInASharedChain_LeavesTheOthersInBothIndexes()
    {
        // Eight entries in four buckets per index: every removal order walks chains.
        var table = new ConnectionTable(8);
        var server = new RealServer(InetAddress.Parse("198.18.1.21"), 8080, ForwardingMethod.Masquerade, 1);
        var keys = new FlowKey[8];
        for (var i = 0; i < 8; i++)
        {
            keys[i] = Flow((ushort)(40000 + i));
            var index = table.Add(keys[i], server, NatForwarder.Masquerade, new IpvsStats(), T0);
            table.SetReplyKey(index, Reply(keys[i]), pool: null);
        }

        foreach (var i in new[] { 3, 0, 7, 4, 1 })
        {
            table.Remove(table.Lookup(keys[i]));
        }

        for (var i = 0; i < 8; i++)
        {
            var index = table.Lookup(keys[i]);
            Assert.Equal(i is 2 or 5 or 6, index >= 0);
            Assert.Equal(index, table.LookupReply(Reply(keys[i])));
            if (index >= 0)
            {
                Assert.Equal(keys[i], table[index].Key);
                Assert.Equal(Reply(keys[i]), table[index].ReplyKey);
            }
        }

        static FlowKey Reply(FlowKey k) => new(k.Protocol, InetAddress.Parse("198.18.1.21"), 8080, k.Source, k.SourcePort);
    }

    [Fact]
    public void Entry_WithoutReplyFlowOrAsTemplate_ReplyKeyDefaultAndForwarderByMethod()
    {
        var table = new ConnectionTable(4);
        var dr = table.Add(Flow(1), Server('A'), StubForwarder.DirectRouting, new IpvsStats(), T0);
        var template = table.AddTemplate(new FlowKey(IpProtocols.Tcp, Client, 0, Vip, 80), Server('A'), 60_000, T0);

        Assert.Equal(default, table[dr].ReplyKey);
        Assert.Same(DirectRoutingForwarder.Instance, table[dr].Forwarder);
        Assert.Null(table[template].Forwarder);
    }

    [Fact]
    public void TablePath_AddLookupPacketsExpireAndPause_AllocatesNothing()
    {
        var table = new ConnectionTable(64);
        var server = Server('A');
        var stats = new IpvsStats();
        Exercise(table, server, stats, T0); // warm-up: JIT and the tiers
        var before = GC.GetAllocatedBytesForCurrentThread();

        Exercise(table, server, stats, T0 + 10_000_000);

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);

        static void Exercise(ConnectionTable table, RealServer server, IpvsStats stats, long now)
        {
            for (ushort port = 1; port <= 32; port++)
            {
                var index = table.Add(Flow(port), server, NatForwarder.Masquerade, stats, now);
                table.SetReplyKey(index, new FlowKey(IpProtocols.Tcp, server.Address, 80, Client, port), pool: null);
                table.OnTcpPacket(table.Lookup(Flow(port)), TcpDirection.Input, (byte)TcpFlags.Syn, now + 10);
                table.OnTcpPacket(table.LookupReply(new FlowKey(IpProtocols.Tcp, server.Address, 80, Client, port)), TcpDirection.Output, (byte)(TcpFlags.Syn | TcpFlags.Ack), now + 20);
            }

            table.Expire(now + 30_000); // slot by slot
            table.Expire(now + 3_000_000); // a pause past the wheel: everything goes
        }
    }
}
