using SharpLvs.Control.Listing;
using SharpLvs.Control.Protocol;

namespace SharpLvs.Control.Ipvsadm;

/// <summary>
/// lvsadm from argv to exit status: parse as ipvsadm does, send the command to lvsd, print
/// the answer as ipvsadm prints it. The transport is a delegate so the whole path runs in
/// tests without a socket; Program.cs passes <see cref="ControlClient.Send"/>.
/// </summary>
public static class Lvsadm
{
    public const string ProgramName = "lvsadm";

    public static int Run(
        IReadOnlyList<string> args,
        TextReader stdin,
        TextWriter stdout,
        TextWriter stderr,
        Func<ControlRequest, ControlResponse> send,
        INameService names)
    {
        ArgumentNullException.ThrowIfNull(stdin);
        ArgumentNullException.ThrowIfNull(stdout);
        ArgumentNullException.ThrowIfNull(stderr);
        ArgumentNullException.ThrowIfNull(send);
        var parser = new CommandLineParser(names, ProgramName);
        var outcome = parser.Parse(args);
        if (outcome.Command is not { } command)
        {
            stdout.Write(outcome.Stdout);
            stderr.Write(outcome.Stderr);
            return outcome.ExitCode;
        }

        ControlRequest request;
        if (command.Kind == AdminCommandKind.Restore)
        {
            var restore = ReadRestore(parser, stdin);
            if (restore.Commands is null)
            {
                stderr.Write(restore.Failure!.Stderr);
                return restore.Failure.ExitCode;
            }

            if (restore.Commands.Count == 0)
            {
                return ExitCodes.Success;
            }

            request = new ControlRequest(restore.Commands);
        }
        else
        {
            request = ControlRequest.Of(command);
        }

        ControlResponse response;
        try
        {
            response = send(request);
        }
        catch (ControlUnavailableException e)
        {
            // ipvsadm's counterpart is "Can't initialize ipvs: …", fail(2).
            stderr.Write($"{ProgramName}: {e.Message}\n");
            return ExitCodes.BadArgument;
        }

        if (response.ExitCode != ExitCodes.Success)
        {
            stderr.Write(response.Error + "\n");
            return response.ExitCode;
        }

        stdout.Write(Render(command, response, new ListingFormatter(names)));
        return ExitCodes.Success;
    }

    private static string Render(AdminCommand command, ControlResponse response, ListingFormatter formatter)
    {
        switch (command.Kind)
        {
            case AdminCommandKind.List when response.Timeouts is { } timeouts:
                return ListingFormatter.FormatTimeouts(timeouts);
            case AdminCommandKind.List when command.Has(AdminOptions.Daemon):
                return FormatDaemons(response.Daemons ?? []);
            case AdminCommandKind.List when command.Has(AdminOptions.Service) && response.Listing is { Services.Count: > 0 } one:
                return formatter.FormatService(one.Services[0], command.Format);
            case AdminCommandKind.List when response.Listing is { } all:
                return formatter.FormatAll(all, command.Format);
            case AdminCommandKind.Save when response.Listing is { } saved:
                // The mark rules first, so that -R defines them before the services they feed.
                return MarkListing.Save(response.Marks ?? []) + formatter.FormatAll(saved, command.Format | ListFormat.Rule);
            case AdminCommandKind.ListMarks:
                return MarkListing.List(response.Marks ?? []);
            case AdminCommandKind.ListTunables:
                return MarkListing.Tunables(response.Tunables ?? []);
            default:
                return "";
        }
    }

    /// <summary>list_daemon: one line per running sync daemon.</summary>
    private static string FormatDaemons(IReadOnlyList<SyncDaemonSettings> daemons)
    {
        var text = new System.Text.StringBuilder();
        foreach (var d in daemons)
        {
            text.Append($"{(d.IsBackup ? "backup" : "master")} sync daemon (mcast={d.McastInterface}, syncid={d.SyncId}");
            if (d.SyncMaxLength != 0)
            {
                text.Append($", maxlen={d.SyncMaxLength}");
            }

            if (d.McastGroup.Length != 0)
            {
                text.Append($", group={d.McastGroup}");
            }

            if (d.McastPort != 0)
            {
                text.Append($", port={d.McastPort}");
            }

            if (d.McastTtl != 0)
            {
                text.Append($", ttl={d.McastTtl}");
            }

            text.Append(")\n");
        }

        return text.ToString();
    }

    /// <summary>
    /// <c>-R</c>: every stdin line is a command line (as ipvsadm-save wrote it). All lines are
    /// parsed before anything is sent, and lvsd applies them as one transaction. Blank lines
    /// and '#' comments are skipped, as ipvsadm-restore does.
    /// </summary>
    private static (List<AdminCommand>? Commands, ParseOutcome? Failure) ReadRestore(CommandLineParser parser, TextReader stdin)
    {
        var commands = new List<AdminCommand>();
        while (stdin.ReadLine() is { } line)
        {
            var words = line.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
            if (words.Length == 0 || words[0].StartsWith('#'))
            {
                continue;
            }

            var outcome = parser.Parse(words);
            if (outcome.Command is not { } command)
            {
                return (null, outcome);
            }

            if (command.Kind == AdminCommandKind.Restore)
            {
                // ipvsadm refuses a nested -R with its "Try -h" hint.
                return (null, ParseOutcome.Fail(ExitCodes.OperationFailed, $"Try `{ProgramName} -h' or '{ProgramName} --help' for more information."));
            }

            commands.Add(command);
        }

        return (commands, null);
    }
}
