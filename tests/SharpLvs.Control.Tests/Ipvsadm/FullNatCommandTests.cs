using SharpLvs.Control.Handling;
using SharpLvs.Control.Ipvsadm;
using SharpLvs.Control.Listing;
using SharpLvs.Control.Protocol;
using SharpLvs.Control.Rules;
using SharpLvs.Core.Services;
using SharpLvs.Packets;

namespace SharpLvs.Control.Tests.Ipvsadm;

/// <summary>NAT port mapping and DPVS's FULLNAT commands: parsing, rules, -S and --get-laddr.</summary>
public class FullNatCommandTests
{
    private static readonly InetAddress Lip = InetAddress.Parse("198.18.1.250");

    private static ParseOutcome Parse(string line) =>
        new CommandLineParser(new FakeNameService()).Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries));

    private static AdminCommand Command(string line)
    {
        var outcome = Parse(line);
        Assert.True(outcome.Command is not null, $"'{line}' failed: {outcome.Stderr}");
        return outcome.Command!;
    }

    [Theory]
    [InlineData("-a -t 198.18.0.250:80 -r 198.18.1.21:8080 -m", ForwardingMethod.Masquerade, 8080)]
    [InlineData("-a -t 198.18.0.250:80 -r 198.18.1.21:8080 --fullnat", ForwardingMethod.FullNat, 8080)]
    [InlineData("-a -t 198.18.0.250:80 -r 198.18.1.21:8080 -g", ForwardingMethod.DirectRouting, 80)]
    public void Parse_RealServerPort_MappedOnlyForNatMethods(string line, ForwardingMethod method, int port)
    {
        var command = Command(line);

        Assert.Equal((method, (ushort)port), (command.Destination.Forwarding, command.Destination.Port));
    }

    [Theory]
    [InlineData("-P -t 198.18.0.250:80 -z 198.18.1.250", AdminCommandKind.AddLocalAddress)]
    [InlineData("--add-laddr -t 198.18.0.250:80 --laddr 198.18.1.250", AdminCommandKind.AddLocalAddress)]
    [InlineData("-Q -t 198.18.0.250:80 -z 198.18.1.250", AdminCommandKind.DeleteLocalAddress)]
    [InlineData("--del-laddr -t 198.18.0.250:80 -z 198.18.1.250", AdminCommandKind.DeleteLocalAddress)]
    public void Parse_LocalAddressCommands_CarryServiceAndAddress(string line, AdminCommandKind kind)
    {
        var command = Command(line);

        Assert.Equal(kind, command.Kind);
        Assert.Equal(Lip, command.LocalAddress);
        Assert.Equal(80, command.Service.Key.Port);
    }

    [Theory]
    [InlineData("-P -t 198.18.0.250:80", "You need to supply the 'laddr' option for the 'add-laddr' command")]
    [InlineData("-P -z 198.18.1.250", "You need to supply the 'service-address' option for the 'add-laddr' command")]
    [InlineData("-P -t 198.18.0.250:80 -z 198.18.1.250 -w 2", "Illegal 'weight' option with the 'add-laddr' command")]
    [InlineData("-a -t 198.18.0.250:80 -r 198.18.1.21 -z 198.18.1.250", "Illegal 'laddr' option with the 'add-server' command")]
    [InlineData("-P -t 198.18.0.250:80 -z nonsense", "illegal local address specified")]
    [InlineData("-P -t 198.18.0.250:80 -z fd00:198:18::1", "local address and virtual service must be of one family (and no fwmark service)")]
    public void Parse_BadLocalAddressCommand_Status2WithMessage(string line, string message)
    {
        var outcome = Parse(line);

        Assert.Equal((2, message + "\n"), (outcome.ExitCode, outcome.Stderr));
    }

    [Fact]
    public void RuleSet_LocalAddresses_AddedOnceRemovedOnce()
    {
        var rules = new RuleSet(["rr"]);
        var key = new ServiceKey(IpProtocolNumbers.Tcp, InetAddress.Parse("198.18.0.250"), 80);
        Assert.Equal(RuleError.ServiceNotDefined, rules.AddLocalAddress(key, Lip));
        rules.AddService(ServiceRule.For(key, "rr"));

        Assert.Equal(RuleError.None, rules.AddLocalAddress(key, Lip));
        Assert.Equal(RuleError.LocalAddressExists, rules.AddLocalAddress(key, Lip));
        Assert.Equal(RuleError.InvalidOperation, rules.AddLocalAddress(key, InetAddress.Parse("fd00:198:18::1")));
        Assert.Equal([Lip], rules.FindService(key)!.LocalAddresses);
        Assert.Equal(RuleError.None, rules.DeleteLocalAddress(key, Lip));
        Assert.Equal(RuleError.NoSuchLocalAddress, rules.DeleteLocalAddress(key, Lip));
    }

    [Fact]
    public void Handler_SaveAndGetLocalAddress_PrintAsFullNatIpvsadm()
    {
        var handler = new RuleSetHandler(["rr"]);
        foreach (var line in new[]
        {
            "-A -t 198.18.0.250:80 -s rr",
            "-a -t 198.18.0.250:80 -r 198.18.1.21:8080 --fullnat",
            "-P -t 198.18.0.250:80 -z 198.18.1.250",
        })
        {
            Assert.Equal(ExitCodes.Success, handler.Handle(new ControlRequest([Command(line)])).ExitCode);
        }

        var saved = handler.Handle(new ControlRequest([Command("-S -n")])).Listing!;
        var text = new ListingFormatter(new FakeNameService()).FormatAll(saved, ListFormat.Numeric | ListFormat.Rule);
        var laddrs = LocalAddressFormatter.Format(handler.Handle(new ControlRequest([Command("-G")])).Listing!);

        Assert.Equal(
            "-A -t 198.18.0.250:80 -s rr\n-a -t 198.18.0.250:80 -r 198.18.1.21:8080 --fullnat -w 1\n-P -t 198.18.0.250:80 -z 198.18.1.250\n",
            text);
        Assert.Equal(
            "VIP:VPORT            TOTAL    LADDR                CONFLICTS  CONNS     \n"
            + "198.18.0.250:80      1        \n"
            + "                              198.18.1.250         0          0         \n",
            laddrs);
    }
}
