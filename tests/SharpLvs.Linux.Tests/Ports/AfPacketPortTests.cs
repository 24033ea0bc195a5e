using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using SharpLvs.Core.Pipeline;
using SharpLvs.Linux.Ports;
using SharpLvs.Linux.Tests.Testbed;
using SharpLvs.Packets;

namespace SharpLvs.Linux.Tests.Ports;

/// <summary>
/// A director namespace and a peer namespace joined by a veth pair: the peer sends real UDP
/// datagrams (checksum left partial by the veth's tx offload), the port echoes them back.
/// </summary>
public class AfPacketPortTests
{
    private const int ServicePort = 9999;
    private const int PeerPort = 5555;

    [RootFact]
    public void Receive_UdpFromPeer_DescribesPartialChecksum()
    {
        using var director = NetworkNamespace.Create("d");
        using var peer = NetworkNamespace.Create("p");
        NetworkNamespace.Link(director, "vd", "198.18.0.2/24", peer, "vp", "198.18.0.1/24");
        var ifIndex = director.IfIndex("vd");
        using var port = director.Run(() => new AfPacketPort([ifIndex], new AfPacketPortOptions { FrameCount = 32 }));
        using var client = peer.Run(() => BoundUdp("198.18.0.1"));

        client.SendTo("hello, director"u8.ToArray(), new IPEndPoint(IPAddress.Parse("198.18.0.2"), ServicePort));
        var batch = new PacketBatch(16);
        var index = ReceiveUdp(port, batch);

        var d = batch.Items[index];
        Assert.Equal(ifIndex, d.IngressIfIndex);
        Assert.Equal(PacketClass.Host, d.Class);
        Assert.Equal(new AfPacketPortOptions().Headroom, d.Offset);
        Assert.Equal(14 + 20 + 8 + 15, d.Length);
        Assert.True(d.NeedsChecksum, "veth leaves the UDP checksum partial (TESTBED fact 1)");
        Assert.Equal(14 + 20, d.ChecksumStart);
        Assert.Equal(6, d.ChecksumOffset);
        Assert.Equal(GsoType.None, d.Gso);
        Assert.Equal(Verdict.PassToKernel, d.Verdict);
        port.Complete(batch);
    }

    [RootFact]
    public void Complete_EchoWithPartialChecksum_PeerReceivesDatagram()
    {
        EchoOnce(completeChecksum: false);
    }

    [RootFact]
    public void Complete_EchoWithChecksumCompleted_PeerVerifiesAndReceives()
    {
        // The echoed frame leaves with no offload flag, so the peer's kernel checks the UDP
        // checksum in software: the datagram arrives only if the completion was right.
        EchoOnce(completeChecksum: true);
    }

    [RootFact]
    public void Receive_TcpBulkFromPeer_KeepsSuperFramesWhole()
    {
        using var director = NetworkNamespace.Create("d");
        using var peer = NetworkNamespace.Create("p");
        NetworkNamespace.Link(director, "vd", "198.18.0.2/24", peer, "vp", "198.18.0.1/24");
        var ifIndex = director.IfIndex("vd");
        using var port = director.Run(() => new AfPacketPort([ifIndex], new AfPacketPortOptions { FrameCount = 64 }));
        using var listener = director.Run(() =>
        {
            var l = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            l.Bind(new IPEndPoint(IPAddress.Parse("198.18.0.2"), 8080));
            l.Listen();
            return l;
        });
        using var client = peer.Run(() => new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp));
        client.Connect(new IPEndPoint(IPAddress.Parse("198.18.0.2"), 8080));
        using var server = listener.Accept();
        var drain = Task.Run(() =>
        {
            var buffer = new byte[65536];
            var total = 0;
            while (total < 1 << 20 && server.Receive(buffer) is var n && n > 0)
            {
                total += n;
            }
        });
        client.Send(new byte[1 << 20]);

        var batch = new PacketBatch(64);
        var largest = 0;
        var gso = GsoType.None;
        var deadline = Environment.TickCount64 + 5000;
        while (Environment.TickCount64 < deadline && largest <= 1514)
        {
            var count = port.Receive(batch, 100);
            for (var i = 0; i < count; i++)
            {
                Assert.NotEqual(DropReason.FrameTooLarge, batch.Items[i].Reason);
                if (batch.Items[i].Length > largest)
                {
                    largest = batch.Items[i].Length;
                    gso = batch.Items[i].Gso;
                }
            }

            port.Complete(batch);
        }

        Assert.True(largest > 1514, $"largest frame {largest}");
        Assert.Equal(GsoType.TcpV4, gso);

        // The ring's 2 KB slots cannot hold them: they came whole through the receive queue.
        Assert.True(port.Copied > 0, $"copied {port.Copied}");
        Assert.Equal(0, port.Truncated);
        client.Shutdown(SocketShutdown.Send);
        Assert.True(drain.Wait(5000));
    }

    [RootFact]
    public void ReceiveAndComplete_SteadyState_AllocateNothing()
    {
        using var director = NetworkNamespace.Create("d");
        using var peer = NetworkNamespace.Create("p");
        NetworkNamespace.Link(director, "vd", "198.18.0.2/24", peer, "vp", "198.18.0.1/24");
        var ifIndex = director.IfIndex("vd");
        using var port = director.Run(() => new AfPacketPort([ifIndex], new AfPacketPortOptions { FrameCount = 64 }));
        using var client = peer.Run(() => BoundUdp("198.18.0.1"));
        var service = new IPEndPoint(IPAddress.Parse("198.18.0.2"), ServicePort);
        var batch = new PacketBatch(16);
        client.SendTo(new byte[32], service);
        ReceiveUdp(port, batch);
        port.Complete(batch);
        for (var i = 0; i < 40; i++)
        {
            client.SendTo(new byte[32], service);
        }

        Thread.Sleep(100);

        // The first round pays for one-time work (tiered JIT, statics); the second is measured.
        var received = EchoRounds(port, batch, ifIndex, rounds: 1);
        var before = GC.GetAllocatedBytesForCurrentThread();
        received += EchoRounds(port, batch, ifIndex, rounds: 20);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.True(received >= 40, $"received {received}");
        Assert.Equal(0, allocated);
    }

    [RootFact]
    public void Receive_NothingArrives_ReturnsZeroAfterTimeout()
    {
        using var director = NetworkNamespace.Create("d");
        director.Ip("link add vd type veth peer name vx");
        director.Ip("link set vd up");
        var ifIndex = director.IfIndex("vd");
        using var port = director.Run(() => new AfPacketPort([ifIndex], new AfPacketPortOptions { FrameCount = 16 }));
        var batch = new PacketBatch(8);
        var started = Environment.TickCount64;

        Assert.Equal(0, port.Receive(batch, 50));
        Assert.InRange(Environment.TickCount64 - started, 30, 2000);
    }

    [RootFact]
    public void Wake_DuringReceive_ReturnsEarly()
    {
        using var director = NetworkNamespace.Create("d");
        director.Ip("link add vd type veth peer name vx");
        director.Ip("link set vd up");
        var ifIndex = director.IfIndex("vd");
        using var port = director.Run(() => new AfPacketPort([ifIndex], new AfPacketPortOptions { FrameCount = 16 }));
        var batch = new PacketBatch(8);
        var started = Environment.TickCount64;
        using var timer = new Timer(_ => port.Wake(), null, 100, Timeout.Infinite);

        Assert.Equal(0, port.Receive(batch, 10_000));
        Assert.InRange(Environment.TickCount64 - started, 50, 5000);
    }

    private static void EchoOnce(bool completeChecksum)
    {
        using var director = NetworkNamespace.Create("d");
        using var peer = NetworkNamespace.Create("p");
        NetworkNamespace.Link(director, "vd", "198.18.0.2/24", peer, "vp", "198.18.0.1/24");
        var ifIndex = director.IfIndex("vd");
        using var port = director.Run(() => new AfPacketPort([ifIndex], new AfPacketPortOptions { FrameCount = 32 }));
        using var client = peer.Run(() => BoundUdp("198.18.0.1"));
        client.ReceiveTimeout = 3000;

        var payload = "ping through the ring"u8.ToArray();
        client.SendTo(payload, new IPEndPoint(IPAddress.Parse("198.18.0.2"), ServicePort));
        var batch = new PacketBatch(16);
        var index = ReceiveUdp(port, batch);
        ref var d = ref batch.Items[index];
        Assert.True(d.NeedsChecksum);
        Reflect(d.Frame);
        if (completeChecksum)
        {
            Assert.True(Checksum.CompletePartial(d.Frame, d.ChecksumStart, d.ChecksumOffset));
            d.NeedsChecksum = false;
        }

        d.Verdict = Verdict.Transmit;
        d.EgressIfIndex = ifIndex;
        port.Complete(batch);

        var buffer = new byte[2048];
        EndPoint from = new IPEndPoint(IPAddress.Any, 0);
        var received = client.ReceiveFrom(buffer, ref from);
        Assert.Equal(payload, buffer[..received]);
        Assert.Equal(new IPEndPoint(IPAddress.Parse("198.18.0.2"), ServicePort), from);
        Assert.Equal(1, port.Transmitted);
        Assert.Equal(0, port.TransmitErrors);
    }

    private static int EchoRounds(AfPacketPort port, PacketBatch batch, int ifIndex, int rounds)
    {
        var received = 0;
        for (var round = 0; round < rounds; round++)
        {
            received += port.Receive(batch, 0);
            for (var i = 0; i < batch.Count; i++)
            {
                batch.Items[i].Verdict = Verdict.Transmit;
                batch.Items[i].EgressIfIndex = ifIndex;
            }

            port.Complete(batch);
        }

        return received;
    }

    private static Socket BoundUdp(string address)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        socket.Bind(new IPEndPoint(IPAddress.Parse(address), PeerPort));
        return socket;
    }

    /// <summary>Receives until a UDP/IPv4 frame for the service arrives; other frames (ARP) are let go.</summary>
    private static int ReceiveUdp(AfPacketPort port, PacketBatch batch)
    {
        var deadline = Environment.TickCount64 + 5000;
        while (Environment.TickCount64 < deadline)
        {
            var count = port.Receive(batch, 200);
            for (var i = 0; i < count; i++)
            {
                var frame = batch.Items[i].Frame;
                if (frame.Length >= 42 && BinaryPrimitives.ReadUInt16BigEndian(frame[12..]) == 0x0800 && frame[23] == 17 &&
                    BinaryPrimitives.ReadUInt16BigEndian(frame[36..]) == ServicePort)
                {
                    return i;
                }
            }

            port.Complete(batch);
        }

        throw new TimeoutException("no UDP datagram reached the port");
    }

    /// <summary>Turns a UDP/IPv4 frame around: MACs, addresses and ports swapped (checksum-neutral).</summary>
    private static void Reflect(Span<byte> frame)
    {
        Span<byte> temp = stackalloc byte[6];
        frame[..6].CopyTo(temp);
        frame[6..12].CopyTo(frame[..6]);
        temp.CopyTo(frame[6..12]);
        frame[26..30].CopyTo(temp);
        frame[30..34].CopyTo(frame[26..30]);
        temp[..4].CopyTo(frame[30..34]);
        frame[34..36].CopyTo(temp);
        frame[36..38].CopyTo(frame[34..36]);
        temp[..2].CopyTo(frame[36..38]);
    }
}
