using SharpLvs.Control.Ipvsadm;
using SharpLvs.Control.Listing;
using SharpLvs.Control.Rules;
using SharpLvs.Core.Services;
using SharpLvs.Packets;

namespace SharpLvs.Control.Tests.Listing;

/// <summary>
/// TUN servers in listings, against ipvsadm 1.31's printf formats: print_tunnel_rule for -S,
/// "  -> %-28s %-7s %-13s %-6d %-10u %-10u" with fwd_tun_info for --tun-info.
/// </summary>
public class ListingFormatterTunnelTests
{
    private static readonly ServiceKey Web = new(IpProtocolNumbers.Tcp, InetAddress.Parse("198.18.0.10"), 80);

    private static ListingData Data() => new(
    [
        new ServiceView(
            new ServiceRule(Web, "rr"),
            ListingStats.Zero,
            [
                View(new DestinationRule(InetAddress.Parse("198.18.1.1"), 80, ForwardingMethod.Tunnel, 1)),
                View(new DestinationRule(InetAddress.Parse("198.18.1.2"), 80, ForwardingMethod.Tunnel, 2, TunnelType: TunnelType.Gue, TunnelPort: 6080)),
                View(new DestinationRule(InetAddress.Parse("198.18.1.3"), 80, ForwardingMethod.Tunnel, 3, TunnelType: TunnelType.Gue, TunnelPort: 6081,
                    TunnelFlags: TunnelFlags.RemoteChecksum)),
                View(new DestinationRule(InetAddress.Parse("198.18.1.4"), 80, ForwardingMethod.DirectRouting, 4)),
            ]),
    ]);

    [Fact]
    public void FormatAll_SaveNumeric_TunnelOptionsAsIpvsadm()
    {
        var text = new ListingFormatter(new FakeNameService()).FormatAll(Data(), ListFormat.Numeric | ListFormat.Rule);

        Assert.Equal(
            "-A -t 198.18.0.10:80 -s rr\n" +
            "-a -t 198.18.0.10:80 -r 198.18.1.1:80 -i -w 1 --tun-type ipip\n" +
            "-a -t 198.18.0.10:80 -r 198.18.1.2:80 -i -w 2 --tun-type gue --tun-port 6080 --tun-nocsum\n" +
            "-a -t 198.18.0.10:80 -r 198.18.1.3:80 -i -w 3 --tun-type gue --tun-port 6081 --tun-remcsum\n" +
            "-a -t 198.18.0.10:80 -r 198.18.1.4:80 -g -w 4\n",
            text);
    }

    [Fact]
    public void FormatService_TunnelInfo_ColumnAsIpvsadm()
    {
        var text = new ListingFormatter(new FakeNameService()).FormatService(Data().Services[0], ListFormat.Numeric | ListFormat.TunnelInfo);

        Assert.Equal(
            "Prot LocalAddress:Port Scheduler Flags\n" +
            "  -> RemoteAddress:Port           Forward TunnelInfo    Weight ActiveConn InActConn\n" +
            "TCP  198.18.0.10:80 rr\n" +
            Row("198.18.1.1:80", "Tunnel", "ipip", 1) +
            Row("198.18.1.2:80", "Tunnel", "gue:6080:-c", 2) +
            Row("198.18.1.3:80", "Tunnel", "gue:6081:r+c", 3) +
            Row("198.18.1.4:80", "Route", "n/a", 4),
            text);
    }

    private static string Row(string name, string forward, string info, int weight) =>
        $"  -> {name,-28} {forward,-7} {info,-13} {weight,-6} {0,-10} {0,-10}\n";

    private static DestinationView View(DestinationRule rule) => new(rule, 0, 0, 0, ListingStats.Zero);
}
