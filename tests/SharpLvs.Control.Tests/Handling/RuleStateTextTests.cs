using SharpLvs.Control.Handling;
using SharpLvs.Control.Ipvsadm;
using SharpLvs.Control.Listing;
using SharpLvs.Control.Protocol;

namespace SharpLvs.Control.Tests.Handling;

public class RuleStateTextTests
{
    private static RuleSetHandler Handler() => new(["rr", "wrr", "wlc", "sh"]);

    private static void Apply(RuleSetHandler handler, params string[] lines)
    {
        var parser = new CommandLineParser(new FakeNameService());
        foreach (var line in lines)
        {
            var response = handler.Handle(ControlRequest.Of(parser.Parse(line.Split(' ')).Command!));
            Assert.True(response.ExitCode == 0, $"{line}: {response.Error}");
        }
    }

    private static string Listing(RuleSetHandler handler, ListFormat format)
    {
        var stdout = new StringWriter();
        var args = format.HasFlag(ListFormat.Rule) ? new[] { "-S", "-n" } : ["-L", "-n", "--nosort", "--thresholds"];
        Lvsadm.Run(args, TextReader.Null, stdout, TextWriter.Null, handler.Handle, new FakeNameService());
        return stdout.ToString();
    }

    private static RuleSetHandler Rich()
    {
        var handler = Handler();
        Apply(
            handler,
            "-A -t 198.18.0.10:80 -s wrr -p 600 -M 255.255.255.0",
            "-a -t 198.18.0.10:80 -r 198.18.1.1 -w 3 -x 100 -y 10",
            "-a -t 198.18.0.10:80 -r 198.18.1.2 -w 0",
            "-a -t 198.18.0.10:80 -r 198.18.1.3 -w 1",
            "-A -u 198.18.0.10:53 -s sh -b sh-port -o",
            "-a -u 198.18.0.10:53 -r 198.18.1.3:5353 -m",
            "-A -t [fd00:198:18::10]:443 -s wlc -p 60 -M 64",
            "-a -t [fd00:198:18::10]:443 -r [fd00:198:18::1]:443 -m -w 2",
            "-A -f 7 -s rr",
            "-a -f 7 -r 198.18.1.9 -i --tun-type gre --tun-csum",
            "--set 3600 60 120",
            "--add-mark 5 -t 198.18.0.0/24:80-443",
            "--tunable sloppy_tcp 1");
        return handler;
    }

    [Fact]
    public void WriteThenRestore_RebuildsSameSaveListingAndTimeouts()
    {
        var before = Rich();
        var text = RuleStateText.Write(before.Current, "netns cookie 42");

        var after = Handler();
        Assert.Null(RuleStateText.Restore(after, text));

        Assert.Equal(Listing(before, ListFormat.Rule), Listing(after, ListFormat.Rule));
        Assert.Equal(before.Current.Timeouts, after.Current.Timeouts);
        Assert.Equal(before.Current.Marks, after.Current.Marks);
        Assert.Equal(before.Current.Tunables, after.Current.Tunables);
        Assert.NotEqual(Core.Services.IpvsTunables.Default, after.Current.Tunables);
        Assert.Single(after.Current.Marks);
    }

    [Fact]
    public void WriteThenRestore_KeepsDestinationListOrderAndThresholds()
    {
        var before = Rich();

        var after = Handler();
        Assert.Null(RuleStateText.Restore(after, RuleStateText.Write(before.Current)));

        // --nosort --thresholds shows the kernel-list order (rr walks it) and -x/-y, which -S omits.
        Assert.Equal(Listing(before, ListFormat.None), Listing(after, ListFormat.None));
        Assert.Equal(
            before.Current.Services.SelectMany(s => s.Destinations),
            after.Current.Services.SelectMany(s => s.Destinations));
    }

    [Fact]
    public void Write_IsReadableSaveSyntax()
    {
        var handler = Handler();
        Apply(handler, "-A -t 198.18.0.10:80 -s rr", "-a -t 198.18.0.10:80 -r 198.18.1.1");

        Assert.Equal(
            RuleStateText.Header +
            "# netns cookie 7\n" +
            "-A -t 198.18.0.10:80 -s rr\n" +
            "-a -t 198.18.0.10:80 -r 198.18.1.1:80 -g -w 1\n" +
            "--set 900 120 300\n",
            RuleStateText.Write(handler.Current, "netns cookie 7"));
    }

    [Fact]
    public void Restore_BadLine_NamesLineAndAppliesNothing()
    {
        var handler = Handler();

        var error = RuleStateText.Restore(handler, "# x\n-A -t 198.18.0.10:80 -s rr\n-a -t 198.18.0.10:80 -r 198.18.1.1 -w 99999\n");

        Assert.Equal("line 3: illegal weight specified", error);
        Assert.Empty(handler.Current.Services);
    }

    [Fact]
    public void Restore_ConflictingLines_NamesLineAndAppliesNothing()
    {
        var handler = Handler();

        var error = RuleStateText.Restore(handler, "-A -t 198.18.0.10:80 -s rr\n-A -t 198.18.0.10:80 -s rr\n");

        Assert.Equal("line 2: Service already exists", error);
        Assert.Empty(handler.Current.Services);
    }

    [Fact]
    public void Restore_HostNames_NotResolved()
    {
        // A state file never waits for DNS: names are refused as ipvsadm refuses an unknown host.
        Assert.NotNull(RuleStateText.Restore(Handler(), "-A -t vip.example:http -s rr\n"));
    }
}
