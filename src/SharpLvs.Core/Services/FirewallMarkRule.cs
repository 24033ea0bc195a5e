using SharpLvs.Packets;

namespace SharpLvs.Core.Services;

/// <summary>
/// One classification rule: packets of <paramref name="Protocol"/> to an address in
/// <paramref name="Network"/>/<paramref name="PrefixLength"/> and a destination port in
/// [<paramref name="FirstPort"/>, <paramref name="LastPort"/>] carry firewall mark
/// <paramref name="Mark"/>. It stands in for the iptables/nft rule that marks packets for a
/// kernel fwmark service (<c>iptables -t mangle -A PREROUTING … -j MARK --set-mark</c>): lvsd
/// sees packets before netfilter could mark them, so it classifies them itself.
/// </summary>
/// <param name="PrefixLength">Bits of <paramref name="Network"/> that must match: 0–32 for IPv4, 0–128 for IPv6.</param>
public readonly record struct FirewallMarkRule(
    byte Protocol,
    InetAddress Network,
    int PrefixLength,
    ushort FirstPort,
    ushort LastPort,
    uint Mark)
{
    public bool IsIPv6 => !Network.IsIPv4;

    /// <summary>Whether <paramref name="address"/> lies in the rule's network (same family only).</summary>
    public bool Covers(InetAddress address) =>
        address.IsIPv4 == Network.IsIPv4 && AddressPrefix.Mask(address, PrefixLength) == Network;

    public bool Matches(byte protocol, InetAddress address, ushort port) =>
        protocol == Protocol && port >= FirstPort && port <= LastPort && Covers(address);
}
