using SharpLvs.Core.Scheduling;
using SharpLvs.Core.Services;
using SharpLvs.Packets;
using static SharpLvs.Core.Tests.Scheduling.SchedulingKit;
using static SharpLvs.Core.Tests.TestServices;

namespace SharpLvs.Core.Tests.Scheduling;

// Expectations from ip_vs_dh.c: bucket = (destination × 2654435761) mod 256, bucket i holds
// server i mod n. 198.18.0.100 = 0xC6120064: the product's low byte is 0x64 × 0xB1 mod 256 = 36;
// 198.18.0.101: 0x65 × 0xB1 mod 256 = 213.
public class DestinationHashingSchedulerTests
{
    private static RealServer[] Five() => [Server('A'), Server('B'), Server('C'), Server('D'), Server('E')];

    [Theory]
    [InlineData("198.18.0.100", 'B')] // 36 mod 5 = 1
    [InlineData("198.18.0.101", 'D')] // 213 mod 5 = 3
    public void Schedule_Destination_GoesToItsBucketsServer(string destination, char expected)
    {
        var service = Service(SchedulerNames.DestinationHashing, ServiceFlags.None, Five());

        Assert.Equal(expected, PickName(service, To(destination)));
    }

    [Fact]
    public void Schedule_SameDestination_SameServerWhoeverTheClientAndWhateverTheLoad()
    {
        var servers = Five();
        var service = Service(SchedulerNames.DestinationHashing, ServiceFlags.None, servers);

        for (var i = 1; i <= 20; i++)
        {
            var server = Pick(service, To("198.18.0.100", $"198.18.6.{i}"))!;
            server.Bind(inactive: false, template: false);
            Assert.Same(servers[1], server);
        }
    }

    [Fact]
    public void Schedule_ManyDestinations_EachStableAndOnItsBucket()
    {
        var servers = Five();
        var service = Service(SchedulerNames.DestinationHashing, ServiceFlags.None, servers);

        for (uint i = 0; i < 500; i++)
        {
            var destination = InetAddress.FromV4(0xC6120000u + (i * 7919));
            var flow = new SharpLvs.Core.Connections.FlowKey(IpProtocols.Tcp, Vip, 1, destination, 80);
            var expected = servers[(int)((destination.V4 * 2654435761u) & 255) % servers.Length];

            Assert.Same(expected, Pick(service, flow));
            Assert.Same(expected, Pick(service, flow));
        }
    }

    [Fact]
    public void Schedule_BucketServerUnavailable_NoFallback()
    {
        var servers = Five();
        var service = Service(SchedulerNames.DestinationHashing, ServiceFlags.HashFallback, servers);

        servers[1].Weight = 0;
        Assert.Null(Pick(service, To("198.18.0.100")));
        servers[1].Weight = 1;
        Overload(servers[1]);

        Assert.Null(Pick(service, To("198.18.0.100")));
        Assert.Equal('D', PickName(service, To("198.18.0.101")));
    }

    [Fact]
    public void Schedule_ServerRemoved_TableRedealt()
    {
        var servers = Five();
        var service = Service(SchedulerNames.DestinationHashing, ServiceFlags.None, servers);

        // Without A the list is B C D E: bucket 36 → 36 mod 4 = 0 → B; 213 mod 4 = 1 → C.
        service = Rebuilt(service, servers[1..]);

        Assert.Equal('B', PickName(service, To("198.18.0.100")));
        Assert.Equal('C', PickName(service, To("198.18.0.101")));
    }

    [Fact]
    public void Schedule_NoServers_ReturnsNull()
    {
        Assert.Null(Pick(Service(SchedulerNames.DestinationHashing, ServiceFlags.None), To("198.18.0.100")));
    }
}
