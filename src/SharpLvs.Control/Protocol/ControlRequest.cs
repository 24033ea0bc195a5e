using SharpLvs.Control.Ipvsadm;

namespace SharpLvs.Control.Protocol;

/// <summary>
/// What lvsadm asks lvsd: one parsed command, or several applied as one transaction
/// (<c>-R</c>: all of them or none).
/// </summary>
public sealed record ControlRequest(IReadOnlyList<AdminCommand> Commands, int Version = ControlRequest.CurrentVersion)
{
    public const int CurrentVersion = 2;

    public static ControlRequest Of(AdminCommand command) => new([command]);
}
