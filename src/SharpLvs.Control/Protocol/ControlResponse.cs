using SharpLvs.Control.Ipvsadm;
using SharpLvs.Control.Listing;
using SharpLvs.Control.Rules;
using SharpLvs.Core.Services;

namespace SharpLvs.Control.Protocol;

/// <summary>
/// lvsd's answer: the exit status lvsadm ends with (ipvsadm's), the error line it prints on
/// stderr, and for list/save commands the data it formats (marks and tunables for lvsadm's
/// own list commands; marks also with -S; the connection entries for -Lc). For a refused
/// -R, <see cref="FailedCommand"/> is the index of the command that failed.
/// </summary>
public sealed record ControlResponse(
    int ExitCode,
    string Error = "",
    ListingData? Listing = null,
    ConnectionTimeouts? Timeouts = null,
    IReadOnlyList<SyncDaemonSettings>? Daemons = null,
    IReadOnlyList<FirewallMarkRule>? Marks = null,
    IReadOnlyList<TunableSetting>? Tunables = null,
    IReadOnlyList<ConnectionView>? Connections = null,
    int? FailedCommand = null)
{
    public static ControlResponse Ok { get; } = new(ExitCodes.Success);

    /// <summary>The listing already printed (numeric), when the request asked for <see cref="ControlRequest.RenderNumericText"/>.</summary>
    public string? Text { get; init; }

    /// <summary>A refused operation: ipvsadm prints ipvs_strerror and main returns -1 (status 255).</summary>
    public static ControlResponse Refused(RuleError error) => new(ExitCodes.OperationFailed, RuleErrors.Message(error));

    /// <summary>
    /// Not root: ipvsadm cannot even open the IPVS table then and fails with status 2.
    /// </summary>
    public static ControlResponse PermissionDenied { get; } =
        new(ExitCodes.BadArgument, RuleErrors.Message(RuleError.PermissionDenied));
}
