using SharpLvs.Control.Ipvsadm;

namespace SharpLvs.Control.Protocol;

/// <summary>
/// What lvsadm asks lvsd: one parsed command, or several applied as one transaction
/// (<c>-R</c>: all of them or none).
/// </summary>
public sealed record ControlRequest(IReadOnlyList<AdminCommand> Commands, int Version = ControlRequest.CurrentVersion)
{
    public const int CurrentVersion = 3;

    /// <summary>
    /// For a listing with <c>-n</c>: lvsd answers with the finished text
    /// (<see cref="ControlResponse.Text"/>) instead of the data. Numeric output needs no
    /// resolver, so lvsd can print it; sending 100,000 real servers as text is several times
    /// cheaper for both ends than as JSON objects lvsadm then formats (bench/control.sh).
    /// Listings with names stay in lvsadm, which does the name lookups as ipvsadm does.
    /// </summary>
    public bool RenderNumericText { get; init; }

    public static ControlRequest Of(AdminCommand command) => new([command]);
}
