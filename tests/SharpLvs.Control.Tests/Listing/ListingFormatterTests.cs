using SharpLvs.Control.Ipvsadm;
using SharpLvs.Control.Listing;
using SharpLvs.Control.Rules;
using SharpLvs.Core.Services;
using SharpLvs.Packets;

namespace SharpLvs.Control.Tests.Listing;

public class ListingFormatterTests
{
    private static string Golden(string name) => File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Listing", "Golden", name));

    private static ServiceKey Tcp(string address, ushort port) => new(IpProtocolNumbers.Tcp, InetAddress.Parse(address), port);

    private static DestinationView Dest(string address, ushort port, ForwardingMethod method, int weight = 1, uint active = 0, uint inactive = 0) =>
        new(new DestinationRule(InetAddress.Parse(address), port, method, weight), active, inactive, 0, ListingStats.Zero);

    private static ServiceView Service(ServiceRule rule, params DestinationView[] destinations) => new(rule, ListingStats.Zero, destinations);

    /// <summary>Deliberately out of ipvsadm's order: insertion order must not leak into a sorted listing.</summary>
    private static ListingData SortCase() => new(
    [
        Service(new ServiceRule(new ServiceKey(0, InetAddress.FromV4(0), 0, 7), "rr")),
        Service(
            new ServiceRule(Tcp("10.0.0.1", 80), "wlc"),
            Dest("10.0.0.11", 80, ForwardingMethod.DirectRouting, 1, 5, 12),
            Dest("192.168.1.2", 80, ForwardingMethod.DirectRouting, 2)),
        Service(
            new ServiceRule(Tcp("fd00:198:18::10", 443), "wrr", Netmask: 128),
            Dest("fd00:198:18::2", 443, ForwardingMethod.Masquerade),
            Dest("fd00:198:18::1", 443, ForwardingMethod.Masquerade)),
        Service(
            new ServiceRule(new ServiceKey(IpProtocolNumbers.Udp, InetAddress.Parse("10.0.0.1"), 53), "rr"),
            Dest("10.0.0.21", 53, ForwardingMethod.DirectRouting, 1, 0, 3)),
        Service(
            new ServiceRule(Tcp("207.175.44.110", 80), "rr", ServiceRuleFlags.Persistent, 300, 0xFFFFFF00),
            Dest("192.168.10.2", 8080, ForwardingMethod.Masquerade),
            Dest("192.168.10.1", 80, ForwardingMethod.Masquerade)),
        Service(new ServiceRule(new ServiceKey(0, InetAddress.None, 0, 3), "rr", Netmask: 128)),
    ]);

    [Fact]
    public void FormatAll_Seed002Numeric_MatchesIpvsadm()
    {
        var data = new ListingData(
        [
            Service(
                new ServiceRule(Tcp("10.1.1.250", 80), "rr"),
                Dest("192.168.10.2", 80, ForwardingMethod.Masquerade),
                Dest("192.168.10.1", 80, ForwardingMethod.Masquerade)),
        ]);

        var text = new ListingFormatter(new FakeNameService()).FormatAll(data, ListFormat.Numeric);

        Assert.Equal(Golden("seed002_ln.txt"), text);
    }

    [Fact]
    public void FormatAll_SortOrder_IsIpvsadmsWrappingOrder()
    {
        var text = new ListingFormatter(new FakeNameService()).FormatAll(SortCase(), ListFormat.Numeric);

        Assert.Equal(Golden("sorted_ln.txt"), text);
    }

    [Fact]
    public void FormatAll_Save_PrintsRules()
    {
        var text = new ListingFormatter(new FakeNameService()).FormatAll(SortCase(), ListFormat.Numeric | ListFormat.Rule);

        Assert.Equal(Golden("sorted_Sn.txt"), text);
    }

    [Fact]
    public void FormatAll_NoSort_KeepsGivenOrder()
    {
        var text = new ListingFormatter(new FakeNameService()).FormatAll(SortCase(), ListFormat.Numeric | ListFormat.NoSort);

        var lines = text.Split('\n');
        Assert.Equal("FWM  7 rr", lines[3]);
        Assert.Equal("TCP  10.0.0.1:80 wlc", lines[4]);
        Assert.StartsWith("  -> 10.0.0.11:80 ", lines[5], StringComparison.Ordinal);
    }

    [Fact]
    public void FormatAll_WithoutNumeric_UsesNamesAndCutsIPv4()
    {
        var names = new FakeNameService();
        names.Reverse[InetAddress.Parse("198.18.0.10")] = "a-rather-long-virtual-host-name.example";
        names.Reverse[InetAddress.Parse("198.18.1.1")] = "real-server-with-a-long-name.example";
        var data = new ListingData(
        [
            Service(
                new ServiceRule(Tcp("198.18.0.10", 80), "rr"),
                Dest("198.18.1.1", 80, ForwardingMethod.DirectRouting),
                Dest("198.18.1.2", 8081, ForwardingMethod.DirectRouting)),
        ]);

        var text = new ListingFormatter(names).FormatAll(data, ListFormat.None);

        Assert.Equal(Golden("names_l.txt"), text);
    }

    [Fact]
    public void FormatAll_Stats_UsesLargeNumbers()
    {
        var stats = new ListingStats(12, 123456789, 99999999, 5000000000, 123456789012345);
        var data = new ListingData(
        [
            new ServiceView(
                new ServiceRule(Tcp("198.18.0.10", 80), "rr"),
                stats,
                [new DestinationView(new DestinationRule(InetAddress.Parse("198.18.1.1"), 80), 0, 0, 0, stats)]),
        ]);

        var text = new ListingFormatter(new FakeNameService()).FormatAll(data, ListFormat.Numeric | ListFormat.Stats);

        Assert.Equal(Golden("stats_ln.txt"), text);
    }

    [Fact]
    public void FormatService_SingleService_HasTitleButNoHeader()
    {
        var view = Service(new ServiceRule(Tcp("198.18.0.10", 80), "rr"), Dest("198.18.1.1", 80, ForwardingMethod.Tunnel, 3));

        var text = new ListingFormatter(new FakeNameService()).FormatService(view, ListFormat.Numeric);

        Assert.Equal(
            "Prot LocalAddress:Port Scheduler Flags\n" +
            "  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn\n" +
            "TCP  198.18.0.10:80 rr\n" +
            "  -> 198.18.1.1:80" + new string(' ', 16) + "Tunnel  3      0          0         \n",
            text);
    }

    [Fact]
    public void FormatAll_Flags_PrintedAsIpvsadm()
    {
        var data = new ListingData(
        [
            Service(new ServiceRule(new ServiceKey(IpProtocolNumbers.Udp, InetAddress.Parse("198.18.0.10"), 53), "sh",
                ServiceRuleFlags.Scheduler1 | ServiceRuleFlags.Scheduler2 | ServiceRuleFlags.OnePacket)),
            Service(new ServiceRule(Tcp("fd00::10", 80), "rr", ServiceRuleFlags.Persistent, 60, 64)),
        ]);

        var listing = new ListingFormatter(new FakeNameService()).FormatAll(data, ListFormat.Numeric);
        var save = new ListingFormatter(new FakeNameService()).FormatAll(data, ListFormat.Numeric | ListFormat.Rule);

        Assert.Contains("UDP  198.18.0.10:53 sh (sh-fallback,sh-port) ops\n", listing, StringComparison.Ordinal);
        Assert.Contains("TCP  [fd00::10]:80 rr persistent 60 mask 64\n", listing, StringComparison.Ordinal);
        Assert.Contains("-A -u 198.18.0.10:53 -s sh -o -b sh-fallback,sh-port\n", save, StringComparison.Ordinal);
        Assert.Contains("-A -t [fd00::10]:80 -s rr -p 60 -M 64\n", save, StringComparison.Ordinal);
    }

    [Fact]
    public void FormatTimeouts_IsIpvsadmLine()
    {
        Assert.Equal("Timeout (tcp tcpfin udp): 900 120 300\n", ListingFormatter.FormatTimeouts(ConnectionTimeouts.Default));
    }

    [Theory]
    [InlineData(0UL, ListFormat.None, "        0")]
    [InlineData(99_999_999UL, ListFormat.None, " 99999999")]
    [InlineData(100_000_000UL, ListFormat.None, "  100000K")]
    [InlineData(1_000_000_000UL, ListFormat.None, "    1000M")]
    [InlineData(100_000_000_000UL, ListFormat.None, "     100G")]
    [InlineData(100_000_000_000_000UL, ListFormat.None, "     100T")]
    [InlineData(1_000_000_000UL, ListFormat.Exact, " 1000000000")]
    [InlineData(5UL, ListFormat.Exact, "        5")]
    public void LargeNumber_MatchesPrintLargenum(ulong value, ListFormat format, string expected)
    {
        var text = new System.Text.StringBuilder();
        ListingFormatter.AppendLargeNumbers(text, format, value);

        Assert.Equal(expected, text.ToString());
    }
}
