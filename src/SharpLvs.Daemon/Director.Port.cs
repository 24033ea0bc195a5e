using SharpLvs.Linux;
using SharpLvs.Linux.Interfaces;
using SharpLvs.Linux.Ports;
using SharpLvs.Linux.Xdp;

namespace SharpLvs.Daemon;

internal sealed partial class Director
{
    private XdpSteering? _steering;
    private string _lastXdpReport = string.Empty;

    /// <summary>
    /// The packet port <c>--port</c> asks for. With XDP, the steering program goes on every
    /// served interface it attaches to (native mode) and one AF_XDP socket on each of its
    /// receive queues; AF_PACKET rings stay on every served interface for what the program
    /// passes. <c>auto</c> falls back per interface, and to AF_PACKET alone, saying why.
    /// </summary>
    private ILinkPort OpenPort(InterfaceCatalog catalog, AfPacketPortOptions options)
    {
        var served = catalog.Served.Select(s => s.IfIndex).ToArray();
        var names = string.Join(", ", catalog.Served.Select(s => s.Name));
        if (_options.Port == PacketPortKind.AfPacket)
        {
            LogPort($"AF_PACKET ring on {names}");
            return new AfPacketPort(served, options);
        }

        XdpSteering steering;
        try
        {
            steering = XdpSteering.Create(_options.FastPath ? _options.FastPathFlows : 0);
        }
        catch (LinuxException e) when (_options.Port == PacketPortKind.Auto)
        {
            LogPort($"AF_PACKET ring on {names} (XDP unavailable: {e.Message})");
            return new AfPacketPort(served, options);
        }
        catch (LinuxException e)
        {
            throw new DirectorStartException($"--port xdp: {e.Message}", e);
        }

        try
        {
            var attached = new List<XdpInterface>();
            var fallbacks = new List<string>();
            foreach (var nic in catalog.Served)
            {
                try
                {
                    var queues = ReceiveQueues(nic.Name);
                    steering.Attach(nic.IfIndex, queues, _options.XdpGeneric);
                    attached.Add(new XdpInterface(nic.IfIndex, nic.Name, nic.Link.Mac, queues));
                }
                catch (LinuxException e) when (_options.Port == PacketPortKind.Auto)
                {
                    fallbacks.Add($"AF_PACKET ring on {nic.Name} (XDP does not attach: {e.Message})");
                }
                catch (LinuxException e)
                {
                    throw new DirectorStartException($"--port xdp: cannot attach XDP to {nic.Name}: {e.Message}", e);
                }
            }

            if (attached.Count == 0)
            {
                steering.Dispose();
                foreach (var line in fallbacks)
                {
                    LogPort(line);
                }

                return new AfPacketPort(served, options);
            }

            var port = XdpPort.Open(steering, attached, served, options);
            foreach (var (ifIndex, queue, zeroCopy) in port.Sockets)
            {
                var name = catalog.Served.First(s => s.IfIndex == ifIndex).Name;
                LogPort($"AF_XDP ({(zeroCopy ? "zero-copy" : "copy mode")}) on {name} queue {queue}, XDP program attached in {(_options.XdpGeneric ? "generic" : "native")} mode");
            }

            foreach (var line in fallbacks)
            {
                LogPort(line);
            }

            LogPort($"AF_PACKET ring on {names} for what the XDP program passes (ARP, ICMP, other traffic)");
            if (steering.FastPath is { } fastPath)
            {
                LogPort($"XDP fast path for established Direct-Routing flows: up to {fastPath.FlowCapacity} flows, {XdpFlowOffload.MaxDestinations} real servers");
            }

            // Pushed before the port, so undone after it: sockets close before their programs detach.
            _steering = Track(steering);
            return port;
        }
        catch (LinuxException e) when (_options.Port == PacketPortKind.Auto)
        {
            steering.Dispose();
            LogPort($"AF_PACKET ring on {names} (AF_XDP sockets unavailable: {e.Message})");
            return new AfPacketPort(served, options);
        }
        catch
        {
            steering.Dispose();
            throw;
        }
    }

    /// <summary>With the drop report: what the AF_XDP sockets carried, when it changed.</summary>
    private void ReportXdp()
    {
        if (_port is not XdpPort xdp)
        {
            return;
        }

        var text = $"{xdp.Received} frames received, {xdp.PartialChecksums} with a partial checksum, {xdp.TransmittedInPlace} sent from UMEM";
        if (_steering?.FastPath is { } fastPath)
        {
            var (offered, refused, withdrawn) = fastPath.Totals;
            text += $"; fast path: {offered} flows offered, {withdrawn} withdrawn, {refused} refused";
        }

        if (text != _lastXdpReport)
        {
            _lastXdpReport = text;
            LogXdp(text);
        }
    }

    /// <summary>Receive queues of an interface (its sysfs queues/rx-N; lvsd runs in the namespace whose sysfs this is), at least one.</summary>
    private static int ReceiveQueues(string name)
    {
        try
        {
            return Math.Max(1, Directory.GetDirectories($"/sys/class/net/{name}/queues", "rx-*").Length);
        }
        catch (IOException)
        {
            return 1;
        }
        catch (UnauthorizedAccessException)
        {
            return 1;
        }
    }

    /// <summary>The XDP maps follow the guard's sets; a refusal (map full) leaves those flows on the AF_PACKET path, where the guard still keeps the kernel off them.</summary>
    private void UpdateSteering(
        List<(byte, Packets.InetAddress, ushort)> services,
        List<(byte, Packets.InetAddress, ushort)> replySources,
        List<(byte, Packets.InetAddress, ushort, ushort)> localAddresses)
    {
        if (_steering is null)
        {
            return;
        }

        try
        {
            _steering.Update(services, replySources, localAddresses);
        }
        catch (LinuxException e)
        {
            LogSteeringFailed(e.Message);
        }
    }
}
