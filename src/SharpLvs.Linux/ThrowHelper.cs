using System.Diagnostics.CodeAnalysis;

namespace SharpLvs.Linux;

/// <summary>Throws kept out of line so the callers' fast paths stay small.</summary>
internal static class ThrowHelper
{
    [DoesNotReturn]
    internal static void ThrowErrno(string what, int errno) =>
        throw new LinuxException(what, errno);

    [DoesNotReturn]
    internal static void ThrowInvalidOperation(string message) =>
        throw new InvalidOperationException(message);
}

/// <summary>A system call of the Linux edge failed; carries errno and names what was being done.</summary>
public sealed class LinuxException : Exception
{
    public LinuxException()
    {
    }

    public LinuxException(string message)
        : base(message)
    {
    }

    public LinuxException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public LinuxException(string what, int errno)
        : base($"{what}: {Interop.Errors.Describe(errno)}") => ErrorNumber = errno;

    /// <summary>errno of the failed call (0 when not from a system call).</summary>
    public int ErrorNumber { get; }
}
