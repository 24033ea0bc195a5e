using SharpLvs.Control.Compiling;
using SharpLvs.Control.Ipvsadm;
using SharpLvs.Control.Rules;
using SharpLvs.Core.Services;
using SharpLvs.Linux.Interfaces;
using SharpLvs.Packets;

namespace SharpLvs.Daemon;

internal sealed partial class Director
{
    private static readonly TimeSpan NextHopWait = TimeSpan.FromMilliseconds(500);

    private RuleSetView _rules = RuleSetView.Empty;

    // A guard update failed: the next publish updates it whatever the change.
    private bool _guardBehind;

    // The rules the published table was compiled from: unchanged services are carried over.
    private RuleSetView? _publishedRules;

    /// <summary>
    /// A rule change: compile the new view into a data-plane snapshot (real-server objects
    /// re-used, so counters and connections survive), tell the guard which tuples are now
    /// lvsd's, publish, save the state file, and have next hops resolved for new real
    /// servers (the state file is written while the resolver works).
    /// </summary>
    private void OnRulesChanged(RuleSetView rules, IReadOnlyList<AdminCommand> commands)
    {
        var added = Publish(rules, commands);
        SaveState(rules);
        AwaitNextHops(added);
    }

    /// <summary>Compiles and publishes; returns the real servers the change added, whose next hops are now being resolved.</summary>
    private List<RealServer> Publish(RuleSetView rules, IReadOnlyList<AdminCommand> commands)
    {
        foreach (var line in RuleChangeText.Lines(commands))
        {
            LogRuleChange(line);
        }

        var added = new List<RealServer>();
        lock (_publishLock)
        {
            var guardChanges = commands.Count == 0 || GuardMayChange(_rules, commands);
            _rules = rules;
            PublishLocked(guardChanges, refreshAnswers: commands.Count == 0 || !OnlyRealServers(commands), added);
            added.RemoveAll(r => r.Method == ForwardingMethod.Local);
        }

        if (added.Count > 0)
        {
            _resolver.RequestResolve();
        }

        return added;
    }

    /// <summary>
    /// Kernel IPVS queues a connection's first packet behind ARP; lvsd has no such queue, so
    /// instead a rule change returns to lvsadm only once its new real servers' next hops are
    /// known (bounded: an unreachable real server must not stall the control socket). A SYN
    /// sent right after <c>lvsadm -a</c> then finds the MAC already resolved.
    /// </summary>
    /// <remarks>
    /// Only the real servers this change added are waited for (an old real server that never
    /// resolved must not cost every later change 500 ms), and each only until it resolves:
    /// the list shrinks as next hops arrive, so 100,000 new real servers are not rescanned in
    /// full every 2 ms.
    /// </remarks>
    private void AwaitNextHops(List<RealServer> added)
    {
        var deadline = Environment.TickCount64 + (long)NextHopWait.TotalMilliseconds;
        var pending = added;
        while (true)
        {
            pending.RemoveAll(r => !r.Available || r.NextHop is not null);
            if (pending.Count == 0)
            {
                return;
            }

            if (Environment.TickCount64 >= deadline)
            {
                LogUnresolved(pending[0].Address.ToString(), pending.Count, (int)NextHopWait.TotalMilliseconds);
                return;
            }

            Thread.Sleep(2);
        }
    }

    /// <summary>
    /// Whether <paramref name="commands"/> can change what the kernel guard drops: anything
    /// but adding, editing or deleting real servers that are not NAT before or after (only NAT
    /// real servers' replies are guarded). A weight change on a table of 10,000 services then
    /// skips rebuilding the guard's sets (tens of ms), so it reaches the packet path sooner.
    /// </summary>
    private static bool GuardMayChange(RuleSetView before, IReadOnlyList<AdminCommand> commands)
    {
        foreach (var command in commands)
        {
            if (command.Kind is not (AdminCommandKind.AddServer or AdminCommandKind.EditServer or AdminCommandKind.DeleteServer)
                || command.Destination.Forwarding == ForwardingMethod.Masquerade)
            {
                return true;
            }

            if (command.Kind != AdminCommandKind.AddServer && WasMasquerade(before, command))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Whether every command adds, edits or deletes a real server: the set of VIPs (and so the ARP answers) stays as it is.</summary>
    private static bool OnlyRealServers(IReadOnlyList<AdminCommand> commands)
    {
        foreach (var command in commands)
        {
            if (command.Kind is not (AdminCommandKind.AddServer or AdminCommandKind.EditServer or AdminCommandKind.DeleteServer))
            {
                return false;
            }
        }

        return true;
    }

    private static bool WasMasquerade(RuleSetView rules, AdminCommand command)
    {
        foreach (var service in rules.Services)
        {
            if (service.Service.Key != command.Service.Key)
            {
                continue;
            }

            foreach (var destination in service.Destinations)
            {
                if (destination.SameServer(command.Destination.Address, command.Destination.Port))
                {
                    return destination.Forwarding == ForwardingMethod.Masquerade;
                }
            }
        }

        return false;
    }

    /// <param name="created">Receives the real servers the compile created (their next hops are not known yet).</param>
    private void PublishLocked(bool updateGuard = true, bool refreshAnswers = true, List<RealServer>? created = null)
    {
        var published = false;
        try
        {
            // The answers are worked out per VIP (10,000 VIPs: ~2 ms); a real-server change keeps
            // the published ones (null: the compiler carries the previous table's over).
            var arp = refreshAnswers ? _vipAnswers.For(AnsweredAddresses()) : null;
            var table = ServiceTableCompiler.Compile(_rules, _services.Current, arp, compiledFrom: _publishedRules, created: created);

            // Guard before publish: the kernel must be kept off a tuple before lvsd starts
            // forwarding it, or the first SYN could draw a RST from the host.
            if (updateGuard || _guardBehind)
            {
                _guardBehind = true;
                UpdateGuard(table);
                _guardBehind = false;
            }

            // The workers' fanout program (Director.Workers.cs) follows every change, masks
            // included, before the new table can schedule a connection.
            UpdateFanout(table);
            _services.Publish(table);
            _publishedRules = _rules;
            published = true;

            // --set tcp tcpfin udp: the table reads its timeouts at each packet, as the kernel's
            // per-state timeout table is read at each transition.
            Worker.Connections.Timeouts.Set((int)Math.Min(_rules.Timeouts.Tcp, int.MaxValue), (int)Math.Min(_rules.Timeouts.TcpFin, int.MaxValue), (int)Math.Min(_rules.Timeouts.Udp, int.MaxValue));
            LogPublished(
                table.Services.Count,
                table.RealServerCount,
                ArpList(table.ArpAnswers));
            _neighbourGroups?.Update(table.ArpAnswers);
        }
        catch (Exception e)
        {
            // The rule set already changed; the data plane keeps its last snapshot and the
            // next change or host-watch tick tries again.
            if (!published)
            {
                created?.Clear();
            }

            LogPublishFailed(e.Message);
        }
    }

    /// <summary>The ARP answers for the log: the first few, then how many in all (10,000 VIPs made a 150 KB line per change).</summary>
    private static string ArpList(IReadOnlyList<ArpAnswer> answers)
    {
        const int shown = 8;
        var first = string.Join(", ", answers.Take(shown).Select(a => a.Address.ToString()));
        return answers.Count <= shown ? first : $"{first}, … {answers.Count} in all";
    }

    private void UpdateGuard(ServiceTable table)
    {
        var tuples = _rules.Services
            .Where(s => !s.Service.IsFirewallMark)
            .Select(s => (s.Service.Key.Protocol, s.Service.Key.Address, s.Service.Key.Port))
            .ToList();
        var replySources = GuardedReplySources(table).ToList();
        var localAddresses = GuardedLocalAddresses(table).ToList();
        _guard.Update(tuples, replySources, localAddresses, _rules.Marks);

        // The XDP program steers the same flows (Director.Port.cs), also before publish.
        UpdateSteering(tuples, replySources, localAddresses);
    }

    /// <summary>NAT real servers' (protocol, RIP, port): their replies are lvsd's to un-NAT.</summary>
    private static IEnumerable<(byte, InetAddress, ushort)> GuardedReplySources(ServiceTable table) =>
        table.Services
            .Where(s => s.Key.FirewallMark == 0)
            .SelectMany(s => s.RealServers
                .Where(r => r.Method == ForwardingMethod.Masquerade)
                .Select(r => (s.Key.Protocol, r.Address, r.Port)));

    /// <summary>FULLNAT local addresses' port ranges, for TCP and UDP.</summary>
    private static IEnumerable<(byte, InetAddress, ushort, ushort)> GuardedLocalAddresses(ServiceTable table) =>
        table.Services
            .SelectMany(s => s.LocalAddresses)
            .Distinct()
            .SelectMany(l => new[]
            {
                (IpProtocols.Tcp, l.Address, l.FirstPort, l.LastPort),
                (IpProtocols.Udp, l.Address, l.FirstPort, l.LastPort),
            });

    /// <summary>Once a second: has the host moved a VIP (so that the ARP answers change)?</summary>
    private void WatchHost()
    {
        try
        {
            lock (_publishLock)
            {
                _vipAnswers.Refresh(InterfaceCatalog.Load(_netlink, _options.Interfaces.Count > 0 ? _options.Interfaces : null));
                var wanted = _vipAnswers.For(AnsweredAddresses());
                if (!wanted.ToHashSet().SetEquals(_services.Current.ArpAnswers))
                {
                    PublishLocked();
                }
            }
        }
        catch (Exception e)
        {
            LogPublishFailed(e.Message);
        }
    }

    /// <summary>
    /// The addresses lvsd answers ARP for when no interface holds them: the VIPs, and the
    /// FULLNAT local addresses (the real servers send their replies to a LIP).
    /// </summary>
    private IEnumerable<InetAddress> AnsweredAddresses() =>
        _rules.Services.Where(s => !s.Service.IsFirewallMark).Select(s => s.Service.Key.Address)
            .Concat(_rules.Services.SelectMany(s => s.LocalAddresses));

    /// <summary>lvsd's <c>--tunable</c> flags, applied as lvsadm's <c>--tunable</c> would be: one path for both.</summary>
    private void ApplyStartupTunables()
    {
        foreach (var tunable in _options.Tunables)
        {
            var command = new AdminCommand(
                AdminCommandKind.SetTunable,
                AdminOptions.None,
                ListFormat.None,
                ServiceRule.For(new ServiceKey(0, Packets.InetAddress.FromV4(0), 0), ""),
                new DestinationRule(Packets.InetAddress.FromV4(0), 0),
                Tunable: tunable);
            var response = _handler.Handle(Control.Protocol.ControlRequest.Of(command));
            if (response.ExitCode != ExitCodes.Success)
            {
                throw new DirectorStartException($"--tunable {tunable.Name}={tunable.Value}: {response.Error}");
            }
        }
    }

    private void ZeroCounters(ServiceKey? key)
    {
        foreach (var service in _services.Current.Services.Where(s => key is null || s.Key == key))
        {
            service.Stats.Zero();
            foreach (var real in service.RealServers)
            {
                real.Stats.Zero();
            }
        }

        LogZeroed(key is null ? "all services" : key.ToString()!);
    }
}
