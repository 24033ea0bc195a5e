using SharpLvs.Core.Services;
using SharpLvs.Packets;

namespace SharpLvs.Linux.Guard;

/// <summary>
/// Keeps the director host's own kernel away from the packets lvsd handles (TESTBED fact 3):
/// an nftables table <c>netdev sharplvs</c> with an ingress chain on every served interface
/// that drops the served (protocol, VIP, port) tuples. AF_PACKET sees frames before the
/// netdev ingress hook, so lvsd still receives them, while the kernel neither answers (RST,
/// ICMP unreachable) nor forwards a second copy, wherever the VIP is configured and whatever
/// ip_forward says. Later fragments, which carry no ports, are dropped by (address,
/// protocol) (<see cref="GuardScript"/>'s fragment sets). Created (replacing a stale one) at
/// construction, removed on Dispose.
/// </summary>
public sealed class KernelGuard : IDisposable
{
    private readonly NftContext _nft;
    private GuardSets? _applied;
    private bool _disposed;

    /// <summary>Installs the table on <paramref name="interfaceNames"/> with empty sets.</summary>
    public KernelGuard(IEnumerable<string> interfaceNames)
    {
        ArgumentNullException.ThrowIfNull(interfaceNames);
        Interfaces = [.. interfaceNames.Distinct()];
        if (Interfaces.Count == 0)
        {
            throw new ArgumentException("at least one interface is needed", nameof(interfaceNames));
        }

        _nft = new NftContext();
        try
        {
            Apply(GuardScript.Create(Interfaces), "create table netdev sharplvs");
        }
        catch
        {
            _nft.Dispose();
            throw;
        }
    }

    public IReadOnlyList<string> Interfaces { get; }

    /// <summary>
    /// Makes the dropped tuples exactly <paramref name="tuples"/> (protocol number, VIP, port),
    /// atomically. Throws <see cref="LinuxException"/> with nft's message if refused; the
    /// previous set stays in force then.
    /// </summary>
    public void Update(IEnumerable<(byte Protocol, InetAddress Vip, ushort Port)> tuples) => Update(tuples, [], []);

    /// <summary>
    /// Makes the dropped flows exactly these, atomically: <paramref name="tuples"/> toward
    /// VIPs; <paramref name="replySources"/>, the (protocol, RIP, port) of NAT real servers,
    /// whose replies the host must not forward un-NATed; and <paramref name="localAddresses"/>,
    /// the FULLNAT local addresses' port ranges, where the real servers answer; and the
    /// packets the firewall-mark rules <paramref name="marks"/> select.
    /// </summary>
    public void Update(
        IEnumerable<(byte Protocol, InetAddress Vip, ushort Port)> tuples,
        IEnumerable<(byte Protocol, InetAddress Rip, ushort Port)> replySources,
        IEnumerable<(byte Protocol, InetAddress Lip, ushort FirstPort, ushort LastPort)> localAddresses,
        IEnumerable<FirewallMarkRule>? marks = null)
    {
        ArgumentNullException.ThrowIfNull(tuples);
        ArgumentNullException.ThrowIfNull(replySources);
        ArgumentNullException.ThrowIfNull(localAddresses);
        ObjectDisposedException.ThrowIf(_disposed, this);
        HashSet<(byte, InetAddress, ushort)> tupleSet = [.. tuples];
        HashSet<(byte, InetAddress, ushort)> replySet = [.. replySources];
        HashSet<(byte, InetAddress, ushort, ushort)> localSet = [.. localAddresses];
        var wanted = new GuardSets(tupleSet, replySet, localSet, [.. marks ?? []],
            GuardScript.FragmentDestinations(tupleSet, localSet), GuardScript.FragmentSources(replySet));
        if (_applied is null || !_applied.Marks.SequenceEqual(wanted.Marks))
        {
            // First fill, or the marks chain changes (rules in order, flushed and refilled).
            Apply(GuardScript.Update(wanted.Tuples, wanted.ReplySources, wanted.LocalAddresses, wanted.Marks), "update the guarded tuples");
            _applied = wanted;
            return;
        }

        // Only the difference goes to the kernel: with 10,000 services a weight change adds
        // or removes nothing (no nft call at all) and a new service adds one element, where a
        // refill would have nft parse, and the kernel swap, all 10,000.
        var diff = new GuardDiff(
            Except(wanted.Tuples, _applied.Tuples), Except(_applied.Tuples, wanted.Tuples),
            Except(wanted.ReplySources, _applied.ReplySources), Except(_applied.ReplySources, wanted.ReplySources),
            Except(wanted.LocalAddresses, _applied.LocalAddresses), Except(_applied.LocalAddresses, wanted.LocalAddresses));
        if (diff.IsEmpty)
        {
            return;
        }

        try
        {
            // The fragment sets follow from the others: they change only when those do.
            var fragments = GuardScript.ChangeFragments(
                Except(wanted.FragmentDestinations, _applied.FragmentDestinations), Except(_applied.FragmentDestinations, wanted.FragmentDestinations),
                Except(wanted.FragmentSources, _applied.FragmentSources), Except(_applied.FragmentSources, wanted.FragmentSources));
            Apply(GuardScript.Change(diff) + fragments, "update the guarded tuples");
        }
        catch
        {
            // Unknown kernel state: the next update refills every set from scratch.
            _applied = null;
            throw;
        }

        _applied = wanted;
    }

    private static List<T> Except<T>(HashSet<T> these, HashSet<T> but)
    {
        var left = new List<T>();
        foreach (var item in these)
        {
            if (!but.Contains(item))
            {
                left.Add(item);
            }
        }

        return left;
    }

    private sealed record GuardSets(
        HashSet<(byte Protocol, InetAddress Vip, ushort Port)> Tuples,
        HashSet<(byte Protocol, InetAddress Rip, ushort Port)> ReplySources,
        HashSet<(byte Protocol, InetAddress Lip, ushort FirstPort, ushort LastPort)> LocalAddresses,
        List<FirewallMarkRule> Marks,
        HashSet<(byte Protocol, InetAddress Address)> FragmentDestinations,
        HashSet<(byte Protocol, InetAddress Address)> FragmentSources);

    /// <summary>The table as nft prints it (for diagnostics).</summary>
    public string Describe()
    {
        var (ok, output, error) = _nft.Run($"list table {GuardScript.Family} {GuardScript.Table}");
        return ok ? output : error;
    }

    private void Apply(string script, string what)
    {
        var (ok, _, error) = _nft.Run(script);
        if (!ok)
        {
            throw new LinuxException($"nftables: cannot {what}: {error}");
        }
    }

    /// <summary>Removes the table; never throws (the daemon is exiting).</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        _ = _nft.Run(GuardScript.Delete());
        _nft.Dispose();
    }
}
