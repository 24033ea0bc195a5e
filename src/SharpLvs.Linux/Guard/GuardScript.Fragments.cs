using System.Globalization;
using System.Text;
using SharpLvs.Packets;

namespace SharpLvs.Linux.Guard;

/// <summary>
/// Later fragments of the served flows. The guard's other rules match ports, which only a
/// first fragment carries (nft's <c>th</c> fails on a fragment at a non-zero offset), so
/// later fragments would reach the host: it queues those to a VIP in its own defrag until
/// they expire, and with ip_forward=1 forwards a NAT real server's later reply fragments
/// un-NATed. These rules drop them by (address, protocol) alone; lvsd forwards them itself
/// (docs/fragments.md).
/// </summary>
internal static partial class GuardScript
{
    public const string FragmentDestinations4 = "fragdst4";
    public const string FragmentDestinations6 = "fragdst6";
    public const string FragmentSources4 = "fragsrc4";
    public const string FragmentSources6 = "fragsrc6";

    /// <summary>The (protocol, address) pairs whose later fragments lvsd takes: VIPs and FULLNAT local addresses.</summary>
    public static HashSet<(byte Protocol, InetAddress Address)> FragmentDestinations(
        IEnumerable<(byte Protocol, InetAddress Vip, ushort Port)> tuples,
        IEnumerable<(byte Protocol, InetAddress Lip, ushort FirstPort, ushort LastPort)> localAddresses)
    {
        var pairs = new HashSet<(byte, InetAddress)>();
        foreach (var (protocol, vip, _) in tuples)
        {
            pairs.Add((protocol, vip));
        }

        foreach (var (protocol, lip, _, _) in localAddresses)
        {
            pairs.Add((protocol, lip));
        }

        return pairs;
    }

    /// <summary>The (protocol, RIP) pairs of NAT real servers, whose later reply fragments lvsd takes.</summary>
    public static HashSet<(byte Protocol, InetAddress Address)> FragmentSources(IEnumerable<(byte Protocol, InetAddress Rip, ushort Port)> replySources)
    {
        var pairs = new HashSet<(byte, InetAddress)>();
        foreach (var (protocol, rip, _) in replySources)
        {
            pairs.Add((protocol, rip));
        }

        return pairs;
    }

    /// <summary>Adds elements to and deletes elements from the fragment sets (deletions first).</summary>
    public static string ChangeFragments(
        IEnumerable<(byte Protocol, InetAddress Address)> addedDestinations, IEnumerable<(byte Protocol, InetAddress Address)> removedDestinations,
        IEnumerable<(byte Protocol, InetAddress Address)> addedSources, IEnumerable<(byte Protocol, InetAddress Address)> removedSources)
    {
        var s = new StringBuilder();
        AppendPairs(s, FragmentDestinations4, FragmentDestinations6, removedDestinations, "delete");
        AppendPairs(s, FragmentSources4, FragmentSources6, removedSources, "delete");
        AppendPairs(s, FragmentDestinations4, FragmentDestinations6, addedDestinations, "add");
        AppendPairs(s, FragmentSources4, FragmentSources6, addedSources, "add");
        return s.ToString();
    }

    private static void AppendFragmentSets(StringBuilder s)
    {
        foreach (var (set, type) in (ReadOnlySpan<(string, string)>)[
            (FragmentDestinations4, "ipv4_addr"), (FragmentDestinations6, "ipv6_addr"),
            (FragmentSources4, "ipv4_addr"), (FragmentSources6, "ipv6_addr")])
        {
            s.Append(CultureInfo.InvariantCulture, $"\tset {set} {{\n\t\ttype {type} . inet_proto\n\t}}\n");
        }
    }

    /// <summary>IPv4: a non-zero fragment offset; IPv6: a fragment header with one (RFC 8200 §4.5).</summary>
    private static void AppendFragmentRules(StringBuilder s)
    {
        s.Append(CultureInfo.InvariantCulture, $"\t\tip frag-off & 0x1fff != 0 ip daddr . meta l4proto @{FragmentDestinations4} drop\n");
        s.Append(CultureInfo.InvariantCulture, $"\t\tip6 daddr . meta l4proto @{FragmentDestinations6} frag frag-off != 0 drop\n");
        s.Append(CultureInfo.InvariantCulture, $"\t\tip frag-off & 0x1fff != 0 ip saddr . meta l4proto @{FragmentSources4} drop\n");
        s.Append(CultureInfo.InvariantCulture, $"\t\tip6 saddr . meta l4proto @{FragmentSources6} frag frag-off != 0 drop\n");
    }

    /// <summary>Flushes the fragment sets and fills them from the full guarded state (for <see cref="Update(IEnumerable{ValueTuple{byte, InetAddress, ushort}})"/>'s refill).</summary>
    private static void AppendFragmentRefill(
        StringBuilder s,
        IEnumerable<(byte Protocol, InetAddress Vip, ushort Port)> tuples,
        IEnumerable<(byte Protocol, InetAddress Rip, ushort Port)> replySources,
        IEnumerable<(byte Protocol, InetAddress Lip, ushort FirstPort, ushort LastPort)> localAddresses)
    {
        foreach (var set in (ReadOnlySpan<string>)[FragmentDestinations4, FragmentDestinations6, FragmentSources4, FragmentSources6])
        {
            s.Append(CultureInfo.InvariantCulture, $"flush set {Family} {Table} {set}\n");
        }

        AppendPairs(s, FragmentDestinations4, FragmentDestinations6, FragmentDestinations(tuples, localAddresses), "add");
        AppendPairs(s, FragmentSources4, FragmentSources6, FragmentSources(replySources), "add");
    }

    private static void AppendPairs(StringBuilder s, string set4, string set6, IEnumerable<(byte Protocol, InetAddress Address)> pairs, string verb)
    {
        var v4 = new List<string>();
        var v6 = new List<string>();
        foreach (var (protocol, address) in pairs)
        {
            (address.IsIPv4 ? v4 : v6).Add(string.Create(CultureInfo.InvariantCulture, $"{address} . {protocol}"));
        }

        v4.Sort(StringComparer.Ordinal);
        v6.Sort(StringComparer.Ordinal);
        AppendElements(s, set4, v4, verb);
        AppendElements(s, set6, v6, verb);
    }
}
