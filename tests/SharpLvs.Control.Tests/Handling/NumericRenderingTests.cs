using SharpLvs.Control.Handling;
using SharpLvs.Control.Ipvsadm;
using SharpLvs.Control.Listing;
using SharpLvs.Control.Protocol;

namespace SharpLvs.Control.Tests.Handling;

/// <summary>
/// lvsd prints -n listings itself (ControlRequest.RenderNumericText): the text must be what
/// lvsadm prints from the data, byte for byte, for every listing kind.
/// </summary>
public class NumericRenderingTests
{
    private static RuleSetHandler Rich()
    {
        var handler = new RuleSetHandler(["rr", "wrr", "wlc", "sh"]);
        var parser = new CommandLineParser(new FakeNameService());
        foreach (var line in new[]
        {
            "-A -t 198.18.0.10:80 -s wrr -p 600 -M 255.255.255.0",
            "-a -t 198.18.0.10:80 -r 198.18.1.1 -w 3 -x 100 -y 10",
            "-a -t 198.18.0.10:80 -r 198.18.1.2 -w 0",
            "-A -u 198.18.0.10:53 -s sh -b sh-port -o",
            "-a -u 198.18.0.10:53 -r 198.18.1.3:5353 -m",
            "-A -t [fd00:198:18::10]:443 -s wlc -p 60 -M 64",
            "-a -t [fd00:198:18::10]:443 -r [fd00:198:18::1]:443 -m -w 2",
            "-A -f 7 -s rr",
            "-a -f 7 -r 198.18.1.9 -i --tun-type gre --tun-csum",
            "--add-mark 5 -t 198.18.0.0/24:80-443",
        })
        {
            Assert.Equal(0, handler.Handle(ControlRequest.Of(parser.Parse(line.Split(' ')).Command!)).ExitCode);
        }

        return handler;
    }

    [Theory]
    [InlineData("-L -n")]
    [InlineData("-L -n --stats")]
    [InlineData("-L -n --rate")]
    [InlineData("-L -n --stats --exact")]
    [InlineData("-L -n --thresholds --nosort")]
    [InlineData("-L -n --persistent-conn")]
    [InlineData("-L -n --tun-info")]
    [InlineData("-L -n -t 198.18.0.10:80")]
    [InlineData("-S -n")]
    [InlineData("-L -n --timeout")]
    [InlineData("--list-marks -n")]
    public void Handle_RenderNumericText_SameTextAsLvsadmPrintsFromData(string line)
    {
        var handler = Rich();
        var command = new CommandLineParser(new FakeNameService()).Parse(line.Split(' ')).Command!;

        var data = handler.Handle(ControlRequest.Of(command));
        var text = handler.Handle(ControlRequest.Of(command) with { RenderNumericText = true });

        Assert.Equal(0, text.ExitCode);
        Assert.Null(text.Listing);
        Assert.Equal(Lvsadm.Render(command, data, new ListingFormatter(new FakeNameService())), text.Text);
        Assert.NotEmpty(text.Text!);
    }

    [Fact]
    public void Handle_RenderNumericTextWithoutNumeric_SendsDataForLvsadmToName()
    {
        var handler = Rich();
        var command = new CommandLineParser(new FakeNameService()).Parse(["-L"]).Command!;

        var response = handler.Handle(ControlRequest.Of(command) with { RenderNumericText = true });

        Assert.Null(response.Text);
        Assert.NotNull(response.Listing);
    }

    [Fact]
    public void Handle_RenderNumericTextForMissingService_KeepsTheError()
    {
        var handler = Rich();
        var command = new CommandLineParser(new FakeNameService()).Parse(["-L", "-n", "-t", "198.18.0.99:80"]).Command!;

        var response = handler.Handle(ControlRequest.Of(command) with { RenderNumericText = true });

        Assert.Equal(ExitCodes.ListFailed, response.ExitCode);
        Assert.Null(response.Text);
    }
}
