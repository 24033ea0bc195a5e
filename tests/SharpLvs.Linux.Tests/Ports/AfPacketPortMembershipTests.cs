using SharpLvs.Linux.Ports;
using SharpLvs.Linux.Tests.Testbed;
using SharpLvs.Packets;

namespace SharpLvs.Linux.Tests.Ports;

/// <summary>A packet socket's multicast membership reaches the interface's list (what a NIC filter is built from) and ends with the socket.</summary>
public class AfPacketPortMembershipTests
{
    private static readonly MacAddress SolicitedNode = new(0x3333_FF00_0250UL);

    [RootFact]
    public void SetMulticastMembership_JoinLeaveAndDispose_InterfaceListFollows()
    {
        using var director = NetworkNamespace.Create("d");
        using var peer = NetworkNamespace.Create("p");
        NetworkNamespace.Link(director, "vd", "198.18.0.2/24", peer, "vp", "198.18.0.1/24");
        var ifIndex = director.IfIndex("vd");
        var port = director.Run(() => new AfPacketPort([ifIndex], new AfPacketPortOptions { FrameCount = 32 }));
        string Groups() => director.Ip("maddr show dev vd");

        Assert.Null(port.SetMulticastMembership(ifIndex, SolicitedNode, join: true));
        Assert.Contains("link  33:33:ff:00:02:50", Groups(), StringComparison.Ordinal);
        Assert.Null(port.SetMulticastMembership(ifIndex, SolicitedNode, join: false));
        Assert.DoesNotContain("33:33:ff:00:02:50", Groups(), StringComparison.Ordinal);

        Assert.Null(port.SetMulticastMembership(ifIndex, SolicitedNode, join: true));
        port.Dispose();
        Assert.True(
            Eventually(() => !Groups().Contains("33:33:ff:00:02:50", StringComparison.Ordinal)),
            "the membership outlived the port");

        using var other = director.Run(() => new AfPacketPort([ifIndex], new AfPacketPortOptions { FrameCount = 32 }));
        Assert.NotNull(other.SetMulticastMembership(ifIndex + 100, SolicitedNode, join: true));
    }

    /// <summary>
    /// The kernel drops a packet socket's memberships when the last reference to the socket
    /// goes, which under load can come a moment after close returns (failed once so).
    /// </summary>
    private static bool Eventually(Func<bool> condition)
    {
        for (var i = 0; i < 50; i++)
        {
            if (condition())
            {
                return true;
            }

            Thread.Sleep(20);
        }

        return condition();
    }
}
