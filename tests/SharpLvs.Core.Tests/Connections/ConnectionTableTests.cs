using System.Runtime.CompilerServices;
using SharpLvs.Core.Connections;
using SharpLvs.Core.Forwarding;
using SharpLvs.Core.Pipeline;
using SharpLvs.Core.Services;
using SharpLvs.Packets;
using static SharpLvs.Core.Tests.TestServices;

namespace SharpLvs.Core.Tests.Connections;

public class ConnectionTableTests
{
    private const long T0 = 1_000_000;

    [Fact]
    public void Add_ThenLookup_FindsTheEntryBoundToItsServer()
    {
        var table = new ConnectionTable(16);
        var server = Server('A');
        var flow = Flow(40000);

        var index = table.Add(flow, server, StubForwarder.DirectRouting, new IpvsStats(), T0);

        Assert.Equal(index, table.Lookup(flow));
        Assert.Same(server, table[index].Server);
        Assert.Equal(TcpState.None, table[index].State);
        Assert.Equal(1, table.Count);
        Assert.Equal(-1, table.Lookup(Flow(40001)));
    }

    [Fact]
    public void Add_TableFull_ReturnsMinusOne()
    {
        var table = new ConnectionTable(2);
        var server = Server('A');
        table.Add(Flow(1), server, StubForwarder.DirectRouting, new IpvsStats(), T0);
        table.Add(Flow(2), server, StubForwarder.DirectRouting, new IpvsStats(), T0);

        Assert.Equal(-1, table.Add(Flow(3), server, StubForwarder.DirectRouting, new IpvsStats(), T0));
        Assert.Equal(2, table.Count);
    }

    [Fact]
    public void Remove_FreesTheSlotForReuseAndUnbindsTheServer()
    {
        var table = new ConnectionTable(1);
        var server = Server('A');
        var first = table.Add(Flow(1), server, StubForwarder.DirectRouting, new IpvsStats(), T0);

        table.Remove(first);
        var second = table.Add(Flow(2), server, StubForwarder.DirectRouting, new IpvsStats(), T0);

        Assert.Equal(first, second);
        Assert.Equal(-1, table.Lookup(Flow(1)));
        Assert.Equal(second, table.Lookup(Flow(2)));
        Assert.Equal(1, server.InactiveConnections);
        Assert.Equal(1, table.Count);
    }

    [Fact]
    public void Lookup_ManyEntriesSharingBuckets_FindsEach()
    {
        var table = new ConnectionTable(1000);
        var server = Server('A');
        for (ushort port = 1; port <= 1000; port++)
        {
            table.Add(Flow(port), server, StubForwarder.DirectRouting, new IpvsStats(), T0);
        }

        for (ushort port = 1; port <= 1000; port += 7)
        {
            table.Remove(table.Lookup(Flow(port)));
        }

        for (ushort port = 1; port <= 1000; port++)
        {
            var index = table.Lookup(Flow(port));
            Assert.Equal((port - 1) % 7 != 0, index >= 0);
            if (index >= 0)
            {
                Assert.Equal(port, table[index].Key.SourcePort);
            }
        }
    }

    [Fact]
    public void Expire_UdpAfterItsTimeout_RemovesAndUnbinds()
    {
        var table = new ConnectionTable(16);
        var server = Server('A');
        var index = table.Add(UdpFlow(5353), server, StubForwarder.DirectRouting, new IpvsStats(), T0);
        table.OnUdpPacket(index, T0);

        Assert.Equal(0, table.Expire(T0 + 299_000));
        Assert.Equal(1, table.Expire(T0 + 301_000));

        Assert.Equal(-1, table.Lookup(UdpFlow(5353)));
        Assert.Equal(0, table.Count);
        Assert.Equal(0, server.InactiveConnections);
    }

    [Fact]
    public void Expire_PacketPushedExpiryLater_KeepsTheEntryUntilThen()
    {
        var table = new ConnectionTable(16);
        var index = table.Add(UdpFlow(1), Server('A'), StubForwarder.DirectRouting, new IpvsStats(), T0);
        table.OnUdpPacket(index, T0);
        table.OnUdpPacket(index, T0 + 200_000);

        Assert.Equal(0, table.Expire(T0 + 301_000));
        Assert.Equal(0, table.Expire(T0 + 499_000));
        Assert.Equal(1, table.Expire(T0 + 501_000));
    }

    [Fact]
    public void Expire_TimeoutShortenedByState_ExpiresAtTheShorterTime()
    {
        // ESTABLISHED (900 s) then RST → CLOSE (10 s).
        var table = new ConnectionTable(16);
        var index = table.Add(Flow(1), Server('A'), StubForwarder.DirectRouting, new IpvsStats(), T0);
        table.OnTcpPacket(index, TcpDirection.Input, (byte)TcpFlags.Syn, T0);
        table.OnTcpPacket(index, TcpDirection.Input, (byte)TcpFlags.Ack, T0);
        table.OnTcpPacket(index, TcpDirection.Input, (byte)TcpFlags.Rst, T0 + 5_000);

        Assert.Equal(TcpState.Close, table[index].State);
        Assert.Equal(0, table.Expire(T0 + 14_000));
        Assert.Equal(1, table.Expire(T0 + 16_000));
    }

    [Fact]
    public void Expire_NewConnectionWithoutPackets_GoesAfterThreeSeconds()
    {
        var table = new ConnectionTable(16);
        table.Add(Flow(1), Server('A'), StubForwarder.DirectRouting, new IpvsStats(), T0);

        Assert.Equal(0, table.Expire(T0 + 2_000));
        Assert.Equal(1, table.Expire(T0 + 4_000));
    }

    [Fact]
    public void Expire_TimeoutLongerThanTheWheel_StillExpiresOnTime()
    {
        var timeouts = new ConnectionTimeouts();
        timeouts.Set(tcp: 3000, tcpFin: 0, udp: 0);
        var table = new ConnectionTable(16, timeouts);
        var index = table.Add(Flow(1), Server('A'), StubForwarder.DirectRouting, new IpvsStats(), T0);
        table.OnTcpPacket(index, TcpDirection.Input, (byte)TcpFlags.Syn, T0);
        table.OnTcpPacket(index, TcpDirection.Input, (byte)TcpFlags.Ack, T0);

        for (long t = T0; t < T0 + 2_999_000; t += 100_000)
        {
            Assert.Equal(0, table.Expire(t));
        }

        Assert.Equal(1, table.Expire(T0 + 3_001_000));
    }

    [Fact]
    public void Expire_LongPause_ExpiresEverythingDue()
    {
        var table = new ConnectionTable(100);
        var server = Server('A');
        for (ushort port = 1; port <= 100; port++)
        {
            var index = table.Add(UdpFlow(port), server, StubForwarder.DirectRouting, new IpvsStats(), T0);
            table.OnUdpPacket(index, T0 + (port * 1000));
        }

        Assert.Equal(100, table.Expire(T0 + 100_000_000));
        Assert.Equal(0, table.Count);
        Assert.Equal(0, server.InactiveConnections);
    }

    [Fact]
    public void Snapshot_ListsClientVirtualDestinationStateAndTimeLeft()
    {
        var table = new ConnectionTable(16);
        var server = Server('B');
        var index = table.Add(Flow(41234), server, StubForwarder.DirectRouting, new IpvsStats(), T0);
        table.OnTcpPacket(index, TcpDirection.Input, (byte)TcpFlags.Syn, T0);
        var list = new List<ConnectionInfo>();

        table.Snapshot(list, T0 + 1_000);

        var info = Assert.Single(list);
        Assert.Equal(IpProtocols.Tcp, info.Protocol);
        Assert.Equal(Client, info.ClientAddress);
        Assert.Equal(41234, info.ClientPort);
        Assert.Equal(Vip, info.VirtualAddress);
        Assert.Equal(80, info.VirtualPort);
        Assert.Equal(server.Address, info.DestinationAddress);
        Assert.Equal(80, info.DestinationPort);
        Assert.Equal("SYN_RECV", info.StateName);
        Assert.Equal(ForwardingMethod.DirectRouting, info.Method);
        Assert.Equal(59_000, info.ExpiresInMs);
    }

    [Fact]
    public void Snapshot_Udp_StateNameIsUdp()
    {
        var table = new ConnectionTable(16);
        var index = table.Add(UdpFlow(1), Server('A'), StubForwarder.DirectRouting, new IpvsStats(), T0);
        table.OnUdpPacket(index, T0);
        var list = new List<ConnectionInfo>();

        table.Snapshot(list, T0);

        Assert.Equal("UDP", Assert.Single(list).StateName);
    }

    [Fact]
    public void Entry_IsSmallEnoughForMillionsOfConnections()
    {
        // 10 M connections within 1.6 GB (issue #6) with the buckets and lvsd's own memory.
        Assert.True(Unsafe.SizeOf<ConnectionEntry>() <= 128, $"entry is {Unsafe.SizeOf<ConnectionEntry>()} bytes");
    }

    internal static readonly InetAddress Client = InetAddress.Parse("198.18.2.10");

    internal static FlowKey Flow(ushort clientPort) => new(IpProtocols.Tcp, Client, clientPort, Vip, 80);

    internal static FlowKey UdpFlow(ushort clientPort) => new(IpProtocols.Udp, Client, clientPort, Vip, 53);
}

/// <summary>A forwarder that only names its method, for table tests.</summary>
internal sealed class StubForwarder(ForwardingMethod method) : IForwarder
{
    public static readonly StubForwarder DirectRouting = new(ForwardingMethod.DirectRouting);
    public static readonly StubForwarder Masquerade = new(ForwardingMethod.Masquerade);

    public ForwardingMethod Method { get; } = method;

    public DropReason Inbound(ref PacketDescriptor packet, in InboundPacket inbound, RealServer server) => DropReason.None;
}
