using SharpLvs.Control.Rules;
using SharpLvs.Core.Services;

namespace SharpLvs.Control.Handling;

/// <summary>The rules after a successful change, with the commands that made it (for the daemon's log).</summary>
public sealed class RulesChangedEventArgs(RuleSetView rules, IReadOnlyList<Ipvsadm.AdminCommand> commands) : EventArgs
{
    public RuleSetView Rules { get; } = rules;

    public IReadOnlyList<Ipvsadm.AdminCommand> Commands { get; } = commands;
}

/// <summary><c>-Z</c>: zero the statistics of one service, or of all when <see cref="Service"/> is null.</summary>
public sealed class ZeroCountersEventArgs(ServiceKey? service) : EventArgs
{
    public ServiceKey? Service { get; } = service;
}
