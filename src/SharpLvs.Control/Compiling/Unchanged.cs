using SharpLvs.Control.Rules;
using SharpLvs.Core.Services;

namespace SharpLvs.Control.Compiling;

/// <summary>
/// Which services a recompile may take over as they are: those whose rule and destination
/// list are equal (record equality, so fields added to the rules later count too) to the
/// rules the previous table came from, and whose real servers are all still available.
/// </summary>
internal static class Unchanged
{
    public static Dictionary<ServiceKey, ServiceEntry>? Index(RuleSetView? rules)
    {
        if (rules is null)
        {
            return null;
        }

        var index = new Dictionary<ServiceKey, ServiceEntry>(rules.Services.Count);
        foreach (var entry in rules.Services)
        {
            index[entry.Service.Key] = entry;
        }

        return index;
    }

    public static bool Is(Dictionary<ServiceKey, ServiceEntry>? before, ServiceEntry entry, VirtualService old)
    {
        if (before is null || !before.TryGetValue(entry.Service.Key, out var previous))
        {
            return false;
        }

        // The rule set hands out the same entry object until the service changes.
        return ReferenceEquals(previous, entry)
            ? old.RealServers.Length == entry.Destinations.Count && AllAvailable(old)
            : Is(previous, entry, old);
    }

    /// <summary>Whether <paramref name="entry"/> has the contents of <paramref name="previous"/>, the rule <paramref name="old"/> was compiled from.</summary>
    public static bool Is(ServiceEntry previous, ServiceEntry entry, VirtualService old)
    {
        if (previous.Service != entry.Service || !previous.LocalAddresses.SequenceEqual(entry.LocalAddresses))
        {
            return false;
        }

        if (ReferenceEquals(previous.Destinations, entry.Destinations))
        {
            return AllAvailable(old);
        }

        if (previous.Destinations.Count != entry.Destinations.Count || old.RealServers.Length != entry.Destinations.Count)
        {
            return false;
        }

        for (var i = 0; i < entry.Destinations.Count; i++)
        {
            if (previous.Destinations[i] != entry.Destinations[i])
            {
                return false;
            }
        }

        return AllAvailable(old);
    }

    public static bool AllAvailable(VirtualService old)
    {
        foreach (var server in old.RealServers)
        {
            if (!server.Available)
            {
                return false;
            }
        }

        return true;
    }
}
