using SharpLvs.Core.Services;
using SharpLvs.Packets;

namespace SharpLvs.Core.Pipeline;

/// <summary>
/// An address the workers' steering program recognises, with the client mask its flows are
/// hashed under: all ones, or the persistence netmask (<c>-M</c>) of a persistent service, so
/// that every client of one template's network lands on the worker that holds the template.
/// </summary>
public readonly record struct SteeredAddress(InetAddress Address, uint V4Mask = uint.MaxValue, int V6Bits = 128)
{
    /// <summary>The client's network under this mask: what the steering hashes.</summary>
    public InetAddress Network(InetAddress client) =>
        client.IsIPv4 ? AddressPrefix.MaskV4(client, V4Mask) : AddressPrefix.Mask(client, V6Bits);

    public bool IsMasked => Address.IsIPv4 ? V4Mask != uint.MaxValue : V6Bits < 128;
}

/// <summary>
/// What the steering program of lvsd --workers must know of the services (docs/workers.md):
/// the VIPs (a packet to one is a request: its source is the client), the NAT real servers
/// (a packet from one, not to a VIP, is a reply: its destination is the client) and the
/// FULLNAT local addresses (a reply to one belongs to the worker its port names). A VIP and
/// the NAT real servers behind it are hashed under one mask, the widest persistence netmask
/// (the AND of the masks, the shortest IPv6 prefix) of any persistent service reachable
/// through shared real servers: a request and its reply must agree on the worker, and so must
/// two clients of one template network.
/// </summary>
public sealed class SteeringPlan
{
    private readonly Dictionary<InetAddress, SteeredAddress> _byVip;

    private SteeringPlan(SteeredAddress[] vips, SteeredAddress[] natServers, InetAddress[] localAddresses)
    {
        VirtualAddresses = vips;
        NatServers = natServers;
        LocalAddresses = localAddresses;
        _byVip = vips.ToDictionary(v => v.Address);
    }

    public IReadOnlyList<SteeredAddress> VirtualAddresses { get; }

    public IReadOnlyList<SteeredAddress> NatServers { get; }

    public IReadOnlyList<InetAddress> LocalAddresses { get; }

    /// <summary>The worker of a client of <paramref name="vip"/> (the restore of saved connections at start).</summary>
    public int WorkerFor(InetAddress client, InetAddress vip, int workers) =>
        FlowSteering.WorkerForClient(_byVip.TryGetValue(vip, out var steered) ? steered.Network(client) : client, workers);

    public static SteeringPlan For(ServiceTable table)
    {
        ArgumentNullException.ThrowIfNull(table);
        var nodes = new Dictionary<InetAddress, int>();
        var parent = new List<int>();
        int Node(InetAddress address)
        {
            if (!nodes.TryGetValue(address, out var n))
            {
                n = nodes[address] = parent.Count;
                parent.Add(n);
            }

            return n;
        }

        int Root(int n)
        {
            while (parent[n] != n)
            {
                n = parent[n] = parent[parent[n]];
            }

            return n;
        }

        var vips = new HashSet<InetAddress>();
        var rips = new HashSet<InetAddress>();
        var lips = new HashSet<InetAddress>();
        foreach (var service in table.Services)
        {
            foreach (var pool in service.LocalAddresses)
            {
                lips.Add(pool.Address);
            }

            // A fwmark service has no VIP to recognise: its requests take the default (the
            // source, unmasked); its NAT real servers' replies are still recognised.
            var fwmark = service.Key.FirewallMark != 0;
            if (!fwmark)
            {
                vips.Add(service.Key.Address);
            }

            var root = fwmark ? -1 : Root(Node(service.Key.Address));
            foreach (var server in service.RealServers)
            {
                if (server.Method == ForwardingMethod.Masquerade)
                {
                    rips.Add(server.Address);
                    var node = Root(Node(server.Address));
                    if (root >= 0)
                    {
                        parent[node] = root;
                    }
                }
            }
        }

        // The masks, per connected group of VIPs and NAT real servers.
        var masks = new Dictionary<int, (uint V4, int V6)>();
        foreach (var service in table.Services)
        {
            if (service.Key.FirewallMark != 0 || !service.IsPersistent)
            {
                continue;
            }

            var root = Root(nodes[service.Key.Address]);
            var mask = masks.TryGetValue(root, out var m) ? m : (uint.MaxValue, 128);
            masks[root] = service.Key.Address.IsIPv4
                ? (mask.Item1 & service.PersistenceNetmaskV4, mask.Item2)
                : (mask.Item1, Math.Min(mask.Item2, service.PersistenceNetmaskBits is > 0 and < 128 ? service.PersistenceNetmaskBits : 128));
        }

        SteeredAddress Steered(InetAddress address) =>
            masks.TryGetValue(Root(nodes[address]), out var m) ? new SteeredAddress(address, m.V4, m.V6) : new SteeredAddress(address);

        return new SteeringPlan(
            [.. vips.Select(Steered)],
            [.. rips.Where(r => !vips.Contains(r)).Select(Steered)],
            [.. lips]);
    }
}
