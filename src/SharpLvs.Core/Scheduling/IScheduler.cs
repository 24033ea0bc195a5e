using SharpLvs.Core.Connections;
using SharpLvs.Core.Services;

namespace SharpLvs.Core.Scheduling;

/// <summary>
/// Picks the real server for a new connection (the kernel's <c>struct ip_vs_scheduler</c>
/// <c>schedule</c> callback). One instance serves one virtual service and is built for exactly
/// its real servers by <see cref="SchedulerRegistry.Create"/>; a change of the real servers or
/// their weights builds a new instance off the hot path.
/// </summary>
/// <remarks>
/// <see cref="Schedule"/> runs on the data-plane thread of the worker that owns the service
/// snapshot, never concurrently with itself; it must not allocate. It returns null when no
/// server may take a new connection (all quiesced with weight 0, overloaded, or none).
/// </remarks>
public interface IScheduler
{
    /// <summary>The ipvsadm name (<see cref="SchedulerNames"/>).</summary>
    string Name { get; }

    RealServer? Schedule(VirtualService service, in FlowKey flow);
}

/// <summary>Builds a scheduler for <paramref name="servers"/>, carrying position state over from <paramref name="previous"/> when it is of the same kind.</summary>
public delegate IScheduler SchedulerFactory(System.Collections.Immutable.ImmutableArray<RealServer> servers, IScheduler? previous);
