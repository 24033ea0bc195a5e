using System.Collections.Immutable;
using SharpLvs.Core.Connections;
using SharpLvs.Core.Services;

namespace SharpLvs.Core.Scheduling;

/// <summary>
/// ip_vs_wrr.c: passes over the servers with a falling weight bar. With
///   di = gcd of the positive weights (the step),
///   mw = max weight − (di − 1) (the first bar; lowered by di − 1 so the last pass is at 1
///        and a weight changed below di is still reached),
///   cw = the current bar,
/// each pass picks, in list order, the servers whose weight ≥ cw, then cw −= di; below 1 it
/// wraps to mw. Weights 4, 3, 2 (di 1, mw 4) give A A B A B C A B C: bar 4 {A}, 3 {A B},
/// 2 {A B C}, 1 {A B C}.
/// </summary>
internal sealed class WeightedRoundRobinScheduler : IScheduler
{
    private readonly RealServer[] _servers;
    private readonly int _maxWeight;
    private readonly int _step;

    // Index of the current server; -1 is the list head.
    private int _current;
    private int _bar;

    private WeightedRoundRobinScheduler(RealServer[] servers, int maxWeight, int step, int bar)
    {
        _servers = servers;
        _maxWeight = maxWeight;
        _step = step;
        _current = -1;
        _bar = bar;
    }

    public string Name => SchedulerNames.WeightedRoundRobin;

    internal int MaxWeight => _maxWeight;

    internal int Step => _step;

    internal int CurrentWeight => _bar;

    /// <summary>
    /// ip_vs_wrr_init_svc / ip_vs_wrr_dest_changed: recompute di and mw from the weights now, go
    /// back to the list head, and keep the current bar when it still fits (rounded onto the new
    /// step grid).
    /// </summary>
    public static IScheduler Create(ImmutableArray<RealServer> servers, IScheduler? previous)
    {
        var array = servers.ToArray();
        var gcd = 0;
        var max = 0;
        foreach (var server in array)
        {
            var weight = server.Weight;
            if (weight > 0)
            {
                gcd = gcd > 0 ? Gcd(weight, gcd) : weight;
            }

            if (weight > max)
            {
                max = weight;
            }
        }

        var step = gcd > 0 ? gcd : 1;
        var maxWeight = max - (step - 1);
        var bar = maxWeight;
        if (previous is WeightedRoundRobinScheduler old)
        {
            // Read on the control thread while the data plane may still schedule with the old
            // instance: at worst the bar is one pass stale.
            var oldBar = Volatile.Read(ref old._bar);
            if (oldBar > maxWeight || oldBar == 0)
            {
                bar = maxWeight;
            }
            else if (step > 1)
            {
                bar = (oldBar / step * step) + 1;
            }
            else
            {
                bar = oldBar;
            }
        }

        return new WeightedRoundRobinScheduler(array, maxWeight, step, bar);
    }

    public RealServer? Schedule(VirtualService service, in FlowKey flow)
    {
        if (_maxWeight <= 0)
        {
            return null;
        }

        var servers = _servers;
        var count = servers.Length;
        var last = _current;
        var index = last;
        var stop = int.MinValue;
        var lastPass = false;
        var restarted = false;

        // The walk mirrors ip_vs_wrr_schedule: scan from after the current server to the end of
        // the list, then lower the bar and go again from the head. It gives up once every server
        // was checked against bar 1 (the last pass) without a hit.
        while (true)
        {
            for (index++; index < count; index++)
            {
                var server = servers[index];
                if (!server.IsOverloaded && server.Weight >= _bar)
                {
                    _current = index;
                    return server;
                }

                if (index == stop)
                {
                    _current = index;
                    return null;
                }
            }

            index = -1;
            _bar -= _step;
            if (_bar <= 0)
            {
                _bar = _maxWeight;
                if (lastPass || last == -1)
                {
                    _current = index;
                    return null;
                }

                restarted = true;
            }

            lastPass = _bar <= _step;
            if (lastPass && restarted && last != -1)
            {
                // The first bar-1 pass only covered the servers after 'last'; this one covers
                // those up to and including it.
                stop = last;
            }
        }
    }

    private static int Gcd(int a, int b)
    {
        while (b != 0)
        {
            (a, b) = (b, a % b);
        }

        return a;
    }
}
