using System.Text.Json;
using SharpLvs.Control.Ipvsadm;
using SharpLvs.Control.Protocol;

namespace SharpLvs.Control.Tests.Protocol;

public class ControlJsonTests
{
    [Theory]
    [InlineData("-A -t 198.18.0.10:80 -s rr -p 60 -M 255.255.255.0")]
    [InlineData("-a -t [fd00::10]:80 -r [fd00::1]:80 -m -w 7 -x 10 -y 5")]
    [InlineData("-a -t 198.18.0.10:80 -r 198.18.1.1 -i --tun-type gue --tun-port 6080 --tun-csum")]
    [InlineData("-A -f 7 -6 -s rr")]
    [InlineData("-a -t 198.18.0.10:80 -r 198.18.1.1:8080 -m -w 0")]
    [InlineData("-e -t 198.18.0.10:80 -r 198.18.1.1 -g -w 0 -x 0 -y 0")]
    [InlineData("-L -n --stats --exact")]
    [InlineData("--add-laddr -t 198.18.0.10:80 -z 198.18.9.1")]
    [InlineData("--set 1 2 3")]
    [InlineData("--start-daemon backup --mcast-group 224.0.0.81 --syncid 5")]
    [InlineData("--add-mark 7 -t 198.18.0.0/24:80-443")]
    [InlineData("--del-mark 7 -u [fd00::]/64:53")]
    [InlineData("--tunable expire_nodest_conn 1")]
    public void Request_RoundTrips(string line)
    {
        var command = new CommandLineParser(new FakeNameService()).Parse(line.Split(' ')).Command!;
        var request = ControlRequest.Of(command);

        var json = JsonSerializer.Serialize(request, ControlJsonContext.Default.ControlRequest);
        var back = JsonSerializer.Deserialize(json, ControlJsonContext.Default.ControlRequest)!;

        Assert.Equal(command, back.Commands[0]);
    }

    [Fact]
    public void Request_Ipv4AsNumbersIpv6AsText_DefaultsLeftOut()
    {
        var command = new CommandLineParser(new FakeNameService()).Parse("-a -t 198.18.0.10:80 -r 198.18.1.1:8080 -m -w 0".Split(' ')).Command!;

        var json = JsonSerializer.Serialize(ControlRequest.Of(command), ControlJsonContext.Default.ControlRequest);

        Assert.Contains($"\"address\":{Packets.InetAddress.Parse("198.18.0.10").V4}", json, StringComparison.Ordinal);
        Assert.DoesNotContain("198.18.", json, StringComparison.Ordinal);
        Assert.DoesNotContain("fwmark", json, StringComparison.Ordinal);
        Assert.DoesNotContain("upperThreshold", json, StringComparison.Ordinal);
        Assert.Contains("\"weight\":0", json, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("\"198.18.0.1\"", "198.18.0.1")]
    [InlineData("3323068417", "198.18.0.1")]
    [InlineData("\"fd00::1\"", "fd00::1")]
    public void Address_TextOrNumber_Read(string json, string expected)
    {
        var key = JsonSerializer.Deserialize<Core.Services.ServiceKey>($"{{\"protocol\":6,\"address\":{json},\"port\":80}}", ControlJsonContext.Default.Options);

        Assert.Equal(Packets.InetAddress.Parse(expected), key.Address);
        Assert.Equal(0u, key.FirewallMark);
    }

    [Theory]
    [InlineData("-1")]
    [InlineData("4294967296")]
    [InlineData("\"not-an-address\"")]
    public void Address_Invalid_RefusedAsJsonError(string json) =>
        Assert.ThrowsAny<JsonException>(() => JsonSerializer.Deserialize<Core.Services.ServiceKey>($"{{\"protocol\":6,\"address\":{json},\"port\":80}}", ControlJsonContext.Default.Options));

    [Fact]
    public void Response_MarksAndTunables_RoundTrip()
    {
        var response = new ControlResponse(
            0,
            Marks: [new Core.Services.FirewallMarkRule(6, Packets.InetAddress.Parse("fd00::"), 64, 80, 443, 9)],
            Tunables: [new TunableSetting("sloppy_tcp", 1)]);

        var json = JsonSerializer.Serialize(response, ControlJsonContext.Default.ControlResponse);
        var back = JsonSerializer.Deserialize(json, ControlJsonContext.Default.ControlResponse)!;

        Assert.Equal(response.Marks, back.Marks);
        Assert.Equal(response.Tunables, back.Tunables);
    }
}
