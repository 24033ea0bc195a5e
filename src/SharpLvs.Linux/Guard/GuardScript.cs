using System.Globalization;
using System.Text;
using SharpLvs.Core.Services;
using SharpLvs.Packets;

namespace SharpLvs.Linux.Guard;

/// <summary>
/// The nft scripts of <see cref="KernelGuard"/>. Closing braces stand on their own lines
/// (TESTBED fact 3: nft's parser rejects some one-line forms).
/// </summary>
internal static partial class GuardScript
{
    public const string Family = "netdev";
    public const string Table = "sharplvs";
    public const string Set4 = "vip4";
    public const string Set6 = "vip6";
    public const string ReplySet4 = "rs4";
    public const string ReplySet6 = "rs6";
    public const string LocalSet4 = "lip4";
    public const string LocalSet6 = "lip6";
    public const string QuoteSet4 = "rsq4";
    public const string QuoteSet6 = "rsq6";
    public const string MarksChain = "marks";

    // An ICMP error's quoted destination, protocol and destination port, in bits from the
    // ICMP header: 8 bytes of ICMP header, then the quoted IPv4 header (protocol at 9,
    // destination at 16, 20 bytes long) or IPv6 header (next header at 6, destination at 24,
    // 40 bytes long), then the quoted ports.
    private const string Quote4 = "@th,192,32 . @th,136,8 . @th,240,16";
    private const string Quote6 = "@th,256,128 . @th,112,8 . @th,400,16";

    /// <summary>
    /// Replaces any stale table in one transaction ("add" makes "delete" safe when there is
    /// none) and creates one ingress chain per served interface. Priority -500 runs before
    /// any ordinary netdev filter; AF_PACKET taps sit earlier still, so lvsd keeps its copy.
    /// </summary>
    public static string Create(IReadOnlyList<string> interfaces)
    {
        var s = new StringBuilder();
        s.Append(CultureInfo.InvariantCulture, $"add table {Family} {Table}\n");
        s.Append(CultureInfo.InvariantCulture, $"delete table {Family} {Table}\n");
        s.Append(CultureInfo.InvariantCulture, $"table {Family} {Table} {{\n");
        s.Append(CultureInfo.InvariantCulture, $"\tset {Set4} {{\n\t\ttype ipv4_addr . inet_proto . inet_service\n\t}}\n");
        s.Append(CultureInfo.InvariantCulture, $"\tset {Set6} {{\n\t\ttype ipv6_addr . inet_proto . inet_service\n\t}}\n");
        s.Append(CultureInfo.InvariantCulture, $"\tset {ReplySet4} {{\n\t\ttype ipv4_addr . inet_proto . inet_service\n\t}}\n");
        s.Append(CultureInfo.InvariantCulture, $"\tset {ReplySet6} {{\n\t\ttype ipv6_addr . inet_proto . inet_service\n\t}}\n");
        s.Append(CultureInfo.InvariantCulture, $"\tset {LocalSet4} {{\n\t\ttype ipv4_addr . inet_proto . inet_service\n\t\tflags interval\n\t}}\n");
        s.Append(CultureInfo.InvariantCulture, $"\tset {LocalSet6} {{\n\t\ttype ipv6_addr . inet_proto . inet_service\n\t\tflags interval\n\t}}\n");
        AppendFragmentSets(s);

        // The NAT real servers' tuples as an ICMP error quotes them (destination address,
        // protocol, destination port of the quoted header): raw payload offsets from the ICMP
        // header, for a quoted IPv4 header without options.
        s.Append(CultureInfo.InvariantCulture, $"\tset {QuoteSet4} {{\n\t\ttypeof {Quote4}\n\t}}\n");
        s.Append(CultureInfo.InvariantCulture, $"\tset {QuoteSet6} {{\n\t\ttypeof {Quote6}\n\t}}\n");

        // Firewall-mark selectors are prefixes and port ranges that may overlap, which an
        // interval set refuses: they are rules of their own chain, replaced as a whole.
        s.Append(CultureInfo.InvariantCulture, $"\tchain {MarksChain} {{\n\t}}\n");
        for (var i = 0; i < interfaces.Count; i++)
        {
            ValidateInterfaceName(interfaces[i]);
            s.Append(CultureInfo.InvariantCulture, $"\tchain ingress{i} {{\n");
            s.Append(CultureInfo.InvariantCulture, $"\t\ttype filter hook ingress device \"{interfaces[i]}\" priority -500; policy accept;\n");
            s.Append(CultureInfo.InvariantCulture, $"\t\tip daddr . meta l4proto . th dport @{Set4} drop\n");
            s.Append(CultureInfo.InvariantCulture, $"\t\tip6 daddr . meta l4proto . th dport @{Set6} drop\n");

            // NAT replies (RIP:rport of a NAT real server) and FULLNAT replies (to a LIP's
            // port range): with ip_forward=1 the host would forward them un-NATed.
            s.Append(CultureInfo.InvariantCulture, $"\t\tip saddr . meta l4proto . th sport @{ReplySet4} drop\n");
            s.Append(CultureInfo.InvariantCulture, $"\t\tip6 saddr . meta l4proto . th sport @{ReplySet6} drop\n");
            s.Append(CultureInfo.InvariantCulture, $"\t\tip daddr . meta l4proto . th dport @{LocalSet4} drop\n");
            s.Append(CultureInfo.InvariantCulture, $"\t\tip6 daddr . meta l4proto . th dport @{LocalSet6} drop\n");
            AppendFragmentRules(s);

            // ICMP errors about what lvsd sent a NAT real server (ip_vs_out_icmp's share):
            // lvsd relays them from the VIP; the host would forward them un-NATed as well.
            // Ranges instead of anonymous sets keep every closing brace on its own line: 3-4 is
            // unreachable and source quench; ICMPv6 1-4 every error type RFC 4443 defines.
            s.Append(CultureInfo.InvariantCulture, $"\t\ticmp type 3-4 {Quote4} @{QuoteSet4} drop\n");
            s.Append(CultureInfo.InvariantCulture, $"\t\ticmp type time-exceeded {Quote4} @{QuoteSet4} drop\n");
            s.Append(CultureInfo.InvariantCulture, $"\t\ticmpv6 type 1-4 {Quote6} @{QuoteSet6} drop\n");
            s.Append(CultureInfo.InvariantCulture, $"\t\tjump {MarksChain}\n");
            s.Append("\t}\n");
        }

        s.Append("}\n");
        return s.ToString();
    }

    /// <summary>Flushes every set and refills them in one transaction: there is no moment with a half set.</summary>
    public static string Update(IEnumerable<(byte Protocol, InetAddress Vip, ushort Port)> tuples) =>
        Update(tuples, [], []);

    /// <summary>
    /// As <see cref="Update(IEnumerable{ValueTuple{byte, InetAddress, ushort}})"/>, with the NAT
    /// real servers' (protocol, RIP, port) and the FULLNAT local addresses' (protocol, LIP,
    /// first port, last port) as well, and the packets lvsd's firewall-mark rules select
    /// (one drop rule each in the marks chain, flushed and refilled in the same transaction).
    /// </summary>
    public static string Update(
        IEnumerable<(byte Protocol, InetAddress Vip, ushort Port)> tuples,
        IEnumerable<(byte Protocol, InetAddress Rip, ushort Port)> replySources,
        IEnumerable<(byte Protocol, InetAddress Lip, ushort FirstPort, ushort LastPort)> localAddresses,
        IEnumerable<FirewallMarkRule>? marks = null)
    {
        var s = new StringBuilder();
        foreach (var set in (string[])[Set4, Set6, ReplySet4, ReplySet6, LocalSet4, LocalSet6, QuoteSet4, QuoteSet6])
        {
            s.Append(CultureInfo.InvariantCulture, $"flush set {Family} {Table} {set}\n");
        }

        AppendTuples(s, Set4, Set6, tuples);
        AppendTuples(s, ReplySet4, ReplySet6, replySources);
        AppendRanges(s, localAddresses);
        AppendFragmentRefill(s, tuples, replySources, localAddresses);
        AppendQuotes(s, replySources);
        s.Append(CultureInfo.InvariantCulture, $"flush chain {Family} {Table} {MarksChain}\n");
        foreach (var mark in (marks ?? []).Distinct())
        {
            var family = mark.IsIPv6 ? "ip6" : "ip";
            var network = mark.PrefixLength == (mark.IsIPv6 ? 128 : 32) ? mark.Network.ToString() : $"{mark.Network}/{mark.PrefixLength}";
            var ports = mark.FirstPort == mark.LastPort ? $"{mark.FirstPort}" : $"{mark.FirstPort}-{mark.LastPort}";
            s.Append(CultureInfo.InvariantCulture, $"add rule {Family} {Table} {MarksChain} {family} daddr {network} meta l4proto {mark.Protocol} th dport {ports} drop\n");
        }

        return s.ToString();
    }

    private static void AppendRanges(
        StringBuilder s, IEnumerable<(byte Protocol, InetAddress Lip, ushort FirstPort, ushort LastPort)> localAddresses, string verb = "add")
    {
        var v4 = new List<string>();
        var v6 = new List<string>();
        foreach (var (protocol, lip, first, last) in localAddresses.Distinct())
        {
            var element = string.Create(CultureInfo.InvariantCulture, $"{lip} . {protocol} . {first}-{last}");
            (lip.IsIPv4 ? v4 : v6).Add(element);
        }

        AppendElements(s, LocalSet4, v4, verb);
        AppendElements(s, LocalSet6, v6, verb);
    }

    /// <summary>
    /// The NAT real servers' (protocol, RIP, port) as the quote sets hold them: raw payload
    /// keys are plain integers, so the address is written as one (nft has no address type for
    /// a payload offset).
    /// </summary>
    private static void AppendQuotes(
        StringBuilder s, IEnumerable<(byte Protocol, InetAddress Address, ushort Port)> replySources, string verb = "add")
    {
        var v4 = new List<string>();
        var v6 = new List<string>();
        foreach (var (protocol, address, port) in replySources.Distinct())
        {
            var key = address.IsIPv4
                ? string.Create(CultureInfo.InvariantCulture, $"0x{address.V4:x8}")
                : string.Create(CultureInfo.InvariantCulture, $"0x{address.High:x16}{address.Low:x16}");
            (address.IsIPv4 ? v4 : v6).Add(string.Create(CultureInfo.InvariantCulture, $"{key} . {protocol} . {port}"));
        }

        AppendElements(s, QuoteSet4, v4, verb);
        AppendElements(s, QuoteSet6, v6, verb);
    }

    private static void AppendTuples(
        StringBuilder s, string set4, string set6, IEnumerable<(byte Protocol, InetAddress Address, ushort Port)> tuples, string verb = "add")
    {
        var v4 = new List<string>();
        var v6 = new List<string>();
        foreach (var (protocol, address, port) in tuples.Distinct())
        {
            var element = string.Create(CultureInfo.InvariantCulture, $"{address} . {protocol} . {port}");
            (address.IsIPv4 ? v4 : v6).Add(element);
        }

        AppendElements(s, set4, v4, verb);
        AppendElements(s, set6, v6, verb);
    }

    /// <summary>
    /// Removes and adds elements of every set in one transaction (the caller knows the sets
    /// hold exactly what it applied before), so that a change to a large table costs nft and
    /// the kernel only the difference.
    /// </summary>
    public static string Change(GuardDiff diff)
    {
        ArgumentNullException.ThrowIfNull(diff);
        var s = new StringBuilder();
        AppendTuples(s, Set4, Set6, diff.RemovedTuples, "delete");
        AppendTuples(s, ReplySet4, ReplySet6, diff.RemovedReplySources, "delete");
        AppendRanges(s, diff.RemovedLocalAddresses, "delete");
        AppendQuotes(s, diff.RemovedReplySources, "delete");
        AppendTuples(s, Set4, Set6, diff.AddedTuples);
        AppendTuples(s, ReplySet4, ReplySet6, diff.AddedReplySources);
        AppendRanges(s, diff.AddedLocalAddresses);
        AppendQuotes(s, diff.AddedReplySources);
        return s.ToString();
    }

    public static string Delete() => $"delete table {Family} {Table}\n";

    private static void AppendElements(StringBuilder s, string set, List<string> elements, string verb = "add")
    {
        if (elements.Count == 0)
        {
            return;
        }

        s.Append(CultureInfo.InvariantCulture, $"{verb} element {Family} {Table} {set} {{\n");
        foreach (var element in elements)
        {
            s.Append(CultureInfo.InvariantCulture, $"\t{element},\n");
        }

        s.Append("}\n");
    }

    // Interface names reach the script verbatim inside quotes: refuse anything that could
    // break out of them (IFNAMSIZ-1 bytes, no quotes, whitespace or slashes, as dev_valid_name).
    private static void ValidateInterfaceName(string name)
    {
        if (name.Length is 0 or > 15 || name.Any(c => c is '"' or '/' or ':' || char.IsWhiteSpace(c) || char.IsControl(c)))
        {
            throw new ArgumentException($"'{name}' is not a valid interface name", nameof(name));
        }
    }
}
