namespace SharpLvs.Control.Ipvsadm;

/// <summary>
/// The lines of <c>-R</c> (and of lvsd's state file): every line is a command line as
/// ipvsadm-save wrote it. All lines are parsed before anything is applied; blank lines and
/// '#' comments are skipped, as ipvsadm-restore does.
/// </summary>
public static class RestoreReader
{
    /// <summary>The commands with the 1-based line each came from.</summary>
    public sealed record Script(IReadOnlyList<AdminCommand> Commands, IReadOnlyList<int> Lines);

    /// <summary>Parses every line; on the first bad one returns its parse failure and its line number.</summary>
    public static (Script? Script, ParseOutcome? Failure, int FailedLine) Read(CommandLineParser parser, TextReader input, string program)
    {
        ArgumentNullException.ThrowIfNull(parser);
        ArgumentNullException.ThrowIfNull(input);
        var commands = new List<AdminCommand>();
        var lines = new List<int>();
        var number = 0;
        while (input.ReadLine() is { } line)
        {
            number++;
            var words = line.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
            if (words.Length == 0 || words[0].StartsWith('#'))
            {
                continue;
            }

            var outcome = parser.Parse(words);
            if (outcome.Command is not { } command)
            {
                return (null, outcome, number);
            }

            if (command.Kind is AdminCommandKind.Restore or AdminCommandKind.None)
            {
                // ipvsadm refuses a nested -R with its "Try -h" hint.
                return (null, ParseOutcome.Fail(ExitCodes.OperationFailed, $"Try `{program} -h' or '{program} --help' for more information."), number);
            }

            commands.Add(command);
            lines.Add(number);
        }

        return (new Script(commands, lines), null, 0);
    }

    /// <summary>The line lvsadm adds after ipvsadm's own message, so a long restore says where it broke.</summary>
    public static string NothingApplied(string program, int line) =>
        $"{program}: -R: line {line} failed, no rule was changed\n";
}
