using SharpLvs.Control.Ipvsadm;
using SharpLvs.Control.Listing;
using SharpLvs.Control.Protocol;
using SharpLvs.Control.Rules;
using SharpLvs.Packets;

namespace SharpLvs.Control.Handling;

/// <summary>
/// lvsd's ready-made control handler: applies lvsadm's commands to a <see cref="RuleSet"/>
/// under a lock, all of a request or none of it, raises <see cref="RulesChanged"/> with the
/// new immutable view after each change (the daemon compiles and publishes it), and builds
/// listings with the runtime numbers from <see cref="IListingCounters"/>.
/// </summary>
public sealed class RuleSetHandler : IControlHandler
{
    private readonly Lock _lock = new();
    private readonly IListingCounters _counters;
    private readonly IConnectionSource? _connections;
    private readonly Dictionary<bool, SyncDaemonSettings> _syncDaemons = [];
    private RuleSet _rules;
    private RuleSetView _current = RuleSetView.Empty;

    /// <param name="schedulerNames">Schedulers the data plane implements (Core's SchedulerRegistry.Names).</param>
    /// <param name="counters">Runtime numbers for listings; zeros when null.</param>
    /// <param name="isLocalAddress">Whether an address is the director's own (its real servers list as "Local").</param>
    /// <param name="connections">The connection table for <c>-Lc</c>; refused when null.</param>
    public RuleSetHandler(
        IEnumerable<string> schedulerNames,
        IListingCounters? counters = null,
        Func<InetAddress, bool>? isLocalAddress = null,
        IConnectionSource? connections = null)
    {
        _rules = new RuleSet(schedulerNames, isLocalAddress: isLocalAddress);
        _counters = counters ?? NoListingCounters.Instance;
        _connections = connections;
    }

    /// <summary>
    /// The message for <c>--start-daemon</c>/<c>--stop-daemon</c> until connection
    /// synchronisation exists: the request is stored (so a later lvsd can honour it) but
    /// nothing runs, and lvsadm fails rather than pretend.
    /// </summary>
    public const string SyncNotImplemented =
        "Connection synchronization is not implemented by lvsd yet: the sync daemon settings were stored, but no sync daemon runs";

    /// <summary>
    /// Raised after every successful change, still under the handler's lock, so views arrive
    /// in order. Subscribers compile and publish; they must not call <see cref="Handle"/>.
    /// </summary>
    public event EventHandler<RulesChangedEventArgs>? RulesChanged;

    /// <summary>Raised for <c>-Z</c>; the daemon zeroes its statistics.</summary>
    public event EventHandler<ZeroCountersEventArgs>? ZeroCounters;

    /// <summary>The <c>--start-daemon</c> settings last asked for (master and/or backup), stored though nothing runs.</summary>
    public IReadOnlyList<SyncDaemonSettings> RequestedSyncDaemons
    {
        get
        {
            lock (_lock)
            {
                return [.. _syncDaemons.Values];
            }
        }
    }

    /// <summary>The latest rules.</summary>
    public RuleSetView Current
    {
        get
        {
            lock (_lock)
            {
                return _current;
            }
        }
    }

    public ControlResponse Handle(ControlRequest request)
    {
        var response = HandleRequest(request);
        if (request.RenderNumericText && response.ExitCode == ExitCodes.Success && request.Commands is [{ } command]
            && (command.Format & ListFormat.Numeric) != 0 && Lvsadm.RendersListing(command))
        {
            // Outside the rules lock: printing 100,000 real servers must not hold up changes.
            return new ControlResponse(ExitCodes.Success) { Text = Lvsadm.Render(command, response, new ListingFormatter(NumericNames.Instance)) };
        }

        return response;
    }

    private ControlResponse HandleRequest(ControlRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.Commands is not { Count: > 0 } || request.Commands.Any(c => c?.Service is null || c.Destination is null))
        {
            return ControlResponse.Refused(RuleError.InvalidOperation);
        }

        if (request.Commands is [{ Kind: AdminCommandKind.List } list] && list.Has(AdminOptions.Connection))
        {
            // Outside the rules lock: the snapshot waits for the data-plane thread.
            return ListConnections();
        }

        lock (_lock)
        {
            if (request.Commands.Count == 1)
            {
                return HandleOne(request.Commands[0]);
            }

            // -R: a transaction on a copy, kept only if every command applies.
            var copy = _rules.Clone();
            for (var i = 0; i < request.Commands.Count; i++)
            {
                var command = request.Commands[i];
                var error = IsChange(command.Kind) ? Apply(copy, command) : RuleError.NotSupported;
                if (error != RuleError.None)
                {
                    return ControlResponse.Refused(error) with { FailedCommand = i };
                }
            }

            Commit(copy, request.Commands);
            return ControlResponse.Ok;
        }
    }

    private ControlResponse HandleOne(AdminCommand command)
    {
        switch (command.Kind)
        {
            case AdminCommandKind.List:
                return List(command);
            case AdminCommandKind.GetLocalAddress:
                if (command.Has(AdminOptions.Service))
                {
                    return _rules.FindService(command.Service.Key) is { } one
                        ? new ControlResponse(ExitCodes.Success, Listing: BuildListing([one]))
                        : new ControlResponse(ExitCodes.ListFailed, RuleErrors.Message(RuleError.NoSuchService));
                }

                return new ControlResponse(ExitCodes.Success, Listing: BuildListing(_rules.View().Services));
            case AdminCommandKind.Save:
                return new ControlResponse(ExitCodes.Success, Listing: BuildListing(_rules.View().Services), Marks: [.. _rules.Marks]);
            case AdminCommandKind.ListMarks:
                return new ControlResponse(ExitCodes.Success, Marks: [.. _rules.Marks]);
            case AdminCommandKind.ListTunables:
                return new ControlResponse(ExitCodes.Success, Tunables: ListTunables(_rules.Tunables));
            case AdminCommandKind.Zero:
                if (command.Has(AdminOptions.Service) && !_rules.ContainsService(command.Service.Key))
                {
                    return ControlResponse.Refused(RuleError.NoSuchService);
                }

                ZeroCounters?.Invoke(this, new ZeroCountersEventArgs(command.Has(AdminOptions.Service) ? command.Service.Key : null));
                return ControlResponse.Ok;
            case var kind when IsChange(kind):
                var error = Apply(_rules, command);
                if (error != RuleError.None)
                {
                    return ControlResponse.Refused(error);
                }

                Commit(_rules, [command]);
                return ControlResponse.Ok;
            case AdminCommandKind.StartDaemon when command.Daemon is { } daemon:
                _syncDaemons[daemon.IsBackup] = daemon;
                return new ControlResponse(ExitCodes.OperationFailed, SyncNotImplemented);
            case AdminCommandKind.StopDaemon when command.Daemon is { } daemon:
                _syncDaemons.Remove(daemon.IsBackup);
                return new ControlResponse(ExitCodes.OperationFailed, SyncNotImplemented);
            default:
                // A restore sent as one command: lvsadm sends the lines instead.
                return ControlResponse.Refused(RuleError.NotSupported);
        }
    }

    private ControlResponse ListConnections()
    {
        if (_connections?.GetConnections() is not { } connections)
        {
            return new ControlResponse(ExitCodes.ListFailed, "cannot read the connection table: the data plane did not answer");
        }

        return new ControlResponse(ExitCodes.Success, Connections: connections);
    }

    private ControlResponse List(AdminCommand command)
    {
        if (command.Has(AdminOptions.Timeout))
        {
            return new ControlResponse(ExitCodes.Success, Timeouts: _rules.Timeouts);
        }

        if (command.Has(AdminOptions.Daemon))
        {
            return new ControlResponse(ExitCodes.Success, Daemons: []);
        }

        if (command.Has(AdminOptions.Service))
        {
            // list_service: a missing service is "No such service" and exit(1).
            return _rules.FindService(command.Service.Key) is { } entry
                ? new ControlResponse(ExitCodes.Success, Listing: BuildListing([entry]))
                : new ControlResponse(ExitCodes.ListFailed, RuleErrors.Message(RuleError.NoSuchService));
        }

        return new ControlResponse(ExitCodes.Success, Listing: BuildListing(_rules.View().Services));
    }

    private static TunableSetting[] ListTunables(Core.Services.IpvsTunables tunables) =>
        [.. Core.Services.IpvsTunables.Names.Select(name => new TunableSetting(name, tunables.TryGet(name, out var value) ? value : 0))];

    private ListingData BuildListing(IReadOnlyList<ServiceEntry> services)
    {
        var views = new ServiceView[services.Count];
        for (var i = 0; i < views.Length; i++)
        {
            var entry = services[i];
            var key = entry.Service.Key;
            var destinations = new DestinationView[entry.Destinations.Count];
            for (var j = 0; j < destinations.Length; j++)
            {
                var rule = entry.Destinations[j];
                var counts = _counters.GetDestination(key, rule.Address, rule.Port);
                destinations[j] = new DestinationView(rule, counts.Active, counts.Inactive, counts.Persistent, counts.Stats);
            }

            var locals = new LocalAddressView[entry.LocalAddresses.Count];
            for (var j = 0; j < locals.Length; j++)
            {
                var counts = _counters.GetLocalAddress(key, entry.LocalAddresses[j]);
                locals[j] = new LocalAddressView(entry.LocalAddresses[j], counts.Conflicts, counts.Connections);
            }

            views[i] = new ServiceView(entry.Service, _counters.GetServiceStats(key), destinations) { LocalAddresses = locals };
        }

        return new ListingData(views);
    }

    private void Commit(RuleSet rules, IReadOnlyList<AdminCommand> commands)
    {
        _rules = rules;
        _current = rules.View();
        RulesChanged?.Invoke(this, new RulesChangedEventArgs(_current, commands));
    }

    private static bool IsChange(AdminCommandKind kind) => kind is
        AdminCommandKind.AddService or AdminCommandKind.EditService or AdminCommandKind.DeleteService or
        AdminCommandKind.Flush or AdminCommandKind.AddServer or AdminCommandKind.EditServer or
        AdminCommandKind.DeleteServer or AdminCommandKind.SetTimeout or AdminCommandKind.AddMark or
        AdminCommandKind.DeleteMark or AdminCommandKind.SetTunable or
        AdminCommandKind.AddLocalAddress or AdminCommandKind.DeleteLocalAddress;

    private static RuleError Apply(RuleSet rules, AdminCommand command)
    {
        var key = command.Service.Key;
        var destination = command.Destination;
        switch (command.Kind)
        {
            case AdminCommandKind.AddService:
                return rules.AddService(command.Service);
            case AdminCommandKind.EditService:
                return rules.EditService(command.Service);
            case AdminCommandKind.DeleteService:
                return rules.DeleteService(key);
            case AdminCommandKind.Flush:
                rules.Clear();
                return RuleError.None;
            case AdminCommandKind.AddServer:
                return rules.AddDestination(key, destination);
            case AdminCommandKind.EditServer:
                return rules.EditDestination(key, destination);
            case AdminCommandKind.DeleteServer:
                return rules.DeleteDestination(key, destination.Address, destination.Port);
            case AdminCommandKind.SetTimeout:
                return rules.SetTimeouts(command.Timeouts ?? new ConnectionTimeouts(0, 0, 0));
            case AdminCommandKind.AddMark when command.Mark is { } mark:
                return rules.AddMark(mark);
            case AdminCommandKind.DeleteMark when command.Mark is { } mark:
                return rules.DeleteMark(mark);
            case AdminCommandKind.SetTunable when command.Tunable is { } tunable:
                return rules.SetTunable(tunable.Name ?? "", tunable.Value);
            case AdminCommandKind.AddLocalAddress:
                return rules.AddLocalAddress(key, command.LocalAddress);
            case AdminCommandKind.DeleteLocalAddress:
                return rules.DeleteLocalAddress(key, command.LocalAddress);
            default:
                return RuleError.NotSupported;
        }
    }
}
