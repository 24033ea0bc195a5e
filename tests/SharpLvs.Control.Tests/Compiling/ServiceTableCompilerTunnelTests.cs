using SharpLvs.Control.Compiling;
using SharpLvs.Control.Rules;
using SharpLvs.Core.Scheduling;
using SharpLvs.Core.Services;
using SharpLvs.Packets;

namespace SharpLvs.Control.Tests.Compiling;

public class ServiceTableCompilerTunnelTests
{
    private static readonly ServiceKey Vip = new(IpProtocolNumbers.Tcp, InetAddress.Parse("198.18.0.10"), 80);
    private static readonly InetAddress Rs1 = InetAddress.Parse("198.18.1.1");

    private readonly RuleSet _rules = new(SchedulerRegistry.Default.Names);

    [Theory]
    [InlineData(TunnelType.IpIp, 0, TunnelFlags.NoChecksum, TunnelEncapsulation.IpIp, 0, TunnelChecksum.None)]
    [InlineData(TunnelType.Gue, 6080, TunnelFlags.NoChecksum, TunnelEncapsulation.Gue, 6080, TunnelChecksum.None)]
    [InlineData(TunnelType.Gue, 6080, TunnelFlags.Checksum, TunnelEncapsulation.Gue, 6080, TunnelChecksum.Checksum)]
    [InlineData(TunnelType.Gue, 6081, TunnelFlags.RemoteChecksum, TunnelEncapsulation.Gue, 6081, TunnelChecksum.Remote)]
    [InlineData(TunnelType.Gre, 0, TunnelFlags.Checksum, TunnelEncapsulation.Gre, 0, TunnelChecksum.Checksum)]
    public void Compile_TunnelDestination_CarriesTheTunnelSettings(
        TunnelType type, int port, TunnelFlags flags, TunnelEncapsulation expectedType, int expectedPort, TunnelChecksum expectedChecksum)
    {
        _rules.AddService(new ServiceRule(Vip, "rr"));
        _rules.AddDestination(Vip, new DestinationRule(Rs1, 80, ForwardingMethod.Tunnel, 1, TunnelType: type, TunnelPort: (ushort)port, TunnelFlags: flags));

        var server = ServiceTableCompiler.Compile(_rules.View(), ServiceTable.Empty).Find(Vip)!.RealServers[0];

        Assert.Equal(ForwardingMethod.Tunnel, server.Method);
        Assert.Equal(new TunnelSettings(expectedType, (ushort)expectedPort, expectedChecksum), server.Tunnel);
    }

    [Fact]
    public void Compile_EditedTunnelType_SameServerNewSettings()
    {
        _rules.AddService(new ServiceRule(Vip, "rr"));
        _rules.AddDestination(Vip, new DestinationRule(Rs1, 80, ForwardingMethod.Tunnel));
        var first = ServiceTableCompiler.Compile(_rules.View(), ServiceTable.Empty);

        _rules.EditDestination(Vip, new DestinationRule(Rs1, 80, ForwardingMethod.Tunnel, TunnelType: TunnelType.Gue, TunnelPort: 6080));
        var second = ServiceTableCompiler.Compile(_rules.View(), first);

        var server = second.Find(Vip)!.RealServers[0];
        Assert.Same(first.Find(Vip)!.RealServers[0], server);
        Assert.Equal(TunnelEncapsulation.Gue, server.Tunnel.Type);
        Assert.Equal(6080, server.Tunnel.Port);
    }
}
