namespace SharpLvs.Control.Ipvsadm;

/// <summary>
/// What parsing a command line gave: a command to send to lvsd, or text to print and an exit
/// status (help, version, or ipvsadm's error message for the argument that was wrong).
/// </summary>
public sealed record ParseOutcome(AdminCommand? Command, int ExitCode, string Stdout, string Stderr)
{
    public static ParseOutcome Of(AdminCommand command) => new(command, ExitCodes.Success, "", "");

    /// <summary>ipvsadm's fail(code, message): the message and a newline on stderr.</summary>
    public static ParseOutcome Fail(int exitCode, string message) => new(null, exitCode, "", message + "\n");

    public static ParseOutcome Print(string stdout) => new(null, ExitCodes.Success, stdout, "");
}
