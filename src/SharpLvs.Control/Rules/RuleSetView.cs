namespace SharpLvs.Control.Rules;

/// <summary>
/// An immutable snapshot of the desired state: services in the order they were added, the
/// connection timeouts, and a generation that grows with every change (so a consumer can
/// tell two snapshots apart cheaply).
/// </summary>
public sealed record RuleSetView(IReadOnlyList<ServiceEntry> Services, ConnectionTimeouts Timeouts, long Generation)
{
    public static RuleSetView Empty { get; } = new([], ConnectionTimeouts.Default, 0);
}
