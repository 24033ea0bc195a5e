using SharpLvs.Core.Services;
using SharpLvs.Packets;

namespace SharpLvs.Control.Rules;

/// <summary>
/// The desired state of the director, edited as the kernel's ip_vs_ctl.c edits its tables:
/// each operation is validated completely before anything changes, so it applies wholly or
/// not at all, and a refusal carries the errno-equivalent ipvsadm prints. Not thread-safe:
/// the owner (<see cref="Handling.RuleSetHandler"/>) serialises access. Several operations
/// form one transaction by working on a <see cref="Clone"/> and keeping it only on success.
/// </summary>
public sealed partial class RuleSet
{
    private readonly HashSet<string> _schedulers;
    private readonly HashSet<string> _persistenceEngines;
    private readonly Func<InetAddress, bool> _isLocalAddress;
    private readonly List<ServiceState> _services = [];
    private readonly Dictionary<ServiceKey, ServiceState> _byKey = [];
    private readonly List<FirewallMarkRule> _marks = [];
    private ConnectionTimeouts _timeouts = ConnectionTimeouts.Default;
    private IpvsTunables _tunables = IpvsTunables.Default;
    private long _generation;

    /// <param name="schedulerNames">Scheduler names the data plane can run (Core's registry).</param>
    /// <param name="persistenceEngines">Persistence engine names (<c>--pe</c>); none by default.</param>
    /// <param name="isLocalAddress">Whether an address is the director's own; such real servers
    /// become "Local" as in __ip_vs_update_dest. Default: none is.</param>
    public RuleSet(
        IEnumerable<string> schedulerNames,
        IEnumerable<string>? persistenceEngines = null,
        Func<InetAddress, bool>? isLocalAddress = null)
    {
        ArgumentNullException.ThrowIfNull(schedulerNames);
        _schedulers = new HashSet<string>(schedulerNames, StringComparer.Ordinal);
        _persistenceEngines = new HashSet<string>(persistenceEngines ?? [], StringComparer.Ordinal);
        _isLocalAddress = isLocalAddress ?? (static _ => false);
    }

    private RuleSet(RuleSet source)
    {
        _schedulers = source._schedulers;
        _persistenceEngines = source._persistenceEngines;
        _isLocalAddress = source._isLocalAddress;
        _timeouts = source._timeouts;
        _tunables = source._tunables;
        _marks.AddRange(source._marks);
        _generation = source._generation;
        foreach (var service in source._services)
        {
            var copy = new ServiceState(service.Rule, [.. service.Destinations]);
            copy.LocalAddresses.AddRange(service.LocalAddresses);
            copy.CarryEntry(service);
            _services.Add(copy);
            _byKey.Add(copy.Rule.Key, copy);
        }
    }

    /// <summary>The scheduler name that means "no scheduler" (ip_vs_add_service accepts it).</summary>
    public const string NoScheduler = "none";

    public int ServiceCount => _services.Count;

    public long Generation => _generation;

    public ConnectionTimeouts Timeouts => _timeouts;

    /// <summary>The /proc/sys/net/ipv4/vs switches lvsd implements.</summary>
    public IpvsTunables Tunables => _tunables;

    /// <summary>The firewall-mark rules, in the order they are tried.</summary>
    public IReadOnlyList<FirewallMarkRule> Marks => _marks;

    /// <summary>A deep copy sharing the immutable rules: the unit of a transaction.</summary>
    public RuleSet Clone() => new(this);

    public bool ContainsService(ServiceKey key) => _byKey.ContainsKey(key);

    public RuleError AddService(ServiceRule rule)
    {
        ArgumentNullException.ThrowIfNull(rule);
        // do_ip_vs_set_ctl / ip_vs_genl_set_cmd test existence before ip_vs_add_service runs.
        if (_byKey.ContainsKey(rule.Key))
        {
            return RuleError.ServiceExists;
        }

        var error = ValidateService(rule);
        if (error != RuleError.None)
        {
            return error;
        }

        var state = new ServiceState(rule, []);
        _services.Add(state);
        _byKey.Add(rule.Key, state);
        return Changed();
    }

    /// <summary>Replaces scheduler, flags, timeout, mask and engine; destinations stay.</summary>
    public RuleError EditService(ServiceRule rule)
    {
        ArgumentNullException.ThrowIfNull(rule);
        if (!_byKey.TryGetValue(rule.Key, out var state))
        {
            return RuleError.NoSuchService;
        }

        var error = ValidateService(rule);
        if (error != RuleError.None)
        {
            return error;
        }

        state.Rule = rule;
        state.Touch();
        return Changed();
    }

    public RuleError DeleteService(ServiceKey key)
    {
        if (!_byKey.Remove(key, out var state))
        {
            return RuleError.NoSuchService;
        }

        _services.Remove(state);
        return Changed();
    }

    /// <summary>
    /// <c>-C</c>: removes every service, and the mark rules with them: they exist only to
    /// feed fwmark services, and <c>-S</c> saves them with the services, so that a flush
    /// followed by <c>-R</c> of a saved file restores both without "already exists".
    /// </summary>
    public void Clear()
    {
        _services.Clear();
        _byKey.Clear();
        _marks.Clear();
        Changed();
    }

    /// <summary><c>--add-mark</c>: appends a rule; the same selection of packets twice is refused, whatever the mark.</summary>
    public RuleError AddMark(FirewallMarkRule rule)
    {
        if (rule.Mark == 0 || rule.Protocol is not (IpProtocolNumbers.Tcp or IpProtocolNumbers.Udp)
            || rule.PrefixLength < 0 || rule.PrefixLength > (rule.IsIPv6 ? 128 : 32) || rule.FirstPort > rule.LastPort)
        {
            return RuleError.InvalidOperation;
        }

        if (_marks.Exists(m => SameSelection(m, rule)))
        {
            return RuleError.MarkExists;
        }

        _marks.Add(rule with { Network = AddressPrefix.Mask(rule.Network, rule.PrefixLength) });
        return Changed();
    }

    /// <summary><c>--del-mark</c>: removes the rule with that mark and selection.</summary>
    public RuleError DeleteMark(FirewallMarkRule rule)
    {
        var masked = rule with { Network = AddressPrefix.Mask(rule.Network, rule.PrefixLength) };
        var index = _marks.FindIndex(m => m.Mark == rule.Mark && SameSelection(m, masked));
        if (index < 0)
        {
            return RuleError.NoSuchMark;
        }

        _marks.RemoveAt(index);
        return Changed();
    }

    /// <summary>Sets one /proc/sys/net/ipv4/vs switch by its name; any int, as proc_dointvec takes.</summary>
    public RuleError SetTunable(string name, int value)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (_tunables.With(name, value) is not { } changed)
        {
            return RuleError.NoSuchTunable;
        }

        _tunables = changed;
        return Changed();
    }

    public RuleError AddDestination(ServiceKey key, DestinationRule destination)
    {
        ArgumentNullException.ThrowIfNull(destination);
        if (!_byKey.TryGetValue(key, out var state))
        {
            return RuleError.ServiceNotDefined;
        }

        var error = ValidateDestination(state.Rule, destination);
        if (error != RuleError.None)
        {
            return error;
        }

        if (state.IndexOf(destination.Address, destination.Port) >= 0)
        {
            return RuleError.DestinationExists;
        }

        var isLocal = _isLocalAddress(destination.Address);
        if (!AddressChecks.IsUsableDestination(destination.Address, isLocal))
        {
            return RuleError.InvalidOperation;
        }

        // list_add_rcu: the newest destination goes to the head of the service's list.
        state.Destinations.Insert(0, Localised(destination, isLocal));
        state.Touch();
        return Changed();
    }

    /// <summary>Replaces forwarding, weight, thresholds and tunnel settings of one destination.</summary>
    public RuleError EditDestination(ServiceKey key, DestinationRule destination)
    {
        ArgumentNullException.ThrowIfNull(destination);
        if (!_byKey.TryGetValue(key, out var state))
        {
            return RuleError.ServiceNotDefined;
        }

        var error = ValidateDestination(state.Rule, destination);
        if (error != RuleError.None)
        {
            return error;
        }

        var index = state.IndexOf(destination.Address, destination.Port);
        if (index < 0)
        {
            return RuleError.NoSuchDestination;
        }

        state.Destinations[index] = Localised(destination, _isLocalAddress(destination.Address));
        state.Touch();
        return Changed();
    }

    public RuleError DeleteDestination(ServiceKey key, InetAddress address, ushort port)
    {
        if (!_byKey.TryGetValue(key, out var state))
        {
            return RuleError.ServiceNotDefined;
        }

        var index = state.IndexOf(address, port);
        if (index < 0)
        {
            return RuleError.NoSuchDestination;
        }

        state.Destinations.RemoveAt(index);
        state.Touch();
        return Changed();
    }

    /// <summary>
    /// DPVS's <c>--add-laddr</c>: a FULLNAT local address for the service. It must be a unicast
    /// address of the service's family; one address serves any number of services (each
    /// connection takes its own port of it).
    /// </summary>
    public RuleError AddLocalAddress(ServiceKey key, InetAddress address)
    {
        if (!_byKey.TryGetValue(key, out var state))
        {
            return RuleError.ServiceNotDefined;
        }

        if (state.Rule.IsFirewallMark || address.IsIPv4 == state.Rule.IsIPv6 || !AddressChecks.IsUsableDestination(address, isLocal: false))
        {
            return RuleError.InvalidOperation;
        }

        if (state.LocalAddresses.Contains(address))
        {
            return RuleError.LocalAddressExists;
        }

        state.LocalAddresses.Add(address);
        state.Touch();
        return Changed();
    }

    /// <summary>DPVS's <c>--del-laddr</c>; connections holding its ports keep them until they expire.</summary>
    public RuleError DeleteLocalAddress(ServiceKey key, InetAddress address)
    {
        if (!_byKey.TryGetValue(key, out var state))
        {
            return RuleError.ServiceNotDefined;
        }

        if (!state.LocalAddresses.Remove(address))
        {
            return RuleError.NoSuchLocalAddress;
        }

        state.Touch();
        return Changed();
    }

    /// <summary><c>--set tcp tcpfin udp</c>; a zero keeps the current value.</summary>
    public RuleError SetTimeouts(ConnectionTimeouts update)
    {
        ArgumentNullException.ThrowIfNull(update);
        _timeouts = _timeouts.With(update);
        return Changed();
    }

    public ServiceEntry? FindService(ServiceKey key) =>
        _byKey.TryGetValue(key, out var state) ? state.ToEntry() : null;

    /// <summary>An immutable snapshot of the current rules.</summary>
    public RuleSetView View()
    {
        var services = new ServiceEntry[_services.Count];
        for (var i = 0; i < services.Length; i++)
        {
            services[i] = _services[i].ToEntry();
        }

        return new RuleSetView(services, _timeouts, _generation) { Marks = [.. _marks], Tunables = _tunables };
    }

    private RuleError Changed()
    {
        _generation++;
        return RuleError.None;
    }

    /// <remarks>
    /// The immutable entry is kept until the service changes: a view of 10,000 services after
    /// one change then shares 9,999 entries with the previous view, which is what lets the
    /// compiler see in O(1) per service that nothing changed (ServiceTableCompiler).
    /// </remarks>
    private sealed class ServiceState(ServiceRule rule, List<DestinationRule> destinations)
    {
        private ServiceEntry? _entry;

        public ServiceRule Rule { get; set; } = rule;

        public List<DestinationRule> Destinations { get; } = destinations;

        public List<InetAddress> LocalAddresses { get; } = [];

        public int IndexOf(InetAddress address, ushort port) =>
            Destinations.FindIndex(d => d.SameServer(address, port));

        /// <summary>Every edit calls this: the next view builds a new entry.</summary>
        public void Touch() => _entry = null;

        /// <summary>A copy of <paramref name="source"/> (same contents) may share its entry.</summary>
        public void CarryEntry(ServiceState source) => _entry = source._entry;

        public ServiceEntry ToEntry() => _entry ??= new(Rule, Destinations.ToArray()) { LocalAddresses = [.. LocalAddresses] };
    }
}
