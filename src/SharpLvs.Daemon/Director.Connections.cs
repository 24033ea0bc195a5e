using Microsoft.Extensions.Logging;
using SharpLvs.Core.Connections;
using SharpLvs.Core.Pipeline;

namespace SharpLvs.Daemon;

/// <summary>
/// Established connections across a clean restart: on SIGTERM (SIGINT) lvsd saves its
/// connection table next to the state file; on start, once the saved rules are published, it
/// loads the entries whose service and real server still exist and whose time has not run
/// out, counting their timers down by the time lvsd was away, and says how many it dropped
/// and why. The dump is read once and removed, so a later crash (kill -9, which leaves no
/// dump) never brings back an old table. A dump that does not check out is ignored, with a
/// log line: lvsd starts with an empty connection table then, as after kill -9.
/// </summary>
internal sealed partial class Director
{
    private static readonly TimeSpan WorkerWait = TimeSpan.FromSeconds(10);

    /// <summary>At start, after the rules are published (the entries bind to their real servers).</summary>
    private void RestoreConnections()
    {
        var path = _state!.ConnectionsPath;
        byte[] data;
        try
        {
            if (!File.Exists(path))
            {
                return;
            }

            data = File.ReadAllBytes(path);
            File.Delete(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            LogConnectionsIgnored(path, $"cannot read it: {e.Message}");
            return;
        }

        ConnectionDump dump;
        try
        {
            dump = ConnectionDumpFile.Read(data);
        }
        catch (InvalidDataException e)
        {
            LogConnectionsIgnored(path, e.Message);
            return;
        }

        if (_state.CheckNamespace && _state.NamespaceCookie is { } cookie && dump.NamespaceCookie != 0 && dump.NamespaceCookie != cookie)
        {
            LogConnectionsIgnored(path, $"written by an earlier network namespace with the same inode (cookie {dump.NamespaceCookie}, now {cookie})");
            return;
        }

        var away = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() - dump.WrittenAtUnixMs;
        if (away < 0)
        {
            // The wall clock went back while lvsd was down: count nothing off rather than guess.
            away = 0;
        }

        // Each entry goes to the worker the steering sends its flow to (--workers); a FULLNAT
        // entry saved by another number of workers, whose local port no longer leads its
        // replies to that worker, to none.
        var count = Workers.Length;
        var plan = _steeringPlan;
        Func<SavedConnection, bool>? owns = count == 1 ? null : s => FlowSteering.OwnerOf(s, count, plan) >= 0;
        var restored = OnEveryWorker(
            worker => worker.Connections.Restore(
                dump.Connections, _services.Current, worker.NowMs, away,
                count == 1 ? null : (Func<SavedConnection, bool>)(s => FlowSteering.OwnerOf(s, count, plan) == worker.Processor.WorkerIndex)),
            WorkerWait);
        if (restored is null)
        {
            LogConnectionsIgnored(path, "the data plane did not answer");
            return;
        }

        var c = restored.Aggregate(
            new ConnectionRestoreCounts(0, 0, 0, 0, 0, 0),
            (a, b) => new ConnectionRestoreCounts(
                a.Restored + b.Restored, a.Expired + b.Expired, a.NoService + b.NoService, a.NoRealServer + b.NoRealServer, a.Conflicts + b.Conflicts, a.TableFull + b.TableFull));
        var unowned = owns is null ? 0 : dump.Connections.Count(s => !owns(s));
        LogConnectionsRestored(c.Restored, dump.Connections.Count, away, c.Dropped + unowned, c.Expired, c.NoService, c.NoRealServer, c.Conflicts + unowned, c.TableFull);
    }

    /// <summary>At a clean stop, while the data plane still runs (the entries are read on its thread).</summary>
    private void SaveConnections()
    {
        if (_state is null)
        {
            return;
        }

        var path = _state.ConnectionsPath;
        try
        {
            // One list for every worker (--workers), filled in turn: Save numbers its templates
            // by their place in the list, so the indexes stay right across workers.
            var entries = new List<SavedConnection>(Workers.Sum(w => w.Connections.Count));
            var saved = OnEveryWorker(worker => worker.Connections.Save(entries, _services.Current, worker.NowMs), WorkerWait);
            if (saved is null)
            {
                LogConnectionsNotSaved(path, "the data plane did not answer");
                return;
            }

            var skipped = saved.Sum();
            var bytes = ConnectionDumpFile.Write(entries, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), _state.NamespaceCookie ?? 0);
            StateFile.WriteAtomically(path, bytes);
            LogConnectionsSaved(entries.Count, path, skipped);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            LogConnectionsNotSaved(path, e.Message);
        }
    }

    [LoggerMessage(60, LogLevel.Information, "connections: restored {Restored} of {Saved} entries saved at the last clean stop ({AwayMs} ms ago); dropped {Dropped}: {Expired} expired meanwhile, {NoService} without their virtual service, {NoRealServer} without their real server, {Conflicts} taken by new connections, {Full} for want of room")]
    private partial void LogConnectionsRestored(int restored, int saved, long awayMs, int dropped, int expired, int noService, int noRealServer, int conflicts, int full);

    [LoggerMessage(61, LogLevel.Warning, "connections: ignored the dump {Path}: {Reason}; starting with an empty connection table")]
    private partial void LogConnectionsIgnored(string path, string reason);

    [LoggerMessage(62, LogLevel.Information, "connections: saved {Count} entries to {Path} for the next start ({Skipped} left out: real server deleted, or template invalidated)")]
    private partial void LogConnectionsSaved(int count, string path, int skipped);

    [LoggerMessage(63, LogLevel.Error, "connections: could not save them to {Path}: {Reason}; established connections will not survive this restart")]
    private partial void LogConnectionsNotSaved(string path, string reason);
}
