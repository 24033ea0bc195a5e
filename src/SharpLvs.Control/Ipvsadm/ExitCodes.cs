namespace SharpLvs.Control.Ipvsadm;

/// <summary>
/// ipvsadm 1.31's exit statuses, read from ipvsadm.c: <c>fail(2, …)</c> for argument errors,
/// <c>exit(-1)</c> / <c>return -1</c> from main (status 255) for popt errors, the "Try -h"
/// hint and a refused kernel operation, and <c>exit(1)</c> when a single listed service is
/// missing.
/// </summary>
public static class ExitCodes
{
    public const int Success = 0;

    /// <summary>A listed service (<c>-L -t …</c>) does not exist (list_service: exit(1)).</summary>
    public const int ListFailed = 1;

    /// <summary>ipvsadm's <c>fail(2, …)</c>: a bad argument, or the IPVS table cannot be reached.</summary>
    public const int BadArgument = 2;

    /// <summary>main returned -1: a refused operation, a popt error, or the "Try -h" hint.</summary>
    public const int OperationFailed = 255;
}
