using System.Text.Json.Serialization;
using SharpLvs.Control.Rules;
using SharpLvs.Core.Services;
using SharpLvs.Packets;

namespace SharpLvs.Control.Ipvsadm;

/// <summary>
/// One ipvsadm command line, parsed and checked: what lvsadm sends to lvsd. Service and
/// Destination carry every field ipvsadm would hand the kernel (defaults included: scheduler
/// wlc, weight 1, DR), so lvsd applies them as the kernel would.
/// </summary>
public sealed record AdminCommand(
    AdminCommandKind Kind,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)] AdminOptions Options,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)] ListFormat Format,
    ServiceRule Service,
    DestinationRule Destination,
    ConnectionTimeouts? Timeouts = null,
    SyncDaemonSettings? Daemon = null,
    FirewallMarkRule? Mark = null,
    TunableSetting? Tunable = null)
{
    /// <summary><c>-z</c>: the FULLNAT local address of <c>--add-laddr</c>/<c>--del-laddr</c>.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public InetAddress LocalAddress { get; init; }

    public bool Has(AdminOptions option) => (Options & option) != 0;
}

/// <summary><c>--start-daemon</c>/<c>--stop-daemon</c> settings (ipvs_daemon_t).</summary>
public sealed record SyncDaemonSettings(
    bool IsBackup,
    string McastInterface = "",
    byte SyncId = 0,
    ushort SyncMaxLength = 0,
    string McastGroup = "",
    ushort McastPort = 0,
    byte McastTtl = 0);

/// <summary>One /proc/sys/net/ipv4/vs switch and its value (<c>--tunable</c>, <c>--list-tunables</c>).</summary>
public sealed record TunableSetting(string Name, int Value);
