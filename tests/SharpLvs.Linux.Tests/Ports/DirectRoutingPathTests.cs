using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using SharpLvs.Core.Pipeline;
using SharpLvs.Linux.Guard;
using SharpLvs.Linux.Netlink;
using SharpLvs.Linux.Ports;
using SharpLvs.Linux.Tests.Testbed;
using SharpLvs.Packets;

namespace SharpLvs.Linux.Tests.Ports;

/// <summary>
/// The edge pieces together on a Direct-Routing path: client → director → real server with
/// the VIP on the server's lo; replies come back through the director's kernel (ip_forward=1).
/// The director's loop rewrites only the Ethernet addresses of frames to the VIP and sends
/// them out of the server-side interface; the kernel guard keeps the director's kernel from
/// forwarding a second copy. TCP with TSO on the client carries super-frames and partial
/// checksums through the ring and back out (TESTBED facts 1-3).
/// </summary>
public class DirectRoutingPathTests
{
    private const string Vip = "198.18.2.100";

    [RootFact]
    public void Forward_TcpBulkToVip_ServerReceivesEveryByte()
    {
        using var client = NetworkNamespace.Create("c");
        using var director = NetworkNamespace.Create("d");
        using var server = NetworkNamespace.Create("s");
        NetworkNamespace.Link(client, "vc", "198.18.2.1/24", director, "vd1", "198.18.2.2/24");
        NetworkNamespace.Link(director, "vd2", "198.18.3.1/24", server, "vs", "198.18.3.2/24");
        client.Ip($"route add {Vip}/32 via 198.18.2.2");
        server.Ip($"addr add {Vip}/32 dev lo");
        server.Ip("route add 198.18.2.0/24 via 198.18.3.1");
        director.Exec("sysctl", "-q -w net.ipv4.ip_forward=1");

        var inbound = director.IfIndex("vd1");
        var outbound = director.IfIndex("vd2");
        var directorMac = director.Run(() => new NetlinkRoute().GetLink(outbound)!.Mac);
        var serverMac = server.Run(() => new NetlinkRoute().GetLinks().Single(l => l.Name == "vs").Mac);
        using var port = director.Run(() => new AfPacketPort([inbound, outbound], new AfPacketPortOptions { FrameCount = 64 }));
        using var guard = director.Run(() => new KernelGuard(["vd1"]));
        director.Run(() => guard.Update([(6, InetAddress.Parse(Vip), 8080)]));

        using var stop = new CancellationTokenSource();
        var superFrames = 0;
        var loop = Task.Run(() => superFrames = RunDirector(port, inbound, outbound, directorMac, serverMac, stop.Token));

        using var listener = server.Run(() =>
        {
            var l = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            l.Bind(new IPEndPoint(IPAddress.Parse(Vip), 8080));
            l.Listen();
            return l;
        });
        using var sender = client.Run(() => new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp));
        sender.ReceiveTimeout = 10_000;
        sender.Connect(new IPEndPoint(IPAddress.Parse(Vip), 8080));
        using var accepted = listener.Accept();
        accepted.ReceiveTimeout = 10_000;

        const int total = 2 << 20;
        var payload = new byte[total];
        Random.Shared.NextBytes(payload);
        var receiving = Task.Run(() =>
        {
            var received = new byte[total];
            var count = 0;
            while (count < total && accepted.Receive(received.AsSpan(count)) is var n && n > 0)
            {
                count += n;
            }

            accepted.Send([1]);
            return received[..count];
        });
        sender.Send(payload);
        var ack = new byte[1];
        Assert.Equal(1, sender.Receive(ack));

        Assert.True(receiving.Wait(10_000));
        Assert.Equal(payload, receiving.Result);
        stop.Cancel();
        loop.Wait(5000);
        Assert.True(superFrames > 0, "TSO on the client should have carried super-frames through the ring");
        Assert.Equal(0, port.TransmitErrors);
        director.Run(guard.Dispose);
    }

    private static int RunDirector(AfPacketPort port, int inbound, int outbound, MacAddress directorMac, MacAddress serverMac, CancellationToken stop)
    {
        var vip = InetAddress.Parse(Vip);
        var batch = new PacketBatch(32);
        var superFrames = 0;
        while (!stop.IsCancellationRequested)
        {
            var count = port.Receive(batch, 50);
            for (var i = 0; i < count; i++)
            {
                ref var d = ref batch.Items[i];
                var frame = d.Frame;
                if (d.IngressIfIndex != inbound || d.Verdict == Verdict.Drop || frame.Length < 34 ||
                    BinaryPrimitives.ReadUInt16BigEndian(frame[12..]) != 0x0800 || InetAddress.FromV4(frame[30..34]) != vip)
                {
                    continue;
                }

                if (d.Gso != GsoType.None)
                {
                    superFrames++;
                }

                serverMac.WriteTo(frame);
                directorMac.WriteTo(frame[6..]);
                d.Verdict = Verdict.Transmit;
                d.EgressIfIndex = outbound;
            }

            port.Complete(batch);
        }

        return superFrames;
    }
}
