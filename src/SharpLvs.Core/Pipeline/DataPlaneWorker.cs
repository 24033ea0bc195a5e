using System.Collections.Concurrent;
using SharpLvs.Core.Connections;
using SharpLvs.Core.Scheduling;
using SharpLvs.Core.Services;

namespace SharpLvs.Core.Pipeline;

/// <summary>
/// One data-plane thread's loop: receive a batch from its port, give every frame a verdict,
/// hand the batch back for sending, expire connections, then run whatever the control plane
/// asked for. Everything the worker owns (port, batch, processor, connection table) is
/// touched only on the thread that calls <see cref="Run"/>. lvsd --workers N runs N of them,
/// each with its own port (sockets of one PACKET_FANOUT group), table and processor.
/// </summary>
public sealed class DataPlaneWorker
{
    /// <summary>How long Receive may wait for frames, so timers and requests keep turning when idle.</summary>
    public const int DefaultReceiveTimeoutMs = 50;

    /// <summary>How often schedulers with ageing state (lblc, lblcr) get their timer call.</summary>
    public const int SchedulerTickIntervalMs = 1000;

    private readonly IPacketPort _port;
    private readonly PacketBatch _batch;
    private readonly TimeProvider _time;
    private readonly int _receiveTimeoutMs;
    private readonly ConcurrentQueue<Action> _requests = new();
    private readonly ServiceTableHolder _services;
    private long _nextSchedulerTickMs = long.MinValue;

    public DataPlaneWorker(
        IPacketPort port,
        ServiceTableHolder services,
        ConnectionTable connections,
        TimeProvider? time = null,
        int batchSize = 64,
        int receiveTimeoutMs = DefaultReceiveTimeoutMs,
        DataPlaneCounters? counters = null,
        NextHopCache? nextHops = null,
        int workerIndex = 0,
        int workerCount = 1)
    {
        ArgumentNullException.ThrowIfNull(port);
        ArgumentOutOfRangeException.ThrowIfNegative(receiveTimeoutMs);
        _port = port;
        _batch = new PacketBatch(batchSize);
        _time = time ?? TimeProvider.System;
        _receiveTimeoutMs = receiveTimeoutMs;
        _services = services;
        Processor = new PacketProcessor(services, connections, counters, nextHops, workerIndex, workerCount);
    }

    public PacketProcessor Processor { get; }

    public ConnectionTable Connections => Processor.Connections;

    public DataPlaneCounters Counters => Processor.Counters;

    /// <summary>Milliseconds on the worker's monotonic clock (the injected TimeProvider's timestamp).</summary>
    public long NowMs
    {
        get
        {
            var ticks = _time.GetTimestamp();
            var frequency = _time.TimestampFrequency;
            return (long)((Int128)ticks * 1000 / frequency);
        }
    }

    /// <summary>Loops until <paramref name="stop"/> is cancelled; pending requests are still answered on the way out.</summary>
    public void Run(CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            RunOnce();
        }

        RunRequests();
    }

    /// <summary>One turn of the loop: receive, process, complete, expire, answer requests.</summary>
    public void RunOnce()
    {
        var received = _port.Receive(_batch, _receiveTimeoutMs);
        var nowMs = NowMs;
        if (received > 0)
        {
            _batch.Count = Math.Min(received, _batch.Capacity);
            try
            {
                Processor.ProcessBatch(_batch, nowMs);
            }
            finally
            {
                // Even if processing failed, the frames go back to the port's ring.
                _port.Complete(_batch);
            }
        }

        var expired = Connections.Expire(nowMs);
        if (expired > 0)
        {
            Counters.CountConnectionsExpired(expired);
        }

        Connections.FlowOffload?.Poll(nowMs, Counters.Totals);

        // The schedulers are shared by the workers: worker 0 alone gives them their tick.
        if (nowMs >= _nextSchedulerTickMs && Processor.WorkerIndex == 0)
        {
            _nextSchedulerTickMs = nowMs + SchedulerTickIntervalMs;
            TickSchedulers(_services.Current, nowMs, Processor.WorkerCount > 1);
        }

        RunRequests();
    }

    /// <summary>
    /// The schedulers' periodic hook, on this thread so that it never races their Schedule; with
    /// several workers, under the scheduler's lock that their Schedule calls take too.
    /// </summary>
    private static void TickSchedulers(ServiceTable table, long nowMs, bool shared)
    {
        var services = table.Services;
        for (var i = 0; i < services.Count; i++)
        {
            if (services[i].Scheduler is not IPeriodicScheduler periodic)
            {
                continue;
            }

            if (!shared)
            {
                periodic.Tick(nowMs);
                continue;
            }

            lock (periodic)
            {
                periodic.Tick(nowMs);
            }
        }
    }

    /// <summary>
    /// Runs <paramref name="request"/> on the worker thread between two batches and returns its
    /// result: how the control plane reads what only the worker may touch (for example
    /// <see cref="ConnectionTable.Snapshot"/>) without a lock on the packet path. The task
    /// completes only while <see cref="Run"/> is looping.
    /// </summary>
    public Task<T> InvokeAsync<T>(Func<DataPlaneWorker, T> request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var completion = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        _requests.Enqueue(() =>
        {
            try
            {
                completion.SetResult(request(this));
            }
            catch (Exception e)
            {
                completion.SetException(e);
            }
        });
        return completion.Task;
    }

    /// <summary>The connection entries for <c>ipvsadm -Lc</c>, taken on the worker thread.</summary>
    public Task<List<ConnectionInfo>> GetConnectionsAsync() =>
        InvokeAsync(worker =>
        {
            var list = new List<ConnectionInfo>(worker.Connections.Count);
            worker.Connections.Snapshot(list, worker.NowMs);
            return list;
        });

    private void RunRequests()
    {
        while (_requests.TryDequeue(out var request))
        {
            request();
        }
    }
}
