using System.Text.Json.Serialization;
using SharpLvs.Core.Services;

namespace SharpLvs.Control.Rules;

/// <summary>
/// One virtual service as the user configured it (the kernel's <c>ip_vs_service_user_kern</c>):
/// its key and how new connections are scheduled. Destinations live beside it in
/// <see cref="ServiceEntry"/>.
/// </summary>
/// <param name="Key">(protocol, VIP, port) or firewall mark; a fwmark key has protocol and port 0.</param>
/// <param name="Scheduler">ipvsadm scheduler name (<c>rr</c>, <c>wlc</c>, …) or <c>none</c>.</param>
/// <param name="Flags">Persistence, one-packet and scheduler flags.</param>
/// <param name="Timeout">Persistence timeout in seconds (meaningful with <see cref="ServiceRuleFlags.Persistent"/>).</param>
/// <param name="Netmask">Persistence granularity: an IPv4 mask in host order (0xFFFFFFFF = /32), or an IPv6
/// prefix length (128 for a host; the IPv4 default is out of range for IPv6, so build IPv6 rules with
/// <see cref="For"/> or pass <see cref="HostPrefixV6"/>).</param>
/// <param name="PersistenceEngine">Persistence engine name (<c>--pe</c>), empty when none.</param>
public sealed record ServiceRule(
    ServiceKey Key,
    string Scheduler,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)] ServiceRuleFlags Flags = ServiceRuleFlags.None,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)] uint Timeout = 0,
    uint Netmask = ServiceRule.HostMaskV4,
    string PersistenceEngine = "")
{
    /// <summary>The default IPv4 persistence mask, 255.255.255.255.</summary>
    public const uint HostMaskV4 = 0xFFFF_FFFF;

    /// <summary>The default IPv6 persistence prefix length.</summary>
    public const uint HostPrefixV6 = 128;

    /// <summary>True when the service is IPv6 (for a fwmark key, the family kept in the address).</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public bool IsIPv6 => !Key.Address.IsIPv4;

    [System.Text.Json.Serialization.JsonIgnore]
    public bool IsFirewallMark => Key.FirewallMark != 0;

    /// <summary>A rule with the host-sized persistence mask of the key's family, as ipvsadm sends it.</summary>
    public static ServiceRule For(ServiceKey key, string scheduler) =>
        new(key, scheduler, Netmask: key.Address.IsIPv4 ? HostMaskV4 : HostPrefixV6);
}
