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

    // The rules the published table was compiled from: unchanged services are carried over.
    private RuleSetView? _publishedRules;

    /// <summary>
    /// A rule change: compile the new view into a data-plane snapshot (real-server objects
    /// re-used, so counters and connections survive), tell the guard which tuples are now
    /// lvsd's, publish, and have next hops resolved for new real servers.
    /// </summary>
    private void Publish(RuleSetView rules, IReadOnlyList<AdminCommand> commands)
    {
        foreach (var command in commands)
        {
            LogRuleChange(RuleChangeText.Describe(command));
        }

        lock (_publishLock)
        {
            _rules = rules;
            PublishLocked();
        }

        _resolver.RequestResolve();
        AwaitNextHops();
    }

    /// <summary>
    /// Kernel IPVS queues a connection's first packet behind ARP; lvsd has no such queue, so
    /// instead a rule change returns to lvsadm only once its new real servers' next hops are
    /// known (bounded: an unreachable real server must not stall the control socket). A SYN
    /// sent right after <c>lvsadm -a</c> then finds the MAC already resolved.
    /// </summary>
    private void AwaitNextHops()
    {
        var deadline = Environment.TickCount64 + (long)NextHopWait.TotalMilliseconds;
        while (Unresolved() is { } pending)
        {
            if (Environment.TickCount64 >= deadline)
            {
                LogUnresolved(pending.Address.ToString(), (int)NextHopWait.TotalMilliseconds);
                return;
            }

            Thread.Sleep(2);
        }
    }

    private RealServer? Unresolved() => _services.Current.Services
        .SelectMany(s => s.RealServers)
        .FirstOrDefault(r => r.Available && r.NextHop is null && r.Method != ForwardingMethod.Local);

    private void PublishLocked()
    {
        try
        {
            var arp = _vipAnswers.For(AnsweredAddresses());
            var table = ServiceTableCompiler.Compile(_rules, _services.Current, arp, compiledFrom: _publishedRules);

            // Guard before publish: the kernel must be kept off a tuple before lvsd starts
            // forwarding it, or the first SYN could draw a RST from the host.
            _guard.Update(
                _rules.Services
                    .Where(s => !s.Service.IsFirewallMark)
                    .Select(s => (s.Service.Key.Protocol, s.Service.Key.Address, s.Service.Key.Port)),
                GuardedReplySources(table),
                GuardedLocalAddresses(table),
                _rules.Marks);
            _services.Publish(table);
            _publishedRules = _rules;
            _neighbourGroups?.Update(table.ArpAnswers);

            // --set tcp tcpfin udp: the table reads its timeouts at each packet, as the kernel's
            // per-state timeout table is read at each transition.
            Worker.Connections.Timeouts.Set((int)Math.Min(_rules.Timeouts.Tcp, int.MaxValue), (int)Math.Min(_rules.Timeouts.TcpFin, int.MaxValue), (int)Math.Min(_rules.Timeouts.Udp, int.MaxValue));
            LogPublished(
                table.Services.Count,
                table.Services.Sum(s => s.RealServers.Length),
                string.Join(", ", table.ArpAnswers.Select(a => a.Address.ToString())));
        }
        catch (Exception e)
        {
            // The rule set already changed; the data plane keeps its last snapshot and the
            // next change or host-watch tick tries again.
            LogPublishFailed(e.Message);
        }
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
