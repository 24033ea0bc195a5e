namespace SharpLvs.Control.Rules;

/// <summary>
/// Why the rule set refused an operation: the errno the kernel's ip_vs_ctl.c returns for it,
/// named by what it means. <see cref="RuleErrors.Message"/> gives ipvsadm's text for it.
/// </summary>
public enum RuleError
{
    None = 0,

    /// <summary>EEXIST on add-service.</summary>
    ServiceExists,

    /// <summary>ENOENT on add/edit-service: unknown scheduler or persistence engine.</summary>
    SchedulerNotFound,

    /// <summary>ESRCH on edit/delete/zero/get service.</summary>
    NoSuchService,

    /// <summary>ESRCH on a destination command: the service is missing.</summary>
    ServiceNotDefined,

    /// <summary>EEXIST on add-server.</summary>
    DestinationExists,

    /// <summary>ENOENT on edit/delete-server.</summary>
    NoSuchDestination,

    /// <summary>EINVAL: address not unicast, family mix outside TUN, bad IPv6 mask, GUE without port.</summary>
    InvalidOperation,

    /// <summary>ERANGE: negative weight, lower threshold above upper.</summary>
    OutOfRange,

    /// <summary>EEXIST on start-daemon.</summary>
    DaemonAlreadyRunning,

    /// <summary>ESRCH on stop-daemon.</summary>
    NoDaemonRunning,

    /// <summary>EPERM: the caller is not root.</summary>
    PermissionDenied,

    /// <summary>EOPNOTSUPP: lvsd does not implement this command yet.</summary>
    NotSupported,

    /// <summary>add-mark: a marking rule for the same packets exists (lvsadm extension).</summary>
    MarkExists,

    /// <summary>del-mark: no such marking rule (lvsadm extension).</summary>
    NoSuchMark,

    /// <summary>ENOENT: no /proc/sys/net/ipv4/vs entry of that name among lvsd's tunables.</summary>
    NoSuchTunable,

    /// <summary>EEXIST on add-laddr.</summary>
    LocalAddressExists,

    /// <summary>ENOENT on del-laddr.</summary>
    NoSuchLocalAddress,
}

/// <summary>ipvsadm's words for each error (libipvs.c <c>ipvs_strerror</c>, then glibc's <c>strerror</c>).</summary>
public static class RuleErrors
{
    public static string Message(RuleError error) => error switch
    {
        RuleError.None => "",
        RuleError.ServiceExists => "Service already exists",
        RuleError.SchedulerNotFound => "Scheduler or persistence engine not found",
        RuleError.NoSuchService => "No such service",
        RuleError.ServiceNotDefined => "Service not defined",
        RuleError.DestinationExists => "Destination already exists",
        RuleError.NoSuchDestination => "No such destination",
        RuleError.InvalidOperation => "Invalid operation.  Possibly wrong module version, address not unicast, ...",
        RuleError.OutOfRange => "Numerical result out of range",
        RuleError.DaemonAlreadyRunning => "Daemon has already run",
        RuleError.NoDaemonRunning => "No daemon is running",
        RuleError.PermissionDenied => "Permission denied (you must be root)",
        RuleError.NotSupported => "Operation not supported",
        RuleError.MarkExists => "Mark rule already exists",
        RuleError.NoSuchMark => "No such mark rule",
        RuleError.NoSuchTunable => "No such tunable",

        RuleError.LocalAddressExists => "Local address already exists",
        RuleError.NoSuchLocalAddress => "No such local address",
        _ => "Unknown error",
    };
}
