using System.Diagnostics;
using Microsoft.Extensions.Logging;
using SharpLvs.Control.Handling;
using SharpLvs.Control.Listing;
using SharpLvs.Control.Rules;
using SharpLvs.Core.Connections;

namespace SharpLvs.Daemon;

/// <summary>
/// What lvsd keeps across a restart (the rules, in the state file), what it reads off the
/// packet path on a timer (the rate estimator), and what it asks the data-plane thread for
/// (-Lc).
/// </summary>
internal sealed partial class Director
{
    private StateFile? _state;
    private Timer? _estimatorTimer;

    /// <summary>Before the control socket opens: load the saved rules into the handler (published once the data plane runs).</summary>
    private void RestoreState()
    {
        _state = _options.StateFile is { Length: > 0 } path ? StateFile.At(path) : StateFile.ForNamespace();
        string? text;
        try
        {
            text = _state.Load(out var why);
            LogState(why);
        }
        catch (IOException e)
        {
            LogStateFailed($"cannot read {_state.Path}: {e.Message}");
            return;
        }
        catch (UnauthorizedAccessException e)
        {
            LogStateFailed($"cannot read {_state.Path}: {e.Message}");
            return;
        }

        if (text is null)
        {
            return;
        }

        if (RuleStateText.Restore(_handler, text) is { } error)
        {
            // Nothing was applied; keep the file for the administrator instead of
            // overwriting it with the next change.
            var aside = _state.SetAside();
            LogStateFailed($"{_state.Path} {error}; nothing restored, the file is kept as {aside}");
            return;
        }

        var rules = _handler.Current;
        LogStateRestored(rules.Services.Count, rules.Services.Sum(s => s.Destinations.Count));
    }

    /// <summary>After every change, under the handler's lock (so files are written in change order).</summary>
    private void SaveState(RuleSetView rules)
    {
        if (_state is null)
        {
            return;
        }

        try
        {
            var started = Stopwatch.GetTimestamp();
            _state.Save(RuleStateText.Write(rules, _state.NamespaceLine));
            LogStateSaved(_state.Path, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // The change is live; only its survival across a restart is at risk.
            LogStateFailed($"cannot write {_state.Path}: {e.Message}; the change is applied but would not survive a restart");
        }
    }

    /// <summary>ip_vs_est.c's timer: every 2 s, one estimator sample of every counter set.</summary>
    private void StartEstimator()
    {
        _estimatorTimer = new Timer(_ => Estimate(), null, IpvsStatsInterval, IpvsStatsInterval);
        _undo.Push(_estimatorTimer);
    }

    private static TimeSpan IpvsStatsInterval => Core.Services.IpvsStats.EstimatorInterval;

    private void Estimate()
    {
        foreach (var service in _services.Current.Services)
        {
            service.Stats.Estimate();
            foreach (var real in service.RealServers)
            {
                real.Stats.Estimate();
            }
        }

        // One set of totals, shared by every worker.
        if (Workers.Length > 0)
        {
            Worker.Counters.Totals.Estimate();
        }
    }

    /// <summary>-Lc: a snapshot taken on the data-plane thread, bounded in time.</summary>
    private sealed class WorkerConnections(Director director) : IConnectionSource
    {
        private static readonly TimeSpan Wait = TimeSpan.FromSeconds(5);

        public IReadOnlyList<ConnectionView>? GetConnections()
        {
            if (director.Workers.Length == 0)
            {
                return [];
            }

            // Every worker's entries (--workers), taken on each worker's thread in turn.
            var snapshots = director.OnEveryWorker(
                worker =>
                {
                    var list = new List<ConnectionInfo>(worker.Connections.Count);
                    worker.Connections.Snapshot(list, worker.NowMs);
                    return list;
                },
                Wait);
            if (snapshots is null)
            {
                return null;
            }

            var views = new ConnectionView[snapshots.Sum(s => s.Count)];
            var i = 0;
            foreach (var snapshot in snapshots)
            {
                foreach (var entry in snapshot)
                {
                    views[i++] = View(entry);
                }
            }

            return views;
        }

        private static ConnectionView View(in ConnectionInfo c) => new(
            ConnectionView.ProtocolName(c.Protocol),
            c.Protocol,
            c.ClientAddress,
            c.ClientPort,
            c.VirtualAddress,
            c.VirtualPort,
            c.DestinationAddress,
            c.DestinationPort,
            c.StateName,
            c.ExpiresInMs / 1000);
    }

    [LoggerMessage(50, LogLevel.Information, "state: {Message}")]
    private partial void LogState(string message);

    [LoggerMessage(51, LogLevel.Error, "state: {Message}")]
    private partial void LogStateFailed(string message);

    [LoggerMessage(52, LogLevel.Information, "state: restored {Services} virtual services, {RealServers} real servers")]
    private partial void LogStateRestored(int services, int realServers);

    [LoggerMessage(53, LogLevel.Debug, "state: saved {Path} in {Milliseconds:F1} ms")]
    private partial void LogStateSaved(string path, double milliseconds);
}
