using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using SharpLvs.Core.Pipeline;
using SharpLvs.Linux.Tests.Testbed;
using SharpLvs.Linux.Xdp;
using SharpLvs.Packets;

namespace SharpLvs.Linux.Tests.Xdp;

/// <summary>
/// The steering program attached (native mode) to a veth in a private namespace, with an
/// <see cref="XdpPort"/> on it: the peer's UDP datagrams to a service arrive on the AF_XDP
/// socket, while ARP and ICMP stay on the AF_PACKET path and the kernel still answers them.
/// </summary>
public class XdpPortTests
{
    private const int ServicePort = 9999;
    private const int PeerPort = 5555;

    [RootFact]
    public void Receive_ServiceUdpAndPing_UdpOnSocketPingAndArpToKernel()
    {
        using var lab = Lab.Create();
        var batch = new PacketBatch(16);

        // ARP and ICMP pass (Lab.Create pinged): the kernel answered, lvsd saw them on AF_PACKET only.
        var passed = Drain(lab.Port, batch, 300);
        Assert.Contains(passed, f => f.EtherType == 0x0806);
        Assert.Contains(passed, f => f.EtherType == 0x0800 && f.Protocol == 1);
        Assert.Equal(0, lab.Port.Received);

        lab.Client.SendTo("to the service"u8.ToArray(), new IPEndPoint(IPAddress.Parse("198.18.0.2"), ServicePort));
        var index = ReceiveUdp(lab.Port, batch);
        ref var d = ref batch.Items[index];

        Assert.Equal(1, lab.Port.Received);
        Assert.Equal(lab.IfIndex, d.IngressIfIndex);
        Assert.Equal(PacketClass.Host, d.Class);
        Assert.Equal(14 + 20 + 8 + 14, d.Length);
        Assert.True(d.Offset >= new SharpLvs.Linux.Ports.AfPacketPortOptions().Headroom, $"headroom {d.Offset}");

        // The sender's socket left the checksum partial; XDP loses the flag, the probe finds it.
        Assert.True(d.NeedsChecksum, "veth's XDP path delivers the partial checksum as is");
        Assert.Equal(14 + 20, d.ChecksumStart);
        Assert.Equal(6, d.ChecksumOffset);
        lab.Port.Complete(batch);
    }

    [RootFact]
    public void Complete_EchoFromUmem_PeerVerifiesChecksumAndReceives()
    {
        using var lab = Lab.Create();
        lab.Client.ReceiveTimeout = 3000;
        var batch = new PacketBatch(16);
        var payload = "echo through AF_XDP"u8.ToArray();
        lab.Client.SendTo(payload, new IPEndPoint(IPAddress.Parse("198.18.0.2"), ServicePort));
        var index = ReceiveUdp(lab.Port, batch, lab.Director, lab.Peer);
        ref var d = ref batch.Items[index];
        Reflect(d.Frame);

        // Left partial on purpose: the port completes it before the TX ring (no offload there).
        d.Verdict = Verdict.Transmit;
        d.EgressIfIndex = lab.IfIndex;
        lab.Port.Complete(batch);

        var buffer = new byte[2048];
        EndPoint from = new IPEndPoint(IPAddress.Any, 0);
        var received = lab.Client.ReceiveFrom(buffer, ref from);
        Assert.Equal(payload, buffer[..received]);
        Assert.Equal(new IPEndPoint(IPAddress.Parse("198.18.0.2"), ServicePort), from);
        Assert.Equal(1, lab.Port.TransmittedInPlace);
    }

    [RootFact]
    public void ReceiveAndComplete_SteadyState_AllocateNothing()
    {
        using var lab = Lab.Create();
        var service = new IPEndPoint(IPAddress.Parse("198.18.0.2"), ServicePort);
        var batch = new PacketBatch(16);
        lab.Client.SendTo(new byte[32], service);
        ReceiveUdp(lab.Port, batch);
        lab.Port.Complete(batch);
        EchoRounds(lab.Port, batch, lab.IfIndex, rounds: 1);

        // Three windows of 40 echoed frames each; the port allocates nothing per frame, so a
        // window is allocation-free. The runtime itself now and then charges one 32-byte
        // object to a thread around a send system call (seen once in sendmmsg and once in
        // sendto over many runs, never per frame): the quietest window is what counts.
        var quietest = long.MaxValue;
        var received = 0;
        for (var window = 0; window < 3; window++)
        {
            for (var i = 0; i < 40; i++)
            {
                lab.Client.SendTo(new byte[32], service);
            }

            Thread.Sleep(100);
            var before = GC.GetAllocatedBytesForCurrentThread();
            received += EchoRounds(lab.Port, batch, lab.IfIndex, rounds: 20);
            quietest = Math.Min(quietest, GC.GetAllocatedBytesForCurrentThread() - before);
        }

        Assert.True(received >= 120, $"received {received}");
        Assert.Equal(0, quietest);
    }

    [RootFact]
    public void Attach_DeviceWithoutNativeXdp_ThrowsWithErrno()
    {
        using var ns = NetworkNamespace.Create("x");
        ns.Ip("link add dm type bridge");
        ns.Ip("link set dm up");
        var ifIndex = ns.IfIndex("dm");
        var error = ns.Run(() =>
        {
            using var steering = XdpSteering.Create();
            return Assert.Throws<LinuxException>(() => steering.Attach(ifIndex, 1));
        });

        Assert.Contains("BPF_LINK_CREATE", error.Message, StringComparison.Ordinal);
    }

    private static int EchoRounds(XdpPort port, PacketBatch batch, int ifIndex, int rounds)
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

    private static List<(ushort EtherType, byte Protocol)> Drain(XdpPort port, PacketBatch batch, int milliseconds)
    {
        var seen = new List<(ushort, byte)>();
        var deadline = Environment.TickCount64 + milliseconds;
        while (Environment.TickCount64 < deadline)
        {
            var count = port.Receive(batch, 50);
            for (var i = 0; i < count; i++)
            {
                var frame = batch.Items[i].Frame;
                seen.Add((BinaryPrimitives.ReadUInt16BigEndian(frame[12..]), frame.Length > 23 ? frame[23] : (byte)0));
            }

            port.Complete(batch);
        }

        return seen;
    }

    private static int ReceiveUdp(XdpPort port, PacketBatch batch, NetworkNamespace? ns = null, NetworkNamespace? peer = null)
    {
        var seen = new System.Text.StringBuilder();
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

                seen.Append(Convert.ToHexString(frame[..Math.Min(frame.Length, 40)])).Append(' ');
            }

            port.Complete(batch);
        }

        throw new TimeoutException($"{seen} {ns?.Exec("ethtool", "-S vd")} {ns?.Ip("-s link show vd")} {peer?.Ip("-s link show vp")} {peer?.Ip("neigh")} {peer?.Exec("tc", "qdisc show dev vp")} no UDP datagram reached the port: xsk received {port.Received}, kernel drops {port.RefreshKernelDrops()}, af_packet received {port.PacketPort.Received}");
    }

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

    /// <summary>Director and peer namespaces, the program on the director's veth, a port and a UDP client.</summary>
    private sealed class Lab : IDisposable
    {
        private readonly XdpSteering _steering;

        private Lab(NetworkNamespace director, NetworkNamespace peer, XdpSteering steering, XdpPort port, Socket client, int ifIndex)
        {
            Director = director;
            Peer = peer;
            _steering = steering;
            Port = port;
            Client = client;
            IfIndex = ifIndex;
        }

        public NetworkNamespace Peer { get; }

        public NetworkNamespace Director { get; }

        public XdpPort Port { get; }

        public Socket Client { get; }

        public int IfIndex { get; }

        public static Lab Create()
        {
            var director = NetworkNamespace.Create("d");
            NetworkNamespace? peer = null;
            try
            {
                peer = NetworkNamespace.Create("p");
                return Build(director, peer);
            }
            catch
            {
                // A failed set-up leaves no namespace behind.
                peer?.Dispose();
                director.Dispose();
                throw;
            }
        }

        private static Lab Build(NetworkNamespace director, NetworkNamespace peer)
        {
            NetworkNamespace.Link(director, "vd", "198.18.0.2/24", peer, "vp", "198.18.0.1/24");
            var ifIndex = director.IfIndex("vd");
            var macText = director.Ip("-o link show dev vd").Split("link/ether ")[1][..17];
            Assert.True(MacAddress.TryParse(macText, out var mac));
            var (steering, port) = director.Run(() =>
            {
                var s = XdpSteering.Create();
                s.Attach(ifIndex, 1);
                var p = XdpPort.Open(s, [new XdpInterface(ifIndex, "vd", mac, 1)], [ifIndex], new SharpLvs.Linux.Ports.AfPacketPortOptions { FrameCount = 64 });
                s.Update([(IpProtocols.Udp, InetAddress.FromIPAddress(IPAddress.Parse("198.18.0.2")), ServicePort)], [], []);
                return (s, p);
            });
            var client = peer.Run(() =>
            {
                var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
                socket.Bind(new IPEndPoint(IPAddress.Parse("198.18.0.1"), PeerPort));
                return socket;
            });
            // The peer's neighbour entry for the director, resolved by ARP through the
            // program (ARP passes) before the tests send to the service. Right after link-up
            // the peer's queue may still be the noop qdisc (activated asynchronously by
            // linkwatch), which fails a send with ENOBUFS: retry a few times.
            for (var attempt = 0; ; attempt++)
            {
                try
                {
                    peer.Exec("ping", "-c 1 -W 1 198.18.0.2");
                    break;
                }
                catch (InvalidOperationException) when (attempt < 20)
                {
                    Thread.Sleep(100);
                }
            }
            return new Lab(director, peer, steering, port, client, ifIndex);
        }

        public void Dispose()
        {
            // The namespaces go even if closing the sockets or the program fails.
            try
            {
                Client.Dispose();
                Port.Dispose();
                _steering.Dispose();
            }
            finally
            {
                Peer.Dispose();
                Director.Dispose();
            }
        }
    }
}
