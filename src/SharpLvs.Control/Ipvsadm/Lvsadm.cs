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

    /// <summary>lvsadm's own list option (not ipvsadm's): the table as JSON.</summary>
    public const string JsonOption = "--json";

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
        ArgumentNullException.ThrowIfNull(args);
        var parser = new CommandLineParser(names, ProgramName);

        // --json is taken out before ipvsadm's parser sees the rest, so ipvsadm's option
        // table and its messages stay exactly ipvsadm's.
        var json = args.Contains(JsonOption);
        var outcome = parser.Parse(json ? args.Where(a => a != JsonOption).ToArray() : args);
        if (outcome.Command is not { } command)
        {
            stdout.Write(outcome.Stdout);
            stderr.Write(outcome.Stderr);
            return outcome.ExitCode;
        }

        if (json)
        {
            return RunJson(command, stdout, stderr, send);
        }

        ControlRequest request;
        IReadOnlyList<int>? restoreLines = null;
        if (command.Kind == AdminCommandKind.Restore)
        {
            var (script, failure, failedLine) = RestoreReader.Read(parser, stdin, ProgramName);
            if (script is null)
            {
                stderr.Write(failure!.Stderr);
                stderr.Write(RestoreReader.NothingApplied(ProgramName, failedLine));
                return failure.ExitCode;
            }

            if (script.Commands.Count == 0)
            {
                return ExitCodes.Success;
            }

            request = new ControlRequest(script.Commands);
            restoreLines = script.Lines;
        }
        else
        {
            // -n listings come back printed (ControlRequest.RenderNumericText).
            request = ControlRequest.Of(command) with { RenderNumericText = (command.Format & ListFormat.Numeric) != 0 && RendersListing(command) };
        }

        if (!TrySend(send, request, stderr, out var response))
        {
            if (restoreLines is not null && response.FailedCommand is { } index && index >= 0 && index < restoreLines.Count)
            {
                stderr.Write(RestoreReader.NothingApplied(ProgramName, restoreLines[index]));
            }

            return response.ExitCode;
        }

        stdout.Write(response.Text ?? Render(command, response, new ListingFormatter(names)));
        return ExitCodes.Success;
    }

    /// <summary>Sends one request; false (with the message already on stderr) when it failed.</summary>
    private static bool TrySend(Func<ControlRequest, ControlResponse> send, ControlRequest request, TextWriter stderr, out ControlResponse response)
    {
        try
        {
            response = send(request);
        }
        catch (ControlUnavailableException e)
        {
            // ipvsadm's counterpart is "Can't initialize ipvs: …", fail(2).
            stderr.Write($"{ProgramName}: {e.Message}\n");
            response = new ControlResponse(ExitCodes.BadArgument);
            return false;
        }

        if (response.ExitCode != ExitCodes.Success)
        {
            stderr.Write(response.Error + "\n");
            return false;
        }

        return true;
    }

    /// <summary>
    /// <c>-L --json</c> (with <c>-c</c>: the connection entries too). A single service (<c>-t</c>
    /// …) narrows the services; --timeout and --daemon have no JSON form.
    /// </summary>
    private static int RunJson(AdminCommand command, TextWriter stdout, TextWriter stderr, Func<ControlRequest, ControlResponse> send)
    {
        if (command.Kind != AdminCommandKind.List || command.Has(AdminOptions.Timeout) || command.Has(AdminOptions.Daemon))
        {
            stderr.Write($"{ProgramName}: {JsonOption} goes with -L or -Lc only\n");
            return ExitCodes.BadArgument;
        }

        var tableRequest = command with { Options = command.Options & ~AdminOptions.Connection };
        if (!TrySend(send, ControlRequest.Of(tableRequest), stderr, out var table) || table.Listing is not { } listing)
        {
            return table.ExitCode == ExitCodes.Success ? ExitCodes.ListFailed : table.ExitCode;
        }

        IReadOnlyList<ConnectionView>? connections = null;
        if (command.Has(AdminOptions.Connection))
        {
            if (!TrySend(send, ControlRequest.Of(command), stderr, out var entries))
            {
                return entries.ExitCode;
            }

            connections = entries.Connections ?? [];
        }

        stdout.Write(JsonListing.Format(listing, connections, command.Format));
        return ExitCodes.Success;
    }

    /// <summary>Commands whose answer is printed from data lvsd sends (lists, save).</summary>
    internal static bool RendersListing(AdminCommand command) =>
        command.Kind is AdminCommandKind.List or AdminCommandKind.Save or AdminCommandKind.GetLocalAddress
            or AdminCommandKind.ListMarks or AdminCommandKind.ListTunables;

    /// <summary>The text lvsadm prints for a successful answer; lvsd uses it too for -n listings.</summary>
    internal static string Render(AdminCommand command, ControlResponse response, ListingFormatter formatter)
    {
        switch (command.Kind)
        {
            case AdminCommandKind.List when response.Connections is { } connections:
                return formatter.FormatConnections(connections, command.Format);
            case AdminCommandKind.List when response.Timeouts is { } timeouts:
                return ListingFormatter.FormatTimeouts(timeouts);
            case AdminCommandKind.List when command.Has(AdminOptions.Daemon):
                return FormatDaemons(response.Daemons ?? []);
            case AdminCommandKind.List when command.Has(AdminOptions.Service) && response.Listing is { Services.Count: > 0 } one:
                return formatter.FormatService(one.Services[0], command.Format);
            case AdminCommandKind.List when response.Listing is { } all:
                return formatter.FormatAll(all, command.Format);
            case AdminCommandKind.GetLocalAddress when response.Listing is { } locals:
                return LocalAddressFormatter.Format(locals);
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
}
