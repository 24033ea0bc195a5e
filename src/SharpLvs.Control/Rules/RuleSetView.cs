using SharpLvs.Core.Services;

namespace SharpLvs.Control.Rules;

/// <summary>
/// An immutable snapshot of the desired state: services in the order they were added, the
/// connection timeouts, the firewall-mark rules, the IPVS tunables, and a generation that grows with every change (so a consumer can
/// tell two snapshots apart cheaply).
/// </summary>
public sealed record RuleSetView(IReadOnlyList<ServiceEntry> Services, ConnectionTimeouts Timeouts, long Generation)
{
    public static RuleSetView Empty { get; } = new([], ConnectionTimeouts.Default, 0);

    /// <summary>Firewall-mark rules in the order they are tried (<c>--add-mark</c>).</summary>
    public IReadOnlyList<FirewallMarkRule> Marks { get; init; } = [];

    /// <summary>The /proc/sys/net/ipv4/vs switches (<c>--tunable</c>).</summary>
    public IpvsTunables Tunables { get; init; } = IpvsTunables.Default;
}
