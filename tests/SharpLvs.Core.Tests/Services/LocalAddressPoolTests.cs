using SharpLvs.Core.Services;
using SharpLvs.Packets;

namespace SharpLvs.Core.Tests.Services;

public class LocalAddressPoolTests
{
    private static readonly InetAddress Lip = InetAddress.Parse("198.18.1.250");

    [Fact]
    public void TryAllocate_WholeDefaultRange_GivesEveryPortOnceThenRefuses()
    {
        var pool = new LocalAddressPool(Lip);
        var seen = new HashSet<ushort>();

        for (var i = 0; i < pool.Size; i++)
        {
            Assert.True(pool.TryAllocate(IpProtocols.Tcp, out var port));
            Assert.InRange(port, LocalAddressPool.DefaultFirstPort, LocalAddressPool.DefaultLastPort);
            Assert.True(seen.Add(port), $"port {port} given twice");
        }

        Assert.False(pool.TryAllocate(IpProtocols.Tcp, out _));
        Assert.Equal(65535 - 1024 + 1, pool.InUse(IpProtocols.Tcp));
    }

    [Fact]
    public void TryAllocate_ProtocolsHaveSeparatePorts()
    {
        var pool = new LocalAddressPool(Lip, 7000, 7000);

        Assert.True(pool.TryAllocate(IpProtocols.Tcp, out var tcp));
        Assert.True(pool.TryAllocate(IpProtocols.Udp, out var udp));

        Assert.Equal((7000, 7000), (tcp, udp));
        Assert.False(pool.TryAllocate(IpProtocols.Tcp, out _));
    }

    [Fact]
    public void Release_ReturnedPort_IsGivenAgainOnlyAfterTheOthers()
    {
        var pool = new LocalAddressPool(Lip, 7000, 7199);
        Assert.True(pool.TryAllocate(IpProtocols.Tcp, out var first));

        pool.Release(IpProtocols.Tcp, first);
        var next = new List<ushort>();
        for (var i = 0; i < 200; i++)
        {
            Assert.True(pool.TryAllocate(IpProtocols.Tcp, out var port));
            next.Add(port);
        }

        // The cursor moves on: the freed port comes round last, not at once (the real
        // server may still hold the old connection in TIME_WAIT).
        Assert.Equal(first, next[^1]);
        Assert.Equal(200, next.Distinct().Count());
    }

    [Fact]
    public void Release_PortNotHeldOrOutOfRange_IsIgnored()
    {
        var pool = new LocalAddressPool(Lip, 7000, 7010);

        pool.Release(IpProtocols.Tcp, 7005);
        pool.Release(IpProtocols.Tcp, 80);

        Assert.Equal(0, pool.InUse(IpProtocols.Tcp));
    }
}
