using System.Text;

namespace SharpLvs.Linux.Offload;

/// <summary>
/// Switches receive/segmentation offloads (GRO, LRO, TSO, GSO) off on the served interfaces
/// through the SIOCETHTOOL ioctl, remembers what it changed and turns exactly that back on
/// when disposed. With offloads off the rings see wire-sized frames (TESTBED fact 2); the
/// port still copes with super-frames through the vnet header should one slip through.
/// Uses the legacy one-feature commands (ETHTOOL_[GS]{GRO,GSO,TSO}, ETHTOOL_[GS]FLAGS for LRO),
/// which net/ethtool/ioctl.c maps onto netdev features; restoring TSO turns on the whole
/// legacy TSO mask (tso, tso6, ecn, mangleid). Newer TSO bits outside that mask (6.18's
/// tx-tcp-accecn-segmentation) are left as they are: ETHTOOL_SFEATURES would reach them.
/// </summary>
public sealed unsafe class OffloadControl : IDisposable
{
    private readonly List<(string Interface, Feature Feature)> _changed = [];
    private bool _restored;

    private OffloadControl(string description) => Description = description;

    private enum Feature
    {
        Gro,
        Lro,
        Tso,
        Gso,
    }

    /// <summary>What <see cref="Disable"/> did, one line per interface, for the daemon's log.</summary>
    public string Description { get; private set; }

    /// <summary>Turns the offloads off on each named interface; never throws for a feature a device lacks.</summary>
    public static OffloadControl Disable(IEnumerable<string> interfaceNames)
    {
        ArgumentNullException.ThrowIfNull(interfaceNames);
        using var socket = Interop.OpenSocket(Interop.AF_INET, Interop.SOCK_DGRAM, 0, "socket(AF_INET) for SIOCETHTOOL");
        var changed = new List<(string, Feature)>();
        var description = new StringBuilder();
        foreach (var name in interfaceNames.Distinct())
        {
            var off = new List<string>();
            var failed = new List<string>();
            foreach (var feature in Enum.GetValues<Feature>())
            {
                var state = Get(socket, name, feature);
                if (state is not true)
                {
                    continue;
                }

                var errno = Set(socket, name, feature, on: false);
                if (errno == 0)
                {
                    changed.Add((name, feature));
                    off.Add(Name(feature));
                }
                else
                {
                    failed.Add($"{Name(feature)} ({Interop.Errors.Describe(errno)})");
                }
            }

            description.Append(name).Append(": ");
            description.Append(off.Count == 0 ? "offloads already off" : string.Join(", ", off) + " switched off");
            if (failed.Count > 0)
            {
                description.Append("; could not switch off ").Append(string.Join(", ", failed));
            }

            description.Append('\n');
        }

        var control = new OffloadControl(description.ToString().TrimEnd());
        control._changed.AddRange(changed);
        return control;
    }

    /// <summary>Turns back on what <see cref="Disable"/> turned off; returns a description. Idempotent.</summary>
    public string Restore()
    {
        if (_restored)
        {
            return string.Empty;
        }

        _restored = true;
        if (_changed.Count == 0)
        {
            return "offloads: nothing to restore";
        }

        using var socket = Interop.OpenSocket(Interop.AF_INET, Interop.SOCK_DGRAM, 0, "socket(AF_INET) for SIOCETHTOOL");
        var lines = _changed
            .GroupBy(c => c.Interface)
            .Select(g => g.Key + ": " + string.Join(", ", g.Select(c =>
                Set(socket, c.Interface, c.Feature, on: true) is var errno && errno == 0
                    ? Name(c.Feature) + " restored"
                    : $"{Name(c.Feature)} not restored ({Interop.Errors.Describe(errno)})")));
        return string.Join('\n', lines);
    }

    public void Dispose() => Restore();

    private static string Name(Feature feature) => feature switch
    {
        Feature.Gro => "gro",
        Feature.Lro => "lro",
        Feature.Tso => "tso",
        _ => "gso",
    };

    private static bool? Get(FileDescriptorHandle socket, string name, Feature feature)
    {
        var (get, _) = Commands(feature);
        var value = new Interop.EthtoolValue { Cmd = get };
        if (Call(socket, name, &value) != 0)
        {
            return null;
        }

        return feature == Feature.Lro ? (value.Data & Interop.ETH_FLAG_LRO) != 0 : value.Data != 0;
    }

    /// <summary>Returns 0 or errno.</summary>
    private static int Set(FileDescriptorHandle socket, string name, Feature feature, bool on)
    {
        var (get, set) = Commands(feature);
        uint data = on ? 1u : 0u;
        if (feature == Feature.Lro)
        {
            // LRO is one bit of the flags word: read-modify-write so the other flags stay.
            var flags = new Interop.EthtoolValue { Cmd = get };
            if (Call(socket, name, &flags) != 0)
            {
                return Interop.Errors.Last;
            }

            data = on ? flags.Data | Interop.ETH_FLAG_LRO : flags.Data & ~Interop.ETH_FLAG_LRO;
        }

        var value = new Interop.EthtoolValue { Cmd = set, Data = data };
        return Call(socket, name, &value) == 0 ? 0 : Interop.Errors.Last;
    }

    private static (uint Get, uint Set) Commands(Feature feature) => feature switch
    {
        Feature.Gro => (Interop.ETHTOOL_GGRO, Interop.ETHTOOL_SGRO),
        Feature.Lro => (Interop.ETHTOOL_GFLAGS, Interop.ETHTOOL_SFLAGS),
        Feature.Tso => (Interop.ETHTOOL_GTSO, Interop.ETHTOOL_STSO),
        _ => (Interop.ETHTOOL_GGSO, Interop.ETHTOOL_SGSO),
    };

    private static int Call(FileDescriptorHandle socket, string name, Interop.EthtoolValue* value)
    {
        var request = default(Interop.IfReq);
        var bytes = Encoding.ASCII.GetBytes(name);
        if (bytes.Length >= Interop.IFNAMSIZ)
        {
            throw new ArgumentException($"'{name}' is not a valid interface name", nameof(name));
        }

        for (var i = 0; i < bytes.Length; i++)
        {
            request.Name[i] = bytes[i];
        }

        request.Data = value;
        return Interop.Ioctl(socket.Fd, Interop.SIOCETHTOOL, &request);
    }
}
