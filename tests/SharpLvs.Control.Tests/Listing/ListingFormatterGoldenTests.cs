using SharpLvs.Control.Ipvsadm;
using SharpLvs.Control.Listing;
using SharpLvs.Control.Rules;
using SharpLvs.Core.Services;
using SharpLvs.Packets;

namespace SharpLvs.Control.Tests.Listing;

/// <summary>
/// Every listing mode over one rich table (IPv4, IPv6, fwmark, persistence masks, scheduler
/// flags, the three tunnel types, counters past every print_largenum threshold) and the
/// connection listing. Golden files come from Golden/make_golden.py, which re-types
/// ipvsadm 1.31's printf formats; the data here must stay in step with that script.
/// </summary>
public class ListingFormatterGoldenTests
{
    private static string Golden(string name) => File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Listing", "Golden", name));

    private static ListingStats Stats((ulong, ulong, ulong, ulong, ulong) totals, (ulong, ulong, ulong, ulong, ulong) rates) =>
        new(totals.Item1, totals.Item2, totals.Item3, totals.Item4, totals.Item5, rates.Item1, rates.Item2, rates.Item3, rates.Item4, rates.Item5);

    private static readonly ListingStats None = ListingStats.Zero;

    private static DestinationView Dest(
        string address, ushort port, ForwardingMethod method, int weight, uint active, uint inactive, uint persistent,
        ListingStats stats, uint upper = 0, uint lower = 0, TunnelType tunnel = TunnelType.IpIp, ushort tunnelPort = 0,
        TunnelFlags flags = TunnelFlags.NoChecksum) =>
        new(new DestinationRule(InetAddress.Parse(address), port, method, weight, upper, lower, tunnel, tunnelPort, flags), active, inactive, persistent, stats);

    /// <summary>Given in reverse of ipvsadm's order, so the formatter's sort is exercised too.</summary>
    private static ListingData Rich() => new(
    [
        new ServiceView(new ServiceRule(new ServiceKey(0, InetAddress.None, 0, 8), "rr", ServiceRuleFlags.Persistent, 300, 128), None, []),
        new ServiceView(
            new ServiceRule(new ServiceKey(0, InetAddress.FromV4(0), 0, 7), "rr", ServiceRuleFlags.Scheduler1 | ServiceRuleFlags.Scheduler3),
            None,
            [
                Dest("198.18.1.11", 0, ForwardingMethod.Tunnel, 1, 0, 0, 0, None, tunnel: TunnelType.Gre, flags: TunnelFlags.RemoteChecksum),
                Dest("198.18.1.10", 0, ForwardingMethod.Tunnel, 1, 0, 0, 0, None, tunnel: TunnelType.Gue, tunnelPort: 6080, flags: TunnelFlags.Checksum),
                Dest("198.18.1.9", 0, ForwardingMethod.Tunnel, 1, 0, 0, 0, None),
            ]),
        new ServiceView(
            new ServiceRule(new ServiceKey(IpProtocolNumbers.Tcp, InetAddress.Parse("fd00:198:18::10"), 443), "wlc", ServiceRuleFlags.Persistent, 60, 64),
            None,
            [Dest("fd00:198:18::1", 443, ForwardingMethod.Masquerade, 2, 3, 4, 1, None, upper: 100, lower: 50)]),
        new ServiceView(
            new ServiceRule(
                new ServiceKey(IpProtocolNumbers.Udp, InetAddress.Parse("198.18.0.10"), 53), "sh",
                ServiceRuleFlags.Scheduler1 | ServiceRuleFlags.Scheduler2 | ServiceRuleFlags.OnePacket),
            Stats((1, 2, 3, 4, 5), (0, 0, 0, 0, 0)),
            [Dest("198.18.1.3", 5353, ForwardingMethod.Masquerade, 1, 0, 7, 0, Stats((1, 2, 3, 4, 5), (0, 0, 0, 0, 0)))]),
        new ServiceView(
            new ServiceRule(new ServiceKey(IpProtocolNumbers.Tcp, InetAddress.Parse("198.18.0.10"), 80), "wrr", ServiceRuleFlags.Persistent, 600, 0xFFFFFF00),
            Stats((123456789, 9876543210, 0, 123456789012345, 55), (1234, 5678, 0, 987654321, 12)),
            [
                Dest("198.18.1.2", 80, ForwardingMethod.DirectRouting, 0, 0, 1, 0, None),
                Dest(
                    "198.18.1.1", 80, ForwardingMethod.DirectRouting, 3, 5, 12, 2,
                    Stats((100000000, 99999999, 0, 1000000000, 999999999), (1, 2, 3, 100000000, 99999999))),
            ]),
    ]);

    [Theory]
    [InlineData("rich_ln.txt", ListFormat.Numeric)]
    [InlineData("rich_Sn.txt", ListFormat.Numeric | ListFormat.Rule)]
    [InlineData("rich_stats_ln.txt", ListFormat.Numeric | ListFormat.Stats)]
    [InlineData("rich_stats_exact_ln.txt", ListFormat.Numeric | ListFormat.Stats | ListFormat.Exact)]
    [InlineData("rich_rate_ln.txt", ListFormat.Numeric | ListFormat.Rate)]
    [InlineData("rich_rate_exact_ln.txt", ListFormat.Numeric | ListFormat.Rate | ListFormat.Exact)]
    [InlineData("rich_thresholds_ln.txt", ListFormat.Numeric | ListFormat.Thresholds)]
    [InlineData("rich_pconn_ln.txt", ListFormat.Numeric | ListFormat.PersistentConn)]
    [InlineData("rich_tuninfo_ln.txt", ListFormat.Numeric | ListFormat.TunnelInfo)]
    public void FormatAll_RichTable_MatchesIpvsadm(string golden, ListFormat format)
    {
        var text = new ListingFormatter(new FakeNameService()).FormatAll(Rich(), format);

        Assert.Equal(Golden(golden), text);
    }

    private static ConnectionView Conn(
        string protocol, string client, ushort clientPort, string vip, ushort vport, string real, ushort rport, string state,
        long expires, string peName = "", string peData = "") =>
        new(
            protocol, protocol == "TCP" ? IpProtocolNumbers.Tcp : IpProtocolNumbers.Udp,
            InetAddress.Parse(client), clientPort, InetAddress.Parse(vip), vport, InetAddress.Parse(real), rport,
            state, expires, peName, peData);

    private static ConnectionView[] Connections() =>
    [
        Conn("TCP", "198.18.2.1", 40000, "198.18.0.10", 80, "198.18.1.1", 80, "ESTABLISHED", 899),
        Conn("TCP", "198.18.2.2", 51234, "198.18.0.10", 80, "198.18.1.2", 80, "FIN_WAIT", 0),
        Conn("UDP", "198.18.2.3", 5353, "198.18.0.10", 53, "198.18.1.3", 5353, "UDP", 299),
        Conn("TCP", "fd00:198:18::2:1", 443, "fd00:198:18::10", 443, "fd00:198:18::1", 443, "SYN_RECV", 59),
        Conn("TCP", "198.18.2.4", 1, "198.18.0.10", 80, "198.18.1.1", 80, "TIME_WAIT", 54000),
        Conn("UDP", "198.18.2.5", 0, "198.18.0.10", 5060, "198.18.1.1", 5060, "NONE", 3599, "sip", "call-1@example"),
    ];

    [Theory]
    [InlineData("conns_lcn.txt", ListFormat.Numeric)]
    [InlineData("conns_lc.txt", ListFormat.None)]
    [InlineData("conns_pconn_lcn.txt", ListFormat.Numeric | ListFormat.PersistentConn)]
    public void FormatConnections_MatchesIpvsadm(string golden, ListFormat format)
    {
        var names = new FakeNameService();
        names.Reverse[InetAddress.Parse("198.18.2.1")] = "client-one.example";
        names.Reverse[InetAddress.Parse("198.18.0.10")] = "vip.example";

        var text = new ListingFormatter(names).FormatConnections(Connections(), format);

        Assert.Equal(Golden(golden), text);
    }

    [Fact]
    public void FormatConnections_Empty_HeaderOnly()
    {
        Assert.Equal(
            "IPVS connection entries\npro expire state       source             virtual            destination\n",
            new ListingFormatter(new FakeNameService()).FormatConnections([], ListFormat.Numeric));
    }
}
