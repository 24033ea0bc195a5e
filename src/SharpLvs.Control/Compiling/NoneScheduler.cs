using SharpLvs.Core.Connections;
using SharpLvs.Core.Scheduling;
using SharpLvs.Core.Services;

namespace SharpLvs.Control.Compiling;

/// <summary>
/// <c>-s none</c>: ip_vs_add_service accepts a service without a scheduler; it schedules
/// nothing (new connections find no real server), which only makes sense with persistence
/// templates or synced connections.
/// </summary>
internal sealed class NoneScheduler : IScheduler
{
    public static NoneScheduler Instance { get; } = new();

    public string Name => Rules.RuleSet.NoScheduler;

    public RealServer? Schedule(VirtualService service, in FlowKey flow) => null;
}
