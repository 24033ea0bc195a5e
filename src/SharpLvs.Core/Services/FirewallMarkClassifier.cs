using SharpLvs.Packets;

namespace SharpLvs.Core.Services;

/// <summary>
/// The marking rules of one snapshot, consulted in the order they were declared (the first
/// match wins, as the first matching MARK rule of a mangle chain would). Linear: a director
/// has a handful of marks, and the walk allocates nothing.
/// </summary>
public sealed class FirewallMarkClassifier
{
    private readonly FirewallMarkRule[] _rules;

    public FirewallMarkClassifier(IEnumerable<FirewallMarkRule> rules)
    {
        ArgumentNullException.ThrowIfNull(rules);
        _rules = [.. rules];
        foreach (var rule in _rules)
        {
            if (rule.Mark == 0)
            {
                throw new ArgumentException("a firewall mark is never 0", nameof(rules));
            }
        }
    }

    public static FirewallMarkClassifier Empty { get; } = new([]);

    public IReadOnlyList<FirewallMarkRule> Rules => _rules;

    public bool IsEmpty => _rules.Length == 0;

    /// <summary>The mark a packet of (protocol, destination, port) gets, or 0 (skb->mark unset).</summary>
    public uint Classify(byte protocol, InetAddress destination, ushort port)
    {
        foreach (ref readonly var rule in _rules.AsSpan())
        {
            if (rule.Matches(protocol, destination, port))
            {
                return rule.Mark;
            }
        }

        return 0;
    }

    /// <summary>Whether any rule covers the address: its packets are then the director's to look at.</summary>
    public bool Covers(InetAddress destination)
    {
        foreach (ref readonly var rule in _rules.AsSpan())
        {
            if (rule.Covers(destination))
            {
                return true;
            }
        }

        return false;
    }
}
