using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using SharpLvs.Linux;
using SharpLvs.Linux.RealServerSide;
using SharpLvs.Linux.Tunnel;
using SharpLvs.Packets;

namespace SharpLvs.Daemon;

/// <summary>
/// lvsd on a real server whose kernel cannot unwrap LVS-TUN packets itself (TESTBED: no ipip,
/// no fou, no gre). Raw sockets for IP protocols 4, 41 and 47 (IPv4 and IPv6 outer headers)
/// receive IP-in-IP and GRE — and their presence stops the kernel's "protocol unreachable" —
/// and a UDP socket per GUE port receives GUE. Each inner packet is written to a TUN device, whose rp_filter
/// (and "all"'s) is 0 so the client's address, routed elsewhere, passes; the host then
/// delivers it to the VIP on lo. One thread per socket; drops are counted by reason and
/// reported on exit.
/// </summary>
internal sealed partial class Decapsulator : IDisposable
{
    private const int ReceiveTimeoutMs = 250;

    // linux/udp.h: UDP_NO_CHECK6_RX (at level IPPROTO_UDP).
    private const int UdpNoCheck6Rx = 102;
    private const string AllRpFilter = "net/ipv4/conf/all/rp_filter";

    private readonly ILogger _logger;
    private readonly TunDevice _device;
    private readonly List<(Socket Socket, string Name, Kind Kind, byte Protocol)> _sockets = [];
    private readonly List<Thread> _threads = [];
    private readonly long[] _drops = new long[Enum.GetValues<DecapsulationDrop>().Length];
    private readonly string? _previousAllRpFilter;
    private long _delivered;
    private long _writeErrors;
    private volatile bool _stopping;

    private enum Kind
    {
        RawIpv4,
        RawIpv6,
        Gue,
    }

    private Decapsulator(DecapsulatorOptions options, ILogger logger)
    {
        _logger = logger;
        _device = TunDevice.Create(options.Device);
        try
        {
            Sysctl.Write($"net/ipv4/conf/{_device.Name}/rp_filter", "0");
            _previousAllRpFilter = Sysctl.Read(AllRpFilter);
            if (_previousAllRpFilter is not null and not "0")
            {
                Sysctl.Write(AllRpFilter, "0");
            }

            Open(AddressFamily.InterNetwork, IpProtocols.IpIp, Kind.RawIpv4, "IPv4 raw, protocol 4");
            Open(AddressFamily.InterNetwork, IpProtocols.Ipv6, Kind.RawIpv4, "IPv4 raw, protocol 41");
            Open(AddressFamily.InterNetwork, IpProtocols.Gre, Kind.RawIpv4, "IPv4 raw, protocol 47 (GRE)");
            Open(AddressFamily.InterNetworkV6, IpProtocols.IpIp, Kind.RawIpv6, "IPv6 raw, protocol 4");
            Open(AddressFamily.InterNetworkV6, IpProtocols.Ipv6, Kind.RawIpv6, "IPv6 raw, protocol 41");
            Open(AddressFamily.InterNetworkV6, IpProtocols.Gre, Kind.RawIpv6, "IPv6 raw, protocol 47 (GRE)");
            foreach (var port in options.GuePorts)
            {
                OpenGue(port);
            }
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    public long Delivered => Interlocked.Read(ref _delivered);

    public static Decapsulator Start(DecapsulatorOptions options, ILogger logger)
    {
        var decapsulator = new Decapsulator(options, logger);
        foreach (var entry in decapsulator._sockets)
        {
            var thread = new Thread(() => decapsulator.Run(entry.Socket, entry.Kind, entry.Protocol))
            {
                IsBackground = true,
                Name = $"decap {entry.Name}",
            };
            decapsulator._threads.Add(thread);
            thread.Start();
        }

        var sources = string.Join("; ", decapsulator._sockets.Select(s => s.Name));
        decapsulator.LogStarted(decapsulator._device.Name, decapsulator._device.IfIndex, sources);
        return decapsulator;
    }

    private void Open(AddressFamily family, byte protocol, Kind kind, string name)
    {
        var socket = RawSockets.Open(family, protocol);
        if (socket is null)
        {
            // A host without IPv6 still serves IPv4 outer headers.
            LogNoSocket(name);
            return;
        }

        socket.ReceiveTimeout = ReceiveTimeoutMs;
        _sockets.Add((socket, name, kind, protocol));
    }

    private void OpenGue(ushort port)
    {
        Socket socket;
        try
        {
            socket = new Socket(AddressFamily.InterNetworkV6, SocketType.Dgram, ProtocolType.Udp) { DualMode = true };

            // A director sends GUE over IPv6 with a zero UDP checksum unless --tun-csum
            // (udp6_set_csum; RFC 6935's tunnel exception). The kernel's own fou/gue socket
            // accepts it (udp_set_no_check6_rx unless udp6 rx checksums are asked for); a plain
            // socket would see such datagrams dropped as checksum errors.
            socket.SetRawSocketOption(IpProtocols.Udp, UdpNoCheck6Rx, BitConverter.GetBytes(1));
            socket.Bind(new IPEndPoint(IPAddress.IPv6Any, port));
        }
        catch (SocketException)
        {
            socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
            socket.Bind(new IPEndPoint(IPAddress.Any, port));
        }

        socket.ReceiveTimeout = ReceiveTimeoutMs;
        _sockets.Add((socket, $"GUE on UDP {port}", Kind.Gue, 0));
    }

    private void Run(Socket socket, Kind kind, byte protocol)
    {
        var buffer = GC.AllocateArray<byte>(65536, pinned: true);
        while (!_stopping)
        {
            int received;
            try
            {
                received = socket.Receive(buffer);
            }
            catch (SocketException e) when (e.SocketErrorCode is SocketError.TimedOut or SocketError.WouldBlock or SocketError.Interrupted)
            {
                continue;
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException)
            {
                if (!_stopping)
                {
                    LogReceiveFailed(e.Message);
                }

                return;
            }

            var datagram = buffer.AsSpan(0, received);
            var drop = kind switch
            {
                Kind.RawIpv4 => Decapsulation.FromIpv4Packet(datagram, out var inner4) is var d4 && d4 == DecapsulationDrop.None ? Deliver(inner4) : d4,
                Kind.RawIpv6 when protocol == IpProtocols.Gre =>
                    Decapsulation.FromGre(datagram, out var innerGre) is var dr && dr == DecapsulationDrop.None ? Deliver(innerGre) : dr,
                Kind.RawIpv6 => Decapsulation.FromPayload(datagram, protocol, out var inner6) is var d6 && d6 == DecapsulationDrop.None ? Deliver(inner6) : d6,
                _ => Decapsulation.FromGue(datagram, out var innerGue) is var dg && dg == DecapsulationDrop.None ? Deliver(innerGue) : dg,
            };
            if (drop != DecapsulationDrop.None)
            {
                Interlocked.Increment(ref _drops[(int)drop]);
            }
        }
    }

    private DecapsulationDrop Deliver(Span<byte> inner)
    {
        if (_device.Write(inner) != 0)
        {
            Interlocked.Increment(ref _writeErrors);
        }
        else
        {
            Interlocked.Increment(ref _delivered);
        }

        return DecapsulationDrop.None;
    }

    public void Dispose()
    {
        _stopping = true;
        foreach (var thread in _threads)
        {
            thread.Join(2 * ReceiveTimeoutMs + 1000);
        }

        foreach (var (socket, _, _, _) in _sockets)
        {
            socket.Dispose();
        }

        _device.Dispose();
        if (_previousAllRpFilter is not null and not "0")
        {
            try
            {
                Sysctl.Write(AllRpFilter, _previousAllRpFilter);
            }
            catch (LinuxException e)
            {
                LogRestoreFailed(e.Message);
            }
        }

        var drops = string.Join(", ", Enum.GetValues<DecapsulationDrop>()
            .Where(d => d != DecapsulationDrop.None && _drops[(int)d] != 0)
            .Select(d => $"{d} {_drops[(int)d]}")
            .DefaultIfEmpty("none"));
        var errors = Interlocked.Read(ref _writeErrors);
        LogStopped(Delivered, errors, drops);
    }

    [LoggerMessage(101, LogLevel.Information, "decapsulating into {Device} (ifindex {Index}) from: {Sockets}")]
    private partial void LogStarted(string device, int index, string sockets);

    [LoggerMessage(102, LogLevel.Warning, "no {Name} socket; IPv6 outer headers are not received")]
    private partial void LogNoSocket(string name);

    [LoggerMessage(103, LogLevel.Error, "receive failed, this socket stops: {Error}")]
    private partial void LogReceiveFailed(string error);

    [LoggerMessage(104, LogLevel.Warning, "could not restore rp_filter: {Error}")]
    private partial void LogRestoreFailed(string error);

    [LoggerMessage(105, LogLevel.Information, "stopped: {Delivered} delivered, {Errors} device write errors; drops: {Drops}")]
    private partial void LogStopped(long delivered, long errors, string drops);
}
