using SharpLvs.Linux.Guard;
using SharpLvs.Packets;

namespace SharpLvs.Linux.Tests.Guard;

public class GuardScriptTests
{
    [Fact]
    public void Create_TwoInterfaces_ReplacesTableWithOneChainEach()
    {
        var script = GuardScript.Create(["eth0", "eth1"]);

        Assert.Equal(
            """
            add table netdev sharplvs
            delete table netdev sharplvs
            table netdev sharplvs {
            	set vip4 {
            		type ipv4_addr . inet_proto . inet_service
            	}
            	set vip6 {
            		type ipv6_addr . inet_proto . inet_service
            	}
            	chain ingress0 {
            		type filter hook ingress device "eth0" priority -500; policy accept;
            		ip daddr . meta l4proto . th dport @vip4 drop
            		ip6 daddr . meta l4proto . th dport @vip6 drop
            	}
            	chain ingress1 {
            		type filter hook ingress device "eth1" priority -500; policy accept;
            		ip daddr . meta l4proto . th dport @vip4 drop
            		ip6 daddr . meta l4proto . th dport @vip6 drop
            	}
            }

            """.ReplaceLineEndings("\n"),
            script);
    }

    [Fact]
    public void Create_EveryClosingBrace_StandsOnItsOwnLine()
    {
        var lines = GuardScript.Create(["eth0"]).Split('\n');

        Assert.All(lines.Where(l => l.Contains('}', StringComparison.Ordinal)), l => Assert.Equal("}", l.Trim()));
    }

    [Theory]
    [InlineData("eth0\" accept; chain x {")]
    [InlineData("")]
    [InlineData("a very long interface name")]
    [InlineData("eth 0")]
    public void Create_HostileInterfaceName_Refused(string name)
    {
        Assert.Throws<ArgumentException>(() => GuardScript.Create([name]));
    }

    [Fact]
    public void Update_MixedFamilies_FlushesAndFillsBothSetsInOneScript()
    {
        var script = GuardScript.Update(
        [
            (6, InetAddress.Parse("198.18.0.10"), 80),
            (17, InetAddress.Parse("198.18.0.10"), 53),
            (6, InetAddress.Parse("198.18.0.10"), 80),
            (6, InetAddress.Parse("fd00:198:18::10"), 443),
        ]);

        Assert.Equal(
            """
            flush set netdev sharplvs vip4
            flush set netdev sharplvs vip6
            add element netdev sharplvs vip4 {
            	198.18.0.10 . 6 . 80,
            	198.18.0.10 . 17 . 53,
            }
            add element netdev sharplvs vip6 {
            	fd00:198:18::10 . 6 . 443,
            }

            """.ReplaceLineEndings("\n"),
            script);
    }

    [Fact]
    public void Update_Nothing_OnlyFlushes()
    {
        Assert.Equal("flush set netdev sharplvs vip4\nflush set netdev sharplvs vip6\n", GuardScript.Update([]));
    }
}
