using SharpLvs.Control.Rules;
using SharpLvs.Core.Services;

namespace SharpLvs.Control.Compiling;

/// <summary>
/// Which services of a recompile must be rebuilt, found without a pass of hash lookups over
/// every service. The rule set keeps its services in the order they were added (a new one at
/// the end, a deleted one taken out, an edited one in place) and hands out the same entry
/// object until a service changes; the published table lists its services in the order of the
/// rules it came from. So one walk over the old and the new rules side by side, comparing
/// references, pairs each unchanged service with its compiled object, and only a mismatch
/// costs a lookup. When the orders disagree (the previous table was not compiled from those
/// rules, or a service was moved) there is no plan and the compiler takes the whole table.
/// </summary>
internal sealed class ChangePlan
{
    private ChangePlan(VirtualService?[] services) => Services = services;

    /// <summary>The new table's services in rule order; null where <see cref="Rebuilds"/> fills in.</summary>
    public VirtualService?[] Services { get; }

    /// <summary>Services to compile: index in <see cref="Services"/>, the rule, and the object it replaces (null: a new service).</summary>
    public List<(int Index, ServiceEntry Entry, VirtualService? Old)> Rebuilds { get; } = [];

    /// <summary>Services of the previous table the new one does not keep (deleted, or replaced by a rebuild).</summary>
    public List<VirtualService> Removed { get; } = [];

    /// <param name="trusted">Whether <paramref name="previous"/> is known to be compiled from exactly
    /// <paramref name="compiledFrom"/> (position i of one is position i of the other) with all
    /// its real servers still available, so the walk need not check each pair: it then reads
    /// only the two lists of references.</param>
    public static ChangePlan? TryMake(RuleSetView rules, RuleSetView compiledFrom, ServiceTable previous, bool trusted)
    {
        var oldEntries = Span(compiledFrom.Services);
        var oldServices = Span(previous.Services);
        var entries = Span(rules.Services);
        if (oldEntries.Length != oldServices.Length)
        {
            return null;
        }

        var plan = new ChangePlan(new VirtualService?[entries.Length]);
        var next = 0;
        for (var j = 0; j < entries.Length; j++)
        {
            var entry = entries[j];
            if (trusted && next < oldEntries.Length && ReferenceEquals(oldEntries[next], entry))
            {
                // The same entry object: the rules of this service did not change since the previous compile.
                plan.Services[j] = oldServices[next++];
                continue;
            }

            var key = entry.Service.Key;
            int match;
            if (next < oldEntries.Length && (ReferenceEquals(oldEntries[next], entry) || oldEntries[next].Service.Key == key))
            {
                match = next;
            }
            else if (previous.Find(key) is not { } existing)
            {
                plan.Rebuilds.Add((j, entry, null));
                continue;
            }
            else if ((match = IndexOf(oldServices, existing, next)) < 0)
            {
                // Compiled earlier in this walk, or listed before its position: a reordering.
                return null;
            }

            // The services passed over on the way to the match are gone from the rules.
            for (var k = next; k < match; k++)
            {
                plan.Removed.Add(oldServices[k]);
            }

            next = match + 1;
            var old = oldServices[match];
            if (old.Key != key)
            {
                return null;
            }

            if (ReferenceEquals(oldEntries[match], entry)
                ? old.RealServers.Length == entry.Destinations.Count && (trusted || Unchanged.AllAvailable(old))
                : Unchanged.Is(oldEntries[match], entry, old))
            {
                plan.Services[j] = old;
                continue;
            }

            plan.Rebuilds.Add((j, entry, old));
            plan.Removed.Add(old);
        }

        for (var k = next; k < oldServices.Length; k++)
        {
            plan.Removed.Add(oldServices[k]);
        }

        return plan;
    }

    // The rule set's views and the tables hold arrays: the walk reads them without interface calls.
    private static ReadOnlySpan<T> Span<T>(IReadOnlyList<T> list) => list as T[] ?? [.. list];

    private static int IndexOf(ReadOnlySpan<VirtualService> services, VirtualService service, int start)
    {
        for (var i = start; i < services.Length; i++)
        {
            if (ReferenceEquals(services[i], service))
            {
                return i;
            }
        }

        return -1;
    }
}
