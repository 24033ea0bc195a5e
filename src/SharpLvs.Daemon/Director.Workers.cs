using Microsoft.Extensions.Logging;
using SharpLvs.Core.Connections;
using SharpLvs.Core.Pipeline;
using SharpLvs.Core.Services;
using SharpLvs.Linux.Interfaces;
using SharpLvs.Linux.Ports;

namespace SharpLvs.Daemon;

/// <summary>
/// The data-plane workers (<c>--workers N</c>, docs/workers.md). One worker by default, exactly
/// as before. With N, each worker has its own thread, AF_PACKET port (ring sockets joined to one
/// PACKET_FANOUT group per interface, in worker order), connection table, fragment cache and
/// ICMP limiter; the kernel runs lvsd's steering program (<see cref="FanoutGroups"/>) to hand
/// each frame to the worker that owns its flow, so no table is ever shared. The workers share
/// the service snapshot, the next-hop cache (one request lane each), the timeouts and the
/// director's totals.
/// </summary>
internal sealed partial class Director
{
    private FanoutGroups? _fanout;
    private SteeringPlan? _steeringPlan;
    private string _lastWorkersReport = string.Empty;

    /// <summary>Refuses what several workers cannot do yet, before anything on the host changes.</summary>
    private void CheckWorkers()
    {
        var count = _options.ResolveWorkers();
        if (count > 1 && _options.Port == PacketPortKind.Xdp)
        {
            throw new DirectorStartException($"--workers {count} needs --port af_packet (or auto): the XDP port runs one worker for now");
        }

        if (count > 1 && _options.FastPath)
        {
            throw new DirectorStartException($"--workers {count} and --fast-path: the fast path is part of the XDP port, which runs one worker for now");
        }
    }

    private void StartWorkers(InterfaceCatalog catalog, AfPacketPortOptions portOptions)
    {
        var count = _options.ResolveWorkers();
        if (count == 1)
        {
            _port = Track(OpenPort(catalog, portOptions));
            _ports = [_port];
            Workers = [new DataPlaneWorker(_port, _services, new ConnectionTable(_options.Connections) { FlowOffload = _steering?.FastPath })];
            if (_options.FastPath && _steering?.FastPath is null)
            {
                LogPort("no XDP fast path: the XDP program is not in use (--port auto fell back to AF_PACKET)");
            }
        }
        else
        {
            // --port xdp was refused before the host was touched (CheckWorkers); auto settles for AF_PACKET.
            _fanout = new FanoutGroups(count);
            var served = catalog.Served.Select(s => s.IfIndex).ToArray();
            var ports = new ILinkPort[count];
            for (var i = 0; i < count; i++)
            {
                // Opened in worker order: the i-th ring of a group is the steering program's i.
                ports[i] = Track(new AfPacketPort(served, portOptions, _fanout));
            }

            _ports = ports;
            _port = ports[0];
            LogPort($"AF_PACKET rings on {string.Join(", ", catalog.Served.Select(s => s.Name))} for {count} workers, one PACKET_FANOUT group per interface"
                + (_options.Port == PacketPortKind.Auto ? " (--port auto: the XDP port runs one worker)" : string.Empty));

            var nextHops = new NextHopCache(lanes: count);
            var totals = new IpvsStats();
            var timeouts = new ConnectionTimeouts();
            var perWorker = (_options.Connections + count - 1) / count;
            var workers = new DataPlaneWorker[count];
            for (var i = 0; i < count; i++)
            {
                workers[i] = new DataPlaneWorker(
                    ports[i], _services, new ConnectionTable(perWorker, timeouts),
                    counters: new DataPlaneCounters(totals), nextHops: nextHops, workerIndex: i, workerCount: count);
            }

            Workers = workers;
        }

        _undo.Push(new Undo(StopWorkers));
        var threads = new Thread[Workers.Length];
        for (var i = 0; i < threads.Length; i++)
        {
            var worker = Workers[i];
            threads[i] = new Thread(() => RunWorker(worker))
            {
                Name = Workers.Length == 1 ? "lvsd data plane" : $"lvsd worker {i}",
                IsBackground = true,
            };
        }

        _workerThreads = threads;
        foreach (var thread in threads)
        {
            thread.Start();
        }
    }

    /// <summary>With the guard, before publish: the steering program follows the addresses whose flows it must keep together.</summary>
    private void UpdateFanout(ServiceTable table)
    {
        if (_fanout is null)
        {
            return;
        }

        var plan = SteeringPlan.For(table);
        if (_fanout.Update(plan) is { } error)
        {
            LogFanoutFailed(error);
            return;
        }

        _steeringPlan = plan;
    }

    /// <summary>With the drop report: what each worker carried, when it changed (several workers only).</summary>
    private void ReportWorkers()
    {
        if (Workers.Length < 2)
        {
            return;
        }

        var text = string.Join("; ", Workers.Select(w =>
            $"{w.Processor.WorkerIndex}: {w.Counters.ConnectionsCreated} connections created, {w.Connections.Count} live, {w.Counters.Count(Verdict.Transmit)} frames sent"));
        if (text != _lastWorkersReport)
        {
            _lastWorkersReport = text;
            LogWorkers(text);
        }
    }

    /// <summary>Runs <paramref name="request"/> on every worker's thread in turn; null when one did not answer in time.</summary>
    private List<T>? OnEveryWorker<T>(Func<DataPlaneWorker, T> request, TimeSpan wait)
    {
        var results = new List<T>(Workers.Length);
        foreach (var worker in Workers)
        {
            var task = worker.InvokeAsync(request);
            if (!task.Wait(wait))
            {
                return null;
            }

            results.Add(task.Result);
        }

        return results;
    }

    [LoggerMessage(110, LogLevel.Information, "workers: {Text}")]
    private partial void LogWorkers(string text);

    [LoggerMessage(111, LogLevel.Error, "workers: the steering program was not replaced, the previous one steers on (flows of the changed services may reach a worker that does not own them): {Reason}")]
    private partial void LogFanoutFailed(string reason);
}
