using System.Net.Sockets;
using SharpLvs.Control.Handling;
using SharpLvs.Control.Ipvsadm;
using SharpLvs.Control.Protocol;
using SharpLvs.Control.Rules;

namespace SharpLvs.Control.Tests.Protocol;

public sealed class ControlServerTests
{
    private static string UniqueName() => $"sharplvs-test/{Guid.NewGuid():N}";

    private static AdminCommand Parse(string line) =>
        new CommandLineParser(new FakeNameService()).Parse(line.Split(' ')).Command!;

    [Fact]
    public void Send_AddAndList_RoundTripsThroughAbstractSocket()
    {
        var name = UniqueName();
        var handler = new RuleSetHandler(["rr", "wlc"]);
        using var server = new ControlServer(handler, name);
        server.Start();
        var client = new ControlClient(name, TimeSpan.FromSeconds(10));

        Assert.Equal("", client.Send(ControlRequest.Of(Parse("-A -t 198.18.0.10:80 -s rr"))).Error);
        Assert.Equal("", client.Send(ControlRequest.Of(Parse("-a -t 198.18.0.10:80 -r [fd00::1]:80 -i -w 3"))).Error);
        var listing = client.Send(ControlRequest.Of(Parse("-L -n")));

        var service = Assert.Single(listing.Listing!.Services);
        Assert.Equal(Parse("-A -t 198.18.0.10:80 -s rr").Service, service.Rule);
        var destination = Assert.Single(service.Destinations);
        Assert.Equal(Parse("-a -t 198.18.0.10:80 -r [fd00::1]:80 -i -w 3").Destination, destination.Rule);
    }

    [Fact]
    public void Send_RefusedOperation_CarriesMessageAndStatus()
    {
        var name = UniqueName();
        using var server = new ControlServer(new RuleSetHandler(["rr"]), name);
        server.Start();

        var response = new ControlClient(name).Send(ControlRequest.Of(Parse("-D -t 198.18.0.10:80")));

        Assert.Equal(ExitCodes.OperationFailed, response.ExitCode);
        Assert.Equal("No such service", response.Error);
    }

    [Fact]
    public void Send_NonRootPeer_PermissionDenied()
    {
        var name = UniqueName();
        var handler = new RuleSetHandler(["rr"]);
        using var server = new ControlServer(handler, name, _ => new PeerCredentials(1234, 1000, 1000), null, null);
        server.Start();

        var response = new ControlClient(name).Send(ControlRequest.Of(Parse("-A -t 198.18.0.10:80 -s rr")));

        Assert.Equal("Permission denied (you must be root)", response.Error);
        Assert.Equal(ExitCodes.BadArgument, response.ExitCode);
        Assert.Empty(handler.Current.Services);
    }

    [Fact]
    public void Send_NoServer_ControlUnavailable()
    {
        var error = Assert.Throws<ControlUnavailableException>(() => new ControlClient(UniqueName()).Send(ControlRequest.Of(Parse("-L -n"))));

        Assert.Equal("cannot reach lvsd in this network namespace (is it running?)", error.Message);
    }

    [Fact]
    public void Start_SecondServerSameName_Refused()
    {
        var name = UniqueName();
        using var first = new ControlServer(new RuleSetHandler(["rr"]), name);
        first.Start();
        using var second = new ControlServer(new RuleSetHandler(["rr"]), name);

        Assert.Throws<InvalidOperationException>(second.Start);
    }

    [Fact]
    public async Task Serve_GarbageFrame_ServerSurvives()
    {
        var name = UniqueName();
        var errors = 0;
        using var server = new ControlServer(new RuleSetHandler(["rr"]), name, _ => Interlocked.Increment(ref errors));
        server.Start();

        using (var raw = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified))
        {
            await raw.ConnectAsync(ControlEndpoint.For(name));
            await raw.SendAsync(new byte[] { 0, 0, 0, 5, (byte)'{', (byte)'x', (byte)'x', (byte)'}', (byte)'!' });
            var buffer = new byte[16];
            Assert.Equal(0, await raw.ReceiveAsync(buffer));
        }

        using (var huge = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified))
        {
            await huge.ConnectAsync(ControlEndpoint.For(name));
            await huge.SendAsync(new byte[] { 0x7F, 0xFF, 0xFF, 0xFF });
            Assert.Equal(0, await huge.ReceiveAsync(new byte[16]));
        }

        Assert.Equal(ExitCodes.Success, new ControlClient(name).Send(ControlRequest.Of(Parse("-L -n"))).ExitCode);
        Assert.Equal(2, Volatile.Read(ref errors));
    }

    [Fact]
    public void Send_Transaction_AllOrNothing()
    {
        var name = UniqueName();
        var handler = new RuleSetHandler(["rr"]);
        using var server = new ControlServer(handler, name);
        server.Start();
        var client = new ControlClient(name);

        var response = client.Send(new ControlRequest(
        [
            Parse("-A -t 198.18.0.10:80 -s rr"),
            Parse("-a -t 198.18.0.10:80 -r 198.18.1.1"),
            Parse("-a -t 198.18.0.10:80 -r 198.18.1.1"),
        ]));

        Assert.Equal("Destination already exists", response.Error);
        Assert.Empty(handler.Current.Services);
    }

    [Theory]
    [InlineData(0u, true)]
    [InlineData(1000u, false)]
    public void IsAllowed_RootOnly(uint uid, bool allowed)
    {
        Assert.Equal(allowed, PeerCredentials.IsAllowed(new PeerCredentials(1, uid, 0)));
    }

    [Fact]
    public void IsAllowed_UnknownPeer_Refused()
    {
        Assert.False(PeerCredentials.IsAllowed(null));
    }

    [Fact]
    public void Read_RealUnixSocketPair_GivesOwnUid()
    {
        var name = UniqueName();
        using var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        listener.Bind(ControlEndpoint.For(name));
        listener.Listen(1);
        using var client = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        client.Connect(ControlEndpoint.For(name));
        using var accepted = listener.Accept();

        var peer = PeerCredentials.Read(accepted);

        Assert.NotNull(peer);
        Assert.Equal(Environment.ProcessId, peer.Value.ProcessId);
        Assert.Equal(Convert.ToUInt32(File.ReadAllLines("/proc/self/status").First(l => l.StartsWith("Uid:", StringComparison.Ordinal)).Split('\t')[1]), peer.Value.UserId);
    }
}
