using SharpLvs.Control.Compiling;
using SharpLvs.Control.Rules;
using SharpLvs.Core.Scheduling;
using SharpLvs.Core.Services;
using SharpLvs.Packets;

namespace SharpLvs.Control.Tests.Compiling;

/// <summary>
/// A table compiled as a change to the previous one (compiledFrom given) must equal the table
/// compiled from nothing, whatever the change: the change walk and ServiceTable.With are an
/// optimisation, never a different answer.
/// </summary>
public class ServiceTableCompilerIncrementalTests
{
    private static readonly InetAddress[] Vips = [.. Enumerable.Range(1, 4).Select(i => InetAddress.FromV4(0xC6120000u + (uint)i))];
    private static readonly InetAddress[] Rips = [.. Enumerable.Range(1, 6).Select(i => InetAddress.FromV4(0xC6120100u + (uint)i))];
    private static readonly InetAddress[] Lips = [.. Enumerable.Range(1, 3).Select(i => InetAddress.FromV4(0xC6120200u + (uint)i))];
    private static readonly ushort[] Ports = [80, 443, 0];
    private static readonly ushort[] RealPorts = [80, 8080];
    private static readonly string[] Schedulers = ["rr", "wrr", "wlc", "sh", "mh", "lblcr"];
    private static readonly ForwardingMethod[] Methods =
        [ForwardingMethod.DirectRouting, ForwardingMethod.Masquerade, ForwardingMethod.Tunnel, ForwardingMethod.FullNat];

    private RuleSet _rules = new(SchedulerRegistry.Default.Names);
    private RuleSetView _compiledFrom = RuleSetView.Empty;
    private ServiceTable _table = ServiceTable.Empty;

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void Compile_RandomChanges_EqualsCompileFromScratch(int seed)
    {
        var random = new Random(seed);
        for (var step = 0; step < 400; step++)
        {
            if (random.Next(12) == 0)
            {
                // -R: several commands on a copy, kept as a whole (a service may be deleted and added again).
                var copy = _rules.Clone();
                for (var i = random.Next(2, 8); i > 0; i--)
                {
                    Change(copy, random);
                }

                _rules = copy;
            }
            else
            {
                Change(_rules, random);
            }

            CompileAndCompare();
        }
    }

    [Fact]
    public void Compile_OneRealServerEdited_OnlyItsServiceRebuilt()
    {
        var keys = Enumerable.Range(0, 1000).Select(i => new ServiceKey(IpProtocolNumbers.Tcp, InetAddress.FromV4(0xC6130000u + (uint)i), 80)).ToArray();
        foreach (var key in keys)
        {
            _rules.AddService(new ServiceRule(key, "wlc"));
            _rules.AddDestination(key, new DestinationRule(Rips[0], 80));
            _rules.AddDestination(key, new DestinationRule(Rips[1], 80, ForwardingMethod.Masquerade));
        }

        CompileAndCompare();
        var before = _table;

        _rules.EditDestination(keys[500], new DestinationRule(Rips[0], 80, ForwardingMethod.DirectRouting, 7));
        CompileAndCompare();

        Assert.All(keys.Where(k => k != keys[500]), k => Assert.Same(before.Find(k), _table.Find(k)));
        Assert.NotSame(before.Find(keys[500]), _table.Find(keys[500]));
        Assert.Same(before.Find(keys[500])!.RealServers[1], _table.Find(keys[500])!.RealServers[1]);
        Assert.Equal(7, _table.Find(keys[500])!.RealServers[1].Weight);
    }

    [Fact]
    public void Compile_ServicesDeletedAndAdded_PreviousTableUntouched()
    {
        foreach (var vip in Vips)
        {
            var key = new ServiceKey(IpProtocolNumbers.Tcp, vip, 80);
            _rules.AddService(new ServiceRule(key, "rr"));
            _rules.AddDestination(key, new DestinationRule(Rips[0], 80, ForwardingMethod.Masquerade));
        }

        CompileAndCompare();
        var before = _table;
        var services = before.Services.ToArray();

        _rules.DeleteService(new ServiceKey(IpProtocolNumbers.Tcp, Vips[1], 80));
        _rules.DeleteService(new ServiceKey(IpProtocolNumbers.Tcp, Vips[3], 80));
        _rules.AddService(new ServiceRule(new ServiceKey(IpProtocolNumbers.Udp, Vips[3], 53), "rr"));
        CompileAndCompare();

        // The data plane may still be reading the previous snapshot: it must not have moved.
        Assert.Equal(services, before.Services);
        Assert.True(before.IsVirtualAddress(Vips[1]));
        Assert.NotNull(before.Find(IpProtocolNumbers.Tcp, Vips[3], 80));
        Assert.Null(before.Find(IpProtocolNumbers.Udp, Vips[3], 53));
        Assert.False(_table.IsVirtualAddress(Vips[1]));
        Assert.True(_table.IsVirtualAddress(Vips[3]));
        Assert.True(_table.IsRealService(IpProtocolNumbers.Tcp, Rips[0], 80));
    }

    [Fact]
    public void Compile_ServiceDeletedAndAddedInOneTransaction_EqualsCompileFromScratch()
    {
        foreach (var vip in Vips)
        {
            var key = new ServiceKey(IpProtocolNumbers.Tcp, vip, 80);
            _rules.AddService(new ServiceRule(key, "rr"));
            _rules.AddDestination(key, new DestinationRule(Rips[0], 80, ForwardingMethod.Tunnel));
        }

        CompileAndCompare();

        var copy = _rules.Clone();
        var first = new ServiceKey(IpProtocolNumbers.Tcp, Vips[0], 80);
        copy.DeleteService(first);
        copy.AddService(new ServiceRule(first, "wrr"));
        copy.AddDestination(first, new DestinationRule(Rips[1], 80, ForwardingMethod.Masquerade));
        _rules = copy;
        CompileAndCompare();

        Assert.True(_table.IsReplySource(Rips[1]));
        Assert.Equal(Vips[0], _table.Services[^1].Key.Address);
    }

    [Fact]
    public void Compile_TableNotPublished_NextCompileFromPublishedOneStillRight()
    {
        // lvsd keeps the published table when the guard update fails: the next compile starts
        // from it again, although the failed one already withdrew real servers.
        var key = new ServiceKey(IpProtocolNumbers.Tcp, Vips[0], 80);
        _rules.AddService(new ServiceRule(key, "rr"));
        _rules.AddDestination(key, new DestinationRule(Rips[0], 80));
        CompileAndCompare();
        var published = _table;
        var publishedRules = _compiledFrom;

        _rules.DeleteService(key);
        ServiceTableCompiler.Compile(_rules.View(), published, compiledFrom: publishedRules);
        _rules.AddService(new ServiceRule(key, "rr"));
        _rules.AddDestination(key, new DestinationRule(Rips[0], 80));
        var view = _rules.View();
        var next = ServiceTableCompiler.Compile(view, published, compiledFrom: publishedRules);

        AssertEquivalent(ServiceTableCompiler.Compile(view, ServiceTable.Empty), next);
    }

    private void CompileAndCompare()
    {
        var view = _rules.View();
        var incremental = ServiceTableCompiler.Compile(view, _table, compiledFrom: _compiledFrom);
        var scratch = ServiceTableCompiler.Compile(view, ServiceTable.Empty);
        AssertEquivalent(scratch, incremental);
        _table = incremental;
        _compiledFrom = view;
    }

    private static void Change(RuleSet rules, Random random)
    {
        var key = RandomKey(random);
        var rip = Rips[random.Next(Rips.Length)];
        var port = key.FirewallMark != 0 || key.Port != 0 ? RealPorts[random.Next(RealPorts.Length)] : (ushort)0;
        switch (random.Next(20))
        {
            case < 3:
                var flags = random.Next(3) == 0 ? ServiceRuleFlags.Persistent : ServiceRuleFlags.None;
                rules.AddService(new ServiceRule(key, Schedulers[random.Next(Schedulers.Length)], flags, flags == ServiceRuleFlags.None ? 0u : 300u, 0xFFFFFF00));
                break;
            case 3:
                rules.EditService(new ServiceRule(key, Schedulers[random.Next(Schedulers.Length)], random.Next(2) == 0 ? ServiceRuleFlags.Persistent : ServiceRuleFlags.None, 60));
                break;
            case 4:
                rules.DeleteService(key);
                break;
            case < 10:
                rules.AddDestination(key, Destination(random, rip, port));
                break;
            case < 13:
                rules.EditDestination(key, Destination(random, rip, port));
                break;
            case < 15:
                rules.DeleteDestination(key, rip, port);
                break;
            case 15:
                rules.AddLocalAddress(key, Lips[random.Next(Lips.Length)]);
                break;
            case 16:
                rules.DeleteLocalAddress(key, Lips[random.Next(Lips.Length)]);
                break;
            case 17:
                rules.SetTunable("sloppy_tcp", random.Next(2));
                break;
            case 18:
                var mark = new FirewallMarkRule(IpProtocolNumbers.Tcp, Vips[random.Next(Vips.Length)], 32, 80, 80, (uint)random.Next(1, 3));
                _ = random.Next(2) == 0 ? rules.AddMark(mark) : rules.DeleteMark(mark);
                break;
            default:
                if (random.Next(4) == 0)
                {
                    rules.Clear();
                }

                break;
        }
    }

    private static ServiceKey RandomKey(Random random) => random.Next(6) == 0
        ? new ServiceKey(0, InetAddress.FromV4(0), 0, (uint)random.Next(1, 3))
        : new ServiceKey(random.Next(2) == 0 ? IpProtocolNumbers.Tcp : IpProtocolNumbers.Udp, Vips[random.Next(Vips.Length)], Ports[random.Next(Ports.Length)]);

    private static DestinationRule Destination(Random random, InetAddress rip, ushort port)
    {
        var method = Methods[random.Next(Methods.Length)];
        var upper = (uint)random.Next(3) * 10;
        return new DestinationRule(rip, port, method, random.Next(0, 4), upper, upper / 2);
    }

    private static void AssertEquivalent(ServiceTable expected, ServiceTable actual)
    {
        Assert.Equal(expected.Services.Select(Describe), actual.Services.Select(Describe));
        Assert.All(actual.Services, s => Assert.Same(s, actual.Find(s.Key)));
        Assert.Equal(expected.RealServerCount, actual.RealServerCount);
        Assert.Equal(expected.HasReplyPath, actual.HasReplyPath);
        Assert.Equal(expected.HasTunnels, actual.HasTunnels);
        Assert.Equal(expected.LocalAddresses.ToHashSet(), actual.LocalAddresses.ToHashSet());
        Assert.Equal(expected.Tunables, actual.Tunables);
        Assert.Equal(expected.Marks.Rules, actual.Marks.Rules);
        Assert.Equal(expected.ArpAnswers, actual.ArpAnswers);
        foreach (var address in Vips.Concat(Rips).Concat(Lips))
        {
            Assert.Equal(expected.IsVirtualAddress(address), actual.IsVirtualAddress(address));
            Assert.Equal(expected.IsReplySource(address), actual.IsReplySource(address));
            Assert.Equal(expected.IsTunnelServer(address), actual.IsTunnelServer(address));
            Assert.Equal(expected.IsLocalAddress(address), actual.IsLocalAddress(address));
            foreach (var protocol in new[] { IpProtocolNumbers.Tcp, IpProtocolNumbers.Udp })
            {
                foreach (var port in Ports.Concat(RealPorts))
                {
                    Assert.Equal(expected.IsRealService(protocol, address, port), actual.IsRealService(protocol, address, port));
                    Assert.Equal(expected.FindForPacket(protocol, address, port)?.Key, actual.FindForPacket(protocol, address, port)?.Key);
                }
            }
        }
    }

    private static string Describe(VirtualService s) =>
        $"{s.Key} {s.SchedulerName} {s.Scheduler.Name} {s.Flags} {s.PersistenceTimeoutSeconds} {s.PersistenceNetmaskBits} {s.PersistenceNetmaskV4:x} "
        + $"[{string.Join(", ", s.RealServers.Select(r => $"{r.Address}:{r.Port} {r.Method} w{r.Weight} {r.UpperThreshold}/{r.LowerThreshold} {r.Tunnel} {r.Available}"))}] "
        + $"laddr [{string.Join(", ", s.LocalAddresses.Select(l => l.Address))}]";
}
