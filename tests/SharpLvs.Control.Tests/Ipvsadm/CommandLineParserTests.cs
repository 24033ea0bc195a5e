using SharpLvs.Control.Ipvsadm;
using SharpLvs.Control.Rules;
using SharpLvs.Core.Services;
using SharpLvs.Packets;

namespace SharpLvs.Control.Tests.Ipvsadm;

public class CommandLineParserTests
{
    private static ParseOutcome Parse(string line) =>
        new CommandLineParser(new FakeNameService()).Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries));

    private static AdminCommand Command(string line)
    {
        var outcome = Parse(line);
        Assert.True(outcome.Command is not null, $"'{line}' failed: {outcome.Stderr}");
        return outcome.Command!;
    }

    [Fact]
    public void Parse_AddServiceShort_FillsKeyAndScheduler()
    {
        var command = Command("-A -t 198.18.0.10:80 -s rr");

        Assert.Equal(AdminCommandKind.AddService, command.Kind);
        Assert.Equal(new ServiceKey(IpProtocolNumbers.Tcp, InetAddress.Parse("198.18.0.10"), 80), command.Service.Key);
        Assert.Equal("rr", command.Service.Scheduler);
    }

    [Fact]
    public void Parse_AddServiceWithoutScheduler_DefaultsToWlc()
    {
        Assert.Equal("wlc", Command("-A -t 198.18.0.10:80").Service.Scheduler);
    }

    [Theory]
    [InlineData("--add-service --tcp-service 198.18.0.10:80 --scheduler wrr")]
    [InlineData("--add-service --tcp-service=198.18.0.10:80 --scheduler=wrr")]
    [InlineData("-At 198.18.0.10:80 -swrr")]
    [InlineData("-A -t198.18.0.10:80 -s wrr")]
    [InlineData("-A -s wrr -t 198.18.0.10:80")]
    [InlineData("-A -t vip.example:http -s wrr")]
    public void Parse_EquivalentForms_GiveSameService(string line)
    {
        var command = Command(line);

        Assert.Equal(new ServiceKey(IpProtocolNumbers.Tcp, InetAddress.Parse("198.18.0.10"), 80), command.Service.Key);
        Assert.Equal("wrr", command.Service.Scheduler);
    }

    [Theory]
    [InlineData("-Ln", AdminOptions.Numeric)]
    [InlineData("-L -n", AdminOptions.Numeric)]
    [InlineData("-l -n", AdminOptions.Numeric)]
    [InlineData("--list --numeric", AdminOptions.Numeric)]
    [InlineData("-lnc", AdminOptions.Numeric | AdminOptions.Connection)]
    [InlineData("-L --timeout", AdminOptions.Timeout)]
    [InlineData("-L -n --stats --exact", AdminOptions.Numeric | AdminOptions.Stats | AdminOptions.Exact)]
    [InlineData("-L --sort", AdminOptions.None)]
    public void Parse_ListForms_SetOptions(string line, AdminOptions expected)
    {
        var command = Command(line);

        Assert.Equal(AdminCommandKind.List, command.Kind);
        Assert.Equal(expected, command.Options);
    }

    [Fact]
    public void Parse_NoArguments_ListsWithNames()
    {
        var command = Command("");

        Assert.Equal(AdminCommandKind.List, command.Kind);
        Assert.Equal(ListFormat.None, command.Format);
    }

    [Fact]
    public void Parse_RealServerWithoutPort_TakesServicePort()
    {
        var command = Command("-a -t 198.18.0.10:80 -r 198.18.1.1 -m");

        Assert.Equal(InetAddress.Parse("198.18.1.1"), command.Destination.Address);
        Assert.Equal(80, command.Destination.Port);
        Assert.Equal(ForwardingMethod.Masquerade, command.Destination.Forwarding);
        Assert.Equal(1, command.Destination.Weight);
    }

    [Fact]
    public void Parse_NatRealServerWithPort_KeepsItsPort()
    {
        Assert.Equal(8080, Command("-a -t 198.18.0.10:80 -r 198.18.1.1:8080 -m -w 3").Destination.Port);
    }

    [Theory]
    [InlineData("-a -t 198.18.0.10:80 -r 198.18.1.1:8080 -g")]
    [InlineData("-a -t 198.18.0.10:80 -r 198.18.1.1:8080")]
    [InlineData("-a -t 198.18.0.10:80 -r 198.18.1.1:8080 -i")]
    [InlineData("-e -t 198.18.0.10:80 -r 198.18.1.1:8080 -g -w 2")]
    public void Parse_DrOrTunRealServerWithOtherPort_UsesServicePortSilently(string line)
    {
        Assert.Equal(80, Command(line).Destination.Port);
    }

    [Fact]
    public void Parse_DeleteServerWithOtherPort_KeepsGivenPort()
    {
        // ipvsadm forces the service port only when adding or editing.
        Assert.Equal(8080, Command("-d -t 198.18.0.10:80 -r 198.18.1.1:8080").Destination.Port);
    }

    [Fact]
    public void Parse_Defaults_AreDirectRoutingWeightOne()
    {
        var destination = Command("-a -t 198.18.0.10:80 -r 198.18.1.1").Destination;

        Assert.Equal(ForwardingMethod.DirectRouting, destination.Forwarding);
        Assert.Equal(1, destination.Weight);
    }

    [Fact]
    public void Parse_IPv6Bracketed_ParsesAddressAndPort()
    {
        var command = Command("-a -t [fd00:198:18::10]:443 -r [fd00:198:18::1]:443 -m");

        Assert.Equal(InetAddress.Parse("fd00:198:18::10"), command.Service.Key.Address);
        Assert.Equal(443, command.Service.Key.Port);
        Assert.Equal(InetAddress.Parse("fd00:198:18::1"), command.Destination.Address);
        Assert.Equal(443, command.Destination.Port);
    }

    [Fact]
    public void Parse_IPv6WithoutBrackets_IsAddressOnly()
    {
        var command = Command("-a -t [fd00:198:18::10]:80 -r fd00:198:18::1 -m");

        Assert.Equal(InetAddress.Parse("fd00:198:18::1"), command.Destination.Address);
        Assert.Equal(80, command.Destination.Port);
    }

    [Fact]
    public void Parse_IPv6Service_DefaultsPrefixTo128()
    {
        Assert.Equal(128u, Command("-A -t [fd00::1]:80 -p").Service.Netmask);
    }

    [Fact]
    public void Parse_Persistent_DefaultTimeoutAndValue()
    {
        Assert.Equal(300u, Command("-A -t 198.18.0.10:80 -p").Service.Timeout);
        Assert.Equal(600u, Command("-A -t 198.18.0.10:80 -p 600").Service.Timeout);
        Assert.Equal(ServiceRuleFlags.Persistent, Command("-A -t 198.18.0.10:0 -p -s rr").Service.Flags);
    }

    [Fact]
    public void Parse_Netmask_IsHostOrder()
    {
        Assert.Equal(0xFFFFFF00u, Command("-A -t 198.18.0.10:80 -p -M 255.255.255.0").Service.Netmask);
    }

    [Fact]
    public void Parse_UdpServiceNamedPort_UsesUdpTable()
    {
        var command = Command("-A -u 198.18.0.10:domain");

        Assert.Equal(IpProtocolNumbers.Udp, command.Service.Key.Protocol);
        Assert.Equal(53, command.Service.Key.Port);
    }

    [Fact]
    public void Parse_FirewallMark_KeyHasMarkAndFamily()
    {
        Assert.Equal(new ServiceKey(0, InetAddress.FromV4(0), 0, 7), Command("-A -f 7").Service.Key);
        Assert.Equal(new ServiceKey(0, InetAddress.None, 0, 7), Command("-A -f 7 -6").Service.Key);
    }

    [Fact]
    public void Parse_SetTimeouts_TakesThreeValues()
    {
        Assert.Equal(new ConnectionTimeouts(10, 20, 30), Command("--set 10 20 30").Timeouts);
    }

    [Fact]
    public void Parse_SchedulerFlags_ForSh()
    {
        Assert.Equal(
            ServiceRuleFlags.Scheduler1 | ServiceRuleFlags.Scheduler2,
            Command("-A -t 198.18.0.10:80 -s sh -b sh-fallback,sh-port").Service.Flags);
    }

    [Fact]
    public void Parse_Help_PrintsUsageAndSucceeds()
    {
        var outcome = Parse("-h");

        Assert.Equal(0, outcome.ExitCode);
        Assert.StartsWith("lvsadm v", outcome.Stdout, StringComparison.Ordinal);
        Assert.Contains("Usage:", outcome.Stdout, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("-A -t 198.18.0.10:80 -w 5", 2, "Illegal 'weight' option with the 'add-service' command")]
    [InlineData("-a -t 198.18.0.10:80 -r 198.18.1.1 -w 65536", 2, "illegal weight specified")]
    [InlineData("-a -t 198.18.0.10:80 -r 198.18.1.1 -w -1", 2, "illegal weight specified")]
    [InlineData("-a -t 198.18.0.10:80 -r 198.18.1.1 -w abc", 2, "illegal weight specified")]
    [InlineData("-A -t 198.18.0.10", 2, "Zero port specified for non-persistent service")]
    [InlineData("-A -t 198.18.0.10:0", 2, "Zero port specified for non-persistent service")]
    [InlineData("-A -t 80", 2, "illegal virtual server address[:port] specified")]
    [InlineData("-A -t 198.18.0.10:99999", 2, "illegal virtual server address[:port] specified")]
    [InlineData("-A -t 198.18.0.10:nosuch", 2, "illegal virtual server address[:port] specified")]
    [InlineData("-A -t [fd00::1]", 2, "illegal virtual server address[:port] specified")]
    [InlineData("-A -t unknown.host:80", 2, "illegal virtual server address[:port] specified")]
    [InlineData("-a -t 198.18.0.10:80 -r bogus.host", 2, "illegal real server address[:port] specified")]
    [InlineData("-a -t 198.18.0.10:80", 2, "You need to supply the 'real-server' option for the 'add-server' command")]
    [InlineData("-A -s rr", 2, "You need to supply the 'service-address' option for the 'add-service' command")]
    [InlineData("-A -t 198.18.0.10:80 -t 198.18.0.11:80", 2, "multiple 'service-address' options specified")]
    [InlineData("-A -t 198.18.0.10:80 -s rr -s wrr", 2, "multiple 'scheduler' options specified")]
    [InlineData("-A -t 198.18.0.10:80 -L", 2, "invalid option `-L'")]
    [InlineData("-A -t 198.18.0.10:80 extra", 2, "unexpected argument extra")]
    [InlineData("-L -c --stats", 2, "options conflicts in the list command")]
    [InlineData("-L -c -t 198.18.0.10:80", 2, "The option 'service-address' conflicts with the 'connection' option in the 'list' command")]
    [InlineData("-L --timeout --daemon", 2, "The option 'daemon' conflicts with the 'timeout' option in the 'list' command")]
    [InlineData("-L --timeout --persistent-conn", 2, "options conflicts in the list command")]
    [InlineData("-A -t 198.18.0.10:80 -p 0", 2, "invalid timeout value `0' specified")]
    [InlineData("-A -f 0", 2, "invalid fwmark value `0' specified")]
    [InlineData("-A -t 198.18.0.10:80 -6", 2, "-6 used before -f\n")]
    [InlineData("-A -t 198.18.0.10:80 -o", 2, "One-Packet Scheduling is only for UDP virtual services")]
    [InlineData("-A -t 198.18.0.10:80 -s rr -b sh-port", 2, "incompatible scheduler flag `sh-port'")]
    [InlineData("-A -t 198.18.0.10:80 -b bogus", 2, "invalid scheduler flag `bogus'")]
    [InlineData("-A -t 198.18.0.10:80 -p -M 300.1.1.1", 2, "illegal virtual server persistent mask specified")]
    [InlineData("-A -t [fd00::1]:80 -p -M 129", 2, "illegal ipv6 netmask specified")]
    [InlineData("-a -t 198.18.0.10:80 -r [fd00::1]:80 -m", 2, "Different address family is allowed only for tunneling servers")]
    [InlineData("-a -t 198.18.0.10:80 -r 198.18.1.1 -m --tun-type gue", 2, "Tunnel options conflict with forward method")]
    [InlineData("-a -t 198.18.0.10:80 -r 198.18.1.1 -i --tun-type gue", 2, "You need to supply the 'tun-port' option for the 'gue' tunnel type")]
    [InlineData("-a -t 198.18.0.10:80 -r 198.18.1.1 -i --tun-port 5", 2, "Illegal 'tun-port' option with the 'ipip' tunnel type")]
    [InlineData("-a -t 198.18.0.10:80 -r 198.18.1.1 -i --tun-type xyz", 2, "illegal tunnel type specified")]
    [InlineData("--set 1 2", 2, "--set option requires 3 timeout values")]
    [InlineData("--start-daemon sideways", 2, "illegal start-daemon parameter specified")]
    [InlineData("--stop-daemon sideways", 2, "illegal start_daemon specified")]
    [InlineData("-a -t 198.18.0.10:80 -r 198.18.1.1 -x 1 -y x", 2, "illegal l_threshold specified")]
    [InlineData("-C -n", 2, "Illegal 'numeric' option with the 'flush' command")]
    [InlineData("-t 198.18.0.10:80 -A", 255, "Try `lvsadm -h' or 'lvsadm --help' for more information.")]
    [InlineData("-nL", 255, "Try `lvsadm -h' or 'lvsadm --help' for more information.")]
    [InlineData("--bogus", 255, "Try `lvsadm -h' or 'lvsadm --help' for more information.")]
    [InlineData("-A --bogus", 255, "--bogus: unknown option")]
    [InlineData("-A -t", 255, "-t: missing argument")]
    [InlineData("-L --numeric=1", 255, "--numeric=1: option does not take a value")]
    public void Parse_BadInput_GivesIpvsadmMessageAndStatus(string line, int exitCode, string message)
    {
        var outcome = Parse(line);

        Assert.Null(outcome.Command);
        Assert.Equal(message + "\n", outcome.Stderr);
        Assert.Equal(exitCode, outcome.ExitCode);
    }

    [Fact]
    public void Parse_SecondGivenBeforeServiceIsFixed_RealServerBeforeServiceHasNoPort()
    {
        // ipvsadm copies the service as read so far: -r before -t gets port 0 under NAT.
        Assert.Equal(0, Command("-a -r 198.18.1.1 -m -t 198.18.0.10:80").Destination.Port);
    }

    [Theory]
    [InlineData("--add-mark 1 -t 198.18.0.10:80", 6, "198.18.0.10", 32, 80, 80)]
    [InlineData("--add-mark 1 -t 198.18.0.10", 6, "198.18.0.10", 32, 0, 65535)]
    [InlineData("--add-mark 1 -t 198.18.0.0/24:80-443", 6, "198.18.0.0", 24, 80, 443)]
    [InlineData("--add-mark 1 -t 198.18.0.77/24:http", 6, "198.18.0.0", 24, 80, 80)]
    [InlineData("--add-mark 1 -u [fd00:198:18::10]:53", 17, "fd00:198:18::10", 128, 53, 53)]
    [InlineData("--add-mark 1 -u [fd00:198:18::]/64:53-54", 17, "fd00:198:18::", 64, 53, 54)]
    [InlineData("--add-mark 1 -u [fd00:198:18::/64]:53", 17, "fd00:198:18::", 64, 53, 53)]
    [InlineData("--add-mark 1 -t fd00:198:18::/32", 6, "fd00:198::", 32, 0, 65535)]
    public void Parse_AddMark_Selector(string line, byte protocol, string network, int prefix, int first, int last)
    {
        var command = Command(line);

        Assert.Equal(AdminCommandKind.AddMark, command.Kind);
        Assert.Equal(new FirewallMarkRule(protocol, InetAddress.Parse(network), prefix, (ushort)first, (ushort)last, 1), command.Mark);
    }

    [Fact]
    public void Parse_DelMark_CarriesMarkAndSelector()
    {
        var command = Command("--del-mark 42 -t 198.18.0.10:443");

        Assert.Equal(AdminCommandKind.DeleteMark, command.Kind);
        Assert.Equal(42u, command.Mark!.Value.Mark);
    }

    [Theory]
    [InlineData("--add-mark 0 -t 198.18.0.10:80", "invalid fwmark value `0' specified")]
    [InlineData("--add-mark x -t 198.18.0.10:80", "invalid fwmark value `x' specified")]
    [InlineData("--add-mark 1", "You need to supply the 'service-address' option for the 'add-mark' command")]
    [InlineData("--add-mark 1 -t 198.18.0.10:80 -s rr", "Illegal 'scheduler' option with the 'add-mark' command")]
    [InlineData("--add-mark 1 -t 198.18.0.0/33:80", "illegal mark selector ADDR[/PREFIX][:PORT[-PORT]] specified")]
    [InlineData("--add-mark 1 -t 198.18.0.10:443-80", "illegal mark selector ADDR[/PREFIX][:PORT[-PORT]] specified")]
    [InlineData("--add-mark 1 -t 198.18.0.10:99999", "illegal mark selector ADDR[/PREFIX][:PORT[-PORT]] specified")]
    [InlineData("--add-mark 1 -t some.host:80", "illegal mark selector ADDR[/PREFIX][:PORT[-PORT]] specified")]
    [InlineData("--add-mark 1 --sctp-service 198.18.0.10:80", "marks select TCP (-t) or UDP (-u) packets")]
    [InlineData("--tunable sloppy_tcp", "--tunable option requires a name and a value")]
    [InlineData("--tunable am_droprate 1", "unknown tunable `am_droprate' (known: conn_reuse_mode, expire_nodest_conn, expire_quiescent_template, schedule_icmp, sloppy_tcp)")]
    [InlineData("--tunable sloppy_tcp yes", "invalid tunable value `yes' specified")]
    [InlineData("--tunable sloppy_tcp 1 2", "unexpected argument 2")]
    [InlineData("--list-tunables -n", "Illegal 'numeric' option with the 'list-tunables' command")]
    public void Parse_BadMarkOrTunable_Status2WithMessage(string line, string message)
    {
        var outcome = Parse(line);

        Assert.Equal((2, message + "\n"), (outcome.ExitCode, outcome.Stderr));
    }

    [Fact]
    public void Parse_Tunable_NameAndValue()
    {
        var command = Command("--tunable conn_reuse_mode 3");

        Assert.Equal((AdminCommandKind.SetTunable, new TunableSetting("conn_reuse_mode", 3)), (command.Kind, command.Tunable));
    }

    [Theory]
    [InlineData("-A -t 198.18.0.10:0 -p", 0, ServiceRuleFlags.Persistent)]
    [InlineData("-A -t 198.18.0.10:80 -p 3 -M 255.255.255.0", 3, ServiceRuleFlags.Persistent)]
    [InlineData("-A -f 1 -p", 300, ServiceRuleFlags.Persistent)]
    [InlineData("-A -u 198.18.0.10:53 -o", 0, ServiceRuleFlags.OnePacket)]
    public void Parse_PersistenceAndOnePacket_Flags(string line, uint timeout, ServiceRuleFlags flags)
    {
        var service = Command(line).Service;

        Assert.Equal(flags, service.Flags);
        Assert.Equal(timeout == 0 && flags == ServiceRuleFlags.Persistent ? 300u : timeout, service.Timeout);
    }
}
