using SharpLvs.Core.Services;
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
            	set rs4 {
            		type ipv4_addr . inet_proto . inet_service
            	}
            	set rs6 {
            		type ipv6_addr . inet_proto . inet_service
            	}
            	set lip4 {
            		type ipv4_addr . inet_proto . inet_service
            		flags interval
            	}
            	set lip6 {
            		type ipv6_addr . inet_proto . inet_service
            		flags interval
            	}
            	set fragdst4 {
            		type ipv4_addr . inet_proto
            	}
            	set fragdst6 {
            		type ipv6_addr . inet_proto
            	}
            	set fragsrc4 {
            		type ipv4_addr . inet_proto
            	}
            	set fragsrc6 {
            		type ipv6_addr . inet_proto
            	}
            	set rsq4 {
            		typeof @th,192,32 . @th,136,8 . @th,240,16
            	}
            	set rsq6 {
            		typeof @th,256,128 . @th,112,8 . @th,400,16
            	}
            	chain marks {
            	}
            	chain ingress0 {
            		type filter hook ingress device "eth0" priority -500; policy accept;
            		ip daddr . meta l4proto . th dport @vip4 drop
            		ip6 daddr . meta l4proto . th dport @vip6 drop
            		ip saddr . meta l4proto . th sport @rs4 drop
            		ip6 saddr . meta l4proto . th sport @rs6 drop
            		ip daddr . meta l4proto . th dport @lip4 drop
            		ip6 daddr . meta l4proto . th dport @lip6 drop
            		ip frag-off & 0x1fff != 0 ip daddr . meta l4proto @fragdst4 drop
            		ip6 daddr . meta l4proto @fragdst6 frag frag-off != 0 drop
            		ip frag-off & 0x1fff != 0 ip saddr . meta l4proto @fragsrc4 drop
            		ip6 saddr . meta l4proto @fragsrc6 frag frag-off != 0 drop
            		icmp type 3-4 @th,192,32 . @th,136,8 . @th,240,16 @rsq4 drop
            		icmp type time-exceeded @th,192,32 . @th,136,8 . @th,240,16 @rsq4 drop
            		icmpv6 type 1-4 @th,256,128 . @th,112,8 . @th,400,16 @rsq6 drop
            		jump marks
            	}
            	chain ingress1 {
            		type filter hook ingress device "eth1" priority -500; policy accept;
            		ip daddr . meta l4proto . th dport @vip4 drop
            		ip6 daddr . meta l4proto . th dport @vip6 drop
            		ip saddr . meta l4proto . th sport @rs4 drop
            		ip6 saddr . meta l4proto . th sport @rs6 drop
            		ip daddr . meta l4proto . th dport @lip4 drop
            		ip6 daddr . meta l4proto . th dport @lip6 drop
            		ip frag-off & 0x1fff != 0 ip daddr . meta l4proto @fragdst4 drop
            		ip6 daddr . meta l4proto @fragdst6 frag frag-off != 0 drop
            		ip frag-off & 0x1fff != 0 ip saddr . meta l4proto @fragsrc4 drop
            		ip6 saddr . meta l4proto @fragsrc6 frag frag-off != 0 drop
            		icmp type 3-4 @th,192,32 . @th,136,8 . @th,240,16 @rsq4 drop
            		icmp type time-exceeded @th,192,32 . @th,136,8 . @th,240,16 @rsq4 drop
            		icmpv6 type 1-4 @th,256,128 . @th,112,8 . @th,400,16 @rsq6 drop
            		jump marks
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
            flush set netdev sharplvs rs4
            flush set netdev sharplvs rs6
            flush set netdev sharplvs lip4
            flush set netdev sharplvs lip6
            flush set netdev sharplvs rsq4
            flush set netdev sharplvs rsq6
            add element netdev sharplvs vip4 {
            	198.18.0.10 . 6 . 80,
            	198.18.0.10 . 17 . 53,
            }
            add element netdev sharplvs vip6 {
            	fd00:198:18::10 . 6 . 443,
            }
            flush set netdev sharplvs fragdst4
            flush set netdev sharplvs fragdst6
            flush set netdev sharplvs fragsrc4
            flush set netdev sharplvs fragsrc6
            add element netdev sharplvs fragdst4 {
            	198.18.0.10 . 17,
            	198.18.0.10 . 6,
            }
            add element netdev sharplvs fragdst6 {
            	fd00:198:18::10 . 6,
            }
            flush chain netdev sharplvs marks

            """.ReplaceLineEndings("\n"),
            script);
    }

    [Fact]
    public void Change_DeletesThenAddsOnlyTheDifference()
    {
        var script = GuardScript.Change(new GuardDiff(
            AddedTuples: [(6, InetAddress.Parse("198.18.0.11"), 80)],
            RemovedTuples: [(6, InetAddress.Parse("198.18.0.10"), 80), (17, InetAddress.Parse("fd00:198:18::10"), 53)],
            AddedReplySources: [(6, InetAddress.Parse("198.18.1.1"), 8080)],
            RemovedReplySources: [],
            AddedLocalAddresses: [],
            RemovedLocalAddresses: [(6, InetAddress.Parse("198.18.0.5"), 1024, 65535)]));

        Assert.Equal(
            """
            delete element netdev sharplvs vip4 {
            	198.18.0.10 . 6 . 80,
            }
            delete element netdev sharplvs vip6 {
            	fd00:198:18::10 . 17 . 53,
            }
            delete element netdev sharplvs lip4 {
            	198.18.0.5 . 6 . 1024-65535,
            }
            add element netdev sharplvs vip4 {
            	198.18.0.11 . 6 . 80,
            }
            add element netdev sharplvs rs4 {
            	198.18.1.1 . 6 . 8080,
            }
            add element netdev sharplvs rsq4 {
            	0xc6120101 . 6 . 8080,
            }

            """.ReplaceLineEndings("\n"),
            script);
    }

    [Fact]
    public void Update_Nothing_OnlyFlushes()
    {
        Assert.Equal(
            "flush set netdev sharplvs vip4\nflush set netdev sharplvs vip6\nflush set netdev sharplvs rs4\n"
            + "flush set netdev sharplvs rs6\nflush set netdev sharplvs lip4\nflush set netdev sharplvs lip6\n"
            + "flush set netdev sharplvs rsq4\nflush set netdev sharplvs rsq6\n"
            + "flush set netdev sharplvs fragdst4\nflush set netdev sharplvs fragdst6\n"
            + "flush set netdev sharplvs fragsrc4\nflush set netdev sharplvs fragsrc6\n"
            + "flush chain netdev sharplvs marks\n",
            GuardScript.Update([]));
    }

    [Fact]
    public void Update_NatReplySourcesAndLocalAddresses_FillTheirSets()
    {
        var script = GuardScript.Update(
            [],
            [(6, InetAddress.Parse("198.18.1.21"), 8080), (6, InetAddress.Parse("fd00:198:18:2::21"), 8080)],
            [(6, InetAddress.Parse("198.18.1.250"), 1024, 65535)]);

        Assert.Contains("add element netdev sharplvs rs4 {\n\t198.18.1.21 . 6 . 8080,\n}\n", script, StringComparison.Ordinal);
        Assert.Contains("add element netdev sharplvs rs6 {\n\tfd00:198:18:2::21 . 6 . 8080,\n}\n", script, StringComparison.Ordinal);
        Assert.Contains("add element netdev sharplvs lip4 {\n\t198.18.1.250 . 6 . 1024-65535,\n}\n", script, StringComparison.Ordinal);

        // Later fragments carry no ports: the sources and local addresses by protocol alone.
        Assert.Contains("add element netdev sharplvs fragsrc4 {\n\t198.18.1.21 . 6,\n}\n", script, StringComparison.Ordinal);
        Assert.Contains("add element netdev sharplvs fragsrc6 {\n\tfd00:198:18:2::21 . 6,\n}\n", script, StringComparison.Ordinal);
        Assert.Contains("add element netdev sharplvs fragdst4 {\n\t198.18.1.250 . 6,\n}\n", script, StringComparison.Ordinal);

        // The same tuples as an ICMP error quotes them, the address as the integer nft keys raw payload with.
        Assert.Contains("add element netdev sharplvs rsq4 {\n\t0xc6120115 . 6 . 8080,\n}\n", script, StringComparison.Ordinal);
        Assert.Contains("add element netdev sharplvs rsq6 {\n\t0xfd000198001800020000000000000021 . 6 . 8080,\n}\n", script, StringComparison.Ordinal);
    }

    [Fact]
    public void ChangeFragments_DeletesThenAddsPairs()
    {
        var script = GuardScript.ChangeFragments(
            addedDestinations: [(17, InetAddress.Parse("198.18.0.11"))],
            removedDestinations: [(6, InetAddress.Parse("fd00:198:18::10"))],
            addedSources: [],
            removedSources: [(6, InetAddress.Parse("198.18.1.1"))]);

        Assert.Equal(
            """
            delete element netdev sharplvs fragdst6 {
            	fd00:198:18::10 . 6,
            }
            delete element netdev sharplvs fragsrc4 {
            	198.18.1.1 . 6,
            }
            add element netdev sharplvs fragdst4 {
            	198.18.0.11 . 17,
            }

            """.ReplaceLineEndings("\n"),
            script);
    }

    [Fact]
    public void Update_MarkRules_OneDropRulePerSelectorInTheMarksChain()
    {
        var script = GuardScript.Update(
            [],
            [],
            [],
            [
                new FirewallMarkRule(6, InetAddress.Parse("198.18.0.10"), 32, 80, 80, 1),
                new FirewallMarkRule(6, InetAddress.Parse("198.18.0.0"), 24, 80, 443, 2),
                new FirewallMarkRule(17, InetAddress.Parse("fd00:198:18::"), 64, 0, 65535, 3),
            ]);

        Assert.EndsWith(
            """
            flush chain netdev sharplvs marks
            add rule netdev sharplvs marks ip daddr 198.18.0.10 meta l4proto 6 th dport 80 drop
            add rule netdev sharplvs marks ip daddr 198.18.0.0/24 meta l4proto 6 th dport 80-443 drop
            add rule netdev sharplvs marks ip6 daddr fd00:198:18::/64 meta l4proto 17 th dport 0-65535 drop

            """.ReplaceLineEndings("\n"),
            script,
            StringComparison.Ordinal);
    }
}
