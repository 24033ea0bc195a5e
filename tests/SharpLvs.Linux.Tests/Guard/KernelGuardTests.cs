using System.Net;
using System.Net.Sockets;
using SharpLvs.Core.Pipeline;
using SharpLvs.Core.Services;
using SharpLvs.Linux.Guard;
using SharpLvs.Linux.Ports;
using SharpLvs.Linux.Tests.Testbed;
using SharpLvs.Packets;

namespace SharpLvs.Linux.Tests.Guard;

public class KernelGuardTests
{
    [RootFact]
    public void Constructor_StaleTable_ReplacesItAndDisposeRemovesIt()
    {
        using var director = NetworkNamespace.Create("d");
        using var peer = NetworkNamespace.Create("p");
        NetworkNamespace.Link(director, "vd", "198.18.0.2/24", peer, "vp", "198.18.0.1/24");
        director.Exec("nft", "add table netdev sharplvs");
        director.Exec("nft", "add chain netdev sharplvs leftover");

        var guard = director.Run(() => new KernelGuard(["vd"]));
        var listing = director.Exec("nft", "list table netdev sharplvs");
        Assert.DoesNotContain("leftover", listing, StringComparison.Ordinal);
        Assert.Contains("device \"vd\"", listing, StringComparison.Ordinal);

        director.Run(() => guard.Update([(6, InetAddress.Parse("198.18.0.2"), 80), (17, InetAddress.Parse("fd00:198:18::2"), 53)]));
        Assert.Contains("198.18.0.2 . tcp . 80", director.Exec("nft", "list set netdev sharplvs vip4"), StringComparison.Ordinal);
        Assert.Contains("fd00:198:18::2 . udp . 53", director.Exec("nft", "list set netdev sharplvs vip6"), StringComparison.Ordinal);

        // Incremental: one element out, one in; the unchanged one stays.
        director.Run(() => guard.Update([(6, InetAddress.Parse("198.18.0.2"), 80), (6, InetAddress.Parse("198.18.0.3"), 443)]));
        director.Run(() => guard.Update([(6, InetAddress.Parse("198.18.0.2"), 80), (6, InetAddress.Parse("198.18.0.3"), 443)]));
        var v4 = director.Exec("nft", "list set netdev sharplvs vip4");
        Assert.Contains("198.18.0.2 . tcp . 80", v4, StringComparison.Ordinal);
        Assert.Contains("198.18.0.3 . tcp . 443", v4, StringComparison.Ordinal);
        Assert.DoesNotContain("fd00:198:18::2", director.Exec("nft", "list set netdev sharplvs vip6"), StringComparison.Ordinal);

        director.Run(guard.Dispose);
        Assert.DoesNotContain("sharplvs", director.Exec("nft", "list tables"), StringComparison.Ordinal);
    }

    [RootFact]
    public void Update_OverlappingMarkRules_AcceptedByNftAsDropRules()
    {
        using var director = NetworkNamespace.Create("d");
        using var peer = NetworkNamespace.Create("p");
        NetworkNamespace.Link(director, "vd", "198.18.0.2/24", peer, "vp", "198.18.0.1/24");
        using var guard = director.Run(() => new KernelGuard(["vd"]));

        director.Run(() => guard.Update(
            [],
            [],
            [],
            [
                new FirewallMarkRule(6, InetAddress.Parse("198.18.0.0"), 24, 80, 443, 1),
                new FirewallMarkRule(6, InetAddress.Parse("198.18.0.10"), 32, 80, 80, 2),
                new FirewallMarkRule(17, InetAddress.Parse("fd00:198:18::"), 64, 53, 53, 3),
            ]));

        var chain = director.Exec("nft", "list chain netdev sharplvs marks");
        Assert.Contains("ip daddr 198.18.0.0/24 tcp dport 80-443 drop", chain, StringComparison.Ordinal);
        Assert.Contains("ip daddr 198.18.0.10 tcp dport 80 drop", chain, StringComparison.Ordinal);
        Assert.Contains("ip6 daddr fd00:198:18::/64 udp dport 53 drop", chain, StringComparison.Ordinal);
        director.Run(guard.Dispose);
    }

    [RootFact]
    public void Update_ServedFlows_LaterFragmentSetsFollowAcceptedByNft()
    {
        using var director = NetworkNamespace.Create("d");
        using var peer = NetworkNamespace.Create("p");
        NetworkNamespace.Link(director, "vd", "198.18.0.2/24", peer, "vp", "198.18.0.1/24");
        using var guard = director.Run(() => new KernelGuard(["vd"]));

        director.Run(() => guard.Update(
            [(17, InetAddress.Parse("198.18.0.2"), 53), (17, InetAddress.Parse("198.18.0.2"), 5353), (6, InetAddress.Parse("fd00:198:18::2"), 80)],
            [(17, InetAddress.Parse("198.18.1.21"), 53)],
            []));
        var listing = director.Exec("nft", "list table netdev sharplvs");
        Assert.Contains("ip frag-off & 8191 != 0 ip daddr . meta l4proto @fragdst4 drop", listing, StringComparison.Ordinal);
        Assert.Contains("198.18.0.2 . udp", director.Exec("nft", "list set netdev sharplvs fragdst4"), StringComparison.Ordinal);
        Assert.Contains("fd00:198:18::2 . tcp", director.Exec("nft", "list set netdev sharplvs fragdst6"), StringComparison.Ordinal);
        Assert.Contains("198.18.1.21 . udp", director.Exec("nft", "list set netdev sharplvs fragsrc4"), StringComparison.Ordinal);

        // Incremental: one of two ports of a VIP goes, the pair stays; the real server goes, its pair too.
        director.Run(() => guard.Update([(17, InetAddress.Parse("198.18.0.2"), 53), (6, InetAddress.Parse("fd00:198:18::2"), 80)], [], []));
        Assert.Contains("198.18.0.2 . udp", director.Exec("nft", "list set netdev sharplvs fragdst4"), StringComparison.Ordinal);
        Assert.DoesNotContain("198.18.1.21", director.Exec("nft", "list set netdev sharplvs fragsrc4"), StringComparison.Ordinal);
        director.Run(guard.Dispose);
    }

    [RootFact]
    public void NftContext_BadScript_ReturnsNftErrorText()
    {
        using var director = NetworkNamespace.Create("d");
        using var nft = director.Run(() => new NftContext());

        var (ok, _, error) = director.Run(() => nft.Run("add chain netdev nosuchtable c\n"));

        Assert.False(ok);
        Assert.Contains("No such file or directory", error, StringComparison.Ordinal);
    }

    [RootFact]
    public void Update_GuardedTuple_KernelStaysSilentWhilePortStillReceives()
    {
        using var director = NetworkNamespace.Create("d");
        using var peer = NetworkNamespace.Create("p");
        NetworkNamespace.Link(director, "vd", "198.18.0.2/24", peer, "vp", "198.18.0.1/24");
        director.Ip("addr add 198.18.0.100/32 dev lo");
        peer.Ip("route add 198.18.0.100/32 via 198.18.0.2");
        var vip = new IPEndPoint(IPAddress.Parse("198.18.0.100"), 7777);
        using var client = peer.Run(() => new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp));
        client.ReceiveTimeout = 500;
        client.Connect(vip);

        // Unguarded, the director's kernel owns the VIP (on lo) and refuses the closed port
        // with ICMP port unreachable, which a connected UDP socket reports.
        client.Send("knock"u8);
        var refused = Assert.Throws<SocketException>(() => client.Receive(new byte[64]));
        Assert.Equal(SocketError.ConnectionRefused, refused.SocketErrorCode);

        var ifIndex = director.IfIndex("vd");
        using var port = director.Run(() => new AfPacketPort([ifIndex], new AfPacketPortOptions { FrameCount = 16 }));
        using var guard = director.Run(() => new KernelGuard(["vd"]));
        director.Run(() => guard.Update([(17, InetAddress.Parse("198.18.0.100"), 7777)]));

        client.Send("knock"u8);
        var silent = Assert.Throws<SocketException>(() => client.Receive(new byte[64]));
        Assert.Equal(SocketError.TimedOut, silent.SocketErrorCode);
        Assert.True(SawDatagramTo(port, 7777), "the port still gets the guarded datagram");
        director.Run(guard.Dispose);
    }

    private static bool SawDatagramTo(AfPacketPort port, ushort destinationPort)
    {
        var batch = new PacketBatch(16);
        var deadline = Environment.TickCount64 + 2000;
        while (Environment.TickCount64 < deadline)
        {
            var count = port.Receive(batch, 100);
            for (var i = 0; i < count; i++)
            {
                var frame = batch.Items[i].Frame;
                if (frame.Length > 38 && frame[23] == 17 && (frame[36] << 8 | frame[37]) == destinationPort)
                {
                    port.Complete(batch);
                    return true;
                }
            }

            port.Complete(batch);
        }

        return false;
    }
}
