using Microsoft.Extensions.Logging;
using SharpLvs.Control.Compiling;
using SharpLvs.Control.Handling;
using SharpLvs.Control.Protocol;
using SharpLvs.Core.Connections;
using SharpLvs.Core.Pipeline;
using SharpLvs.Core.Scheduling;
using SharpLvs.Core.Services;
using SharpLvs.Linux.Guard;
using SharpLvs.Linux.Interfaces;
using SharpLvs.Linux.Netlink;
using SharpLvs.Linux.Offload;
using SharpLvs.Linux.Ports;
using SharpLvs.Linux.Threads;

namespace SharpLvs.Daemon;

/// <summary>
/// lvsd's wiring: the served interfaces, the kernel guard, the packet port and its worker,
/// the neighbour resolver and the control socket, started in an order that fails early and
/// undone in reverse. Rule changes arrive from <see cref="RuleSetHandler"/> and are compiled
/// into a new <see cref="ServiceTable"/> published to the data plane.
/// </summary>
internal sealed partial class Director : IDisposable
{
    private static readonly TimeSpan DropReportInterval = TimeSpan.FromSeconds(10);

    private readonly ILogger _logger;
    private readonly DaemonOptions _options;
    private readonly Stack<IDisposable> _undo = new();
    private readonly ServiceTableHolder _services = new(ServiceTable.Empty);
    private readonly Lock _publishLock = new();
    private readonly CancellationTokenSource _stopWorker = new();
    private NetlinkRoute _netlink = null!;
    private KernelGuard _guard = null!;
    private ILinkPort _port = null!;
    private ILinkPort[] _ports = [];
    private SolicitedNodeGroups? _neighbourGroups;
    private NeighbourResolver _resolver = null!;
    private RuleSetHandler _handler = null!;
    private VipAnswers _vipAnswers = null!;
    private Thread[] _workerThreads = [];
    private Timer? _hostWatch;
    private bool _started;

    private Director(DaemonOptions options, ILogger logger)
    {
        _options = options;
        _logger = logger;
    }

    /// <summary>Worker 0: the only one by default; with --workers, the one whose port serves the control plane's frames.</summary>
    public DataPlaneWorker Worker => Workers[0];

    /// <summary>Every data-plane worker, by index (lvsd --workers, Director.Workers.cs).</summary>
    public DataPlaneWorker[] Workers { get; private set; } = [];

    public static Director Start(DaemonOptions options, ILogger logger)
    {
        var director = new Director(options, logger);
        try
        {
            director.StartAll();
            return director;
        }
        catch
        {
            director.Dispose();
            throw;
        }
    }

    private void StartAll()
    {
        CheckWorkers();

        // The control socket first: it is the one-lvsd-per-namespace lock, taken before the
        // host is touched.
        _handler = new RuleSetHandler(
            SchedulerRegistry.Default.Names, new ServiceTableCounters(_services), connections: new WorkerConnections(this));

        // The saved rules go into the handler before lvsadm can reach it, so that no client
        // ever sees the empty table of a restarting lvsd; they reach the data plane below.
        RestoreState();
        var control = new ControlServer(_handler, onError: e => LogControlError(e.Message));
        try
        {
            control.Start();
        }
        catch (InvalidOperationException e)
        {
            throw new DirectorStartException($"another lvsd already runs in this network namespace ({e.Message})", e);
        }

        _undo.Push(control);

        _netlink = Track(new NetlinkRoute());
        var catalog = LoadInterfaces();
        var names = catalog.Served.Select(s => s.Name).ToArray();
        _vipAnswers = new VipAnswers(_options.AnswerArp);
        _vipAnswers.Refresh(catalog);

        var offloads = OffloadControl.Disable(names);
        _undo.Push(new Undo(() => LogOffloadsRestored(offloads.Restore())));
        LogOffloads(offloads.Description);

        _guard = Track(new KernelGuard(names));
        LogGuard(string.Join(", ", names));

        StartWorkers(catalog, new AfPacketPortOptions { CoalesceMicroseconds = _options.CoalesceMicroseconds, FrameCount = _options.RingFrames });
        _neighbourGroups = new SolicitedNodeGroups(_port, message => LogNeighbourGroups(message));

        _resolver = Track(new NeighbourResolver(
            new NetlinkRoute(),
            () => _services.Current.Services.SelectMany(s => s.RealServers),
            log: message => LogResolver(message),
            destinations: Worker.Processor.NextHops));
        _resolver.Start(new NetlinkSubscription());

        _handler.RulesChanged += (_, e) => OnRulesChanged(e.Rules, e.Commands);
        _handler.ZeroCounters += (_, e) => ZeroCounters(e.Service);
        ApplyStartupTunables();
        if (_handler.Current.Generation > 0)
        {
            // Rules restored from the state file reach the data plane now.
            AwaitNextHops(Publish(_handler.Current, []));
        }

        // Connections saved at the last clean stop, onto the rules just published.
        RestoreConnections();

        StartEstimator();

        // Addresses move (an admin adds the VIP to lo, an interface goes down): re-check
        // once a second which VIPs lvsd must answer ARP for.
        _hostWatch = new Timer(_ => WatchHost(), null, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1));
        _undo.Push(_hostWatch);
        var drops = new DropReport([.. Workers.Select(w => w.Counters)], _ports);
        _undo.Push(new Timer(_ => ReportDrops(drops), null, DropReportInterval, DropReportInterval));

        foreach (var served in catalog.Served)
        {
            LogServing(served.Name, served.IfIndex, served.Link.Mac.ToString(), served.Link.Mtu);
        }

        // Undone first at a clean stop, while the data plane still runs.
        _undo.Push(new Undo(SaveConnections));
        _started = true;
        LogReady(ControlEndpoint.DefaultName.TrimStart('\0'));
    }

    private void RunWorker(DataPlaneWorker worker)
    {
        // Placement is per thread (the worker's own TID), so it is set from inside it.
        var who = Workers.Length > 1 ? $"worker {worker.Processor.WorkerIndex}: " : string.Empty;
        if (_options.Cpu is { } first)
        {
            var cpu = first + worker.Processor.WorkerIndex;
            LogPlacement(who + (ThreadPlacement.PinCurrentThread(cpu) ?? $"pinned to CPU {cpu}"));
        }

        if (_options.Realtime)
        {
            LogPlacement(who + (ThreadPlacement.MakeCurrentThreadRealtime() ?? $"SCHED_FIFO priority {ThreadPlacement.DefaultRealtimePriority}"));
        }

        worker.Run(_stopWorker.Token);
    }

    private void ReportDrops(DropReport drops)
    {
        if (drops.Changed() is { Length: > 0 } text)
        {
            LogDrops(text);
        }

        ReportWorkers();
        ReportXdp();
    }

    private InterfaceCatalog LoadInterfaces()
    {
        var catalog = InterfaceCatalog.Load(_netlink, _options.Interfaces.Count > 0 ? _options.Interfaces : null);
        var missing = _options.Interfaces.Where(name => catalog.Served.All(s => s.Name != name)).ToArray();
        if (missing.Length > 0)
        {
            throw new DirectorStartException($"no such interface, or it is down: {string.Join(", ", missing)}");
        }

        if (catalog.Served.Count == 0)
        {
            throw new DirectorStartException("no interface to serve: none is up except loopback");
        }

        return catalog;
    }

    private T Track<T>(T disposable)
        where T : IDisposable
    {
        _undo.Push(disposable);
        return disposable;
    }

    private void StopWorkers()
    {
        _stopWorker.Cancel();
        foreach (var port in _ports)
        {
            port.Wake();
        }

        foreach (var thread in _workerThreads)
        {
            thread.Join(TimeSpan.FromSeconds(5));
        }
    }

    public void Dispose()
    {
        while (_undo.TryPop(out var step))
        {
            try
            {
                step.Dispose();
            }
            catch (Exception e)
            {
                LogUndoFailed(step.GetType().Name, e.Message);
            }
        }

        _stopWorker.Dispose();
        if (_started)
        {
            LogStopped();
        }
    }

    private sealed class Undo(Action action) : IDisposable
    {
        public void Dispose() => action();
    }
}
