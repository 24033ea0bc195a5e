using System.Collections.Immutable;
using SharpLvs.Core.Services;

namespace SharpLvs.Core.Scheduling;

/// <summary>
/// Schedulers by ipvsadm name, as the kernel's register_ip_vs_scheduler keeps them: a name is
/// registered once and a duplicate is refused. Adding a scheduler is one file plus one line
/// in <see cref="CreateDefault"/>.
/// </summary>
public sealed class SchedulerRegistry
{
    private readonly Dictionary<string, SchedulerFactory> _factories = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();

    /// <summary>The registry with every scheduler SharpLVS implements.</summary>
    public static SchedulerRegistry Default { get; } = CreateDefault();

    public static SchedulerRegistry CreateDefault()
    {
        var registry = new SchedulerRegistry();
        registry.Register(SchedulerNames.RoundRobin, RoundRobinScheduler.Create);
        registry.Register(SchedulerNames.WeightedRoundRobin, WeightedRoundRobinScheduler.Create);
        registry.Register(SchedulerNames.LeastConnection, LeastConnectionScheduler.Create);
        registry.Register(SchedulerNames.WeightedLeastConnection, WeightedLeastConnectionScheduler.Create);
        registry.Register(SchedulerNames.LocalityBasedLeastConnection, LocalityBasedLeastConnectionScheduler.Create);
        registry.Register(SchedulerNames.LocalityBasedLeastConnectionWithReplication, LocalityBasedLeastConnectionWithReplicationScheduler.Create);
        registry.Register(SchedulerNames.DestinationHashing, DestinationHashingScheduler.Create);
        registry.Register(SchedulerNames.SourceHashing, SourceHashingScheduler.Create);
        registry.Register(SchedulerNames.ShortestExpectedDelay, ShortestExpectedDelayScheduler.Create);
        registry.Register(SchedulerNames.NeverQueue, NeverQueueScheduler.Create);
        registry.Register(SchedulerNames.WeightedFailover, WeightedFailoverScheduler.Create);
        registry.Register(SchedulerNames.WeightedOverflow, WeightedOverflowScheduler.Create);
        registry.Register(SchedulerNames.MaglevHashing, MaglevHashingScheduler.Create);
        registry.Register(SchedulerNames.WeightedRandomTwosChoice, WeightedRandomTwosChoiceScheduler.Create);
        return registry;
    }

    /// <summary>The registered names, sorted.</summary>
    public IReadOnlyList<string> Names
    {
        get
        {
            lock (_lock)
            {
                var names = _factories.Keys.ToList();
                names.Sort(StringComparer.Ordinal);
                return names;
            }
        }
    }

    /// <summary>Registers <paramref name="name"/>; throws if it is taken (the kernel returns -EEXIST).</summary>
    public void Register(string name, SchedulerFactory factory)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(factory);
        lock (_lock)
        {
            if (!_factories.TryAdd(name, factory))
            {
                throw new InvalidOperationException($"scheduler '{name}' is already registered");
            }
        }
    }

    public bool IsKnown(string name)
    {
        lock (_lock)
        {
            return name is not null && _factories.ContainsKey(name);
        }
    }

    /// <summary>
    /// Builds the scheduler <paramref name="name"/> for <paramref name="servers"/> (in the order
    /// it will walk them). Pass the service's current scheduler as <paramref name="previous"/>
    /// so position state carries over, as the kernel's add/del/upd_dest callbacks keep it.
    /// Throws <see cref="KeyNotFoundException"/> for an unknown name (check with <see cref="IsKnown"/>).
    /// </summary>
    public IScheduler Create(string name, ImmutableArray<RealServer> servers, IScheduler? previous)
    {
        SchedulerFactory? factory;
        lock (_lock)
        {
            _factories.TryGetValue(name, out factory);
        }

        if (factory is null)
        {
            throw new KeyNotFoundException($"Scheduler or persistence engine not found: '{name}'");
        }

        return factory(servers.IsDefault ? [] : servers, previous);
    }
}
