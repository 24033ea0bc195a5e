using SharpLvs.Core.Services;
using SharpLvs.Packets;

namespace SharpLvs.Linux.Netlink;

/// <summary>
/// Keeps every real server's <see cref="RealServer.NextHop"/> current: route to the RIP →
/// next-hop address (the gateway, or the RIP itself when on-link) → that neighbour's MAC,
/// plus the egress link's MAC and MTU and the route's preferred source (TUN's outer source). Runs on its own thread: on rtnetlink change
/// notifications, every second, and on <see cref="RequestResolve"/>.
/// <para>
/// The director's kernel never sends to a real server itself (frames leave through the
/// packet port), so its neighbour entries age to STALE and may be garbage-collected; the
/// resolver therefore asks the kernel to (re)resolve missing, failed and stale entries,
/// at most once per second per address, and keeps a known next hop meanwhile.
/// </para>
/// <para>
/// With a <see cref="NextHopCache"/>, it also resolves the destinations the data plane asks
/// for (clients, for NAT and FULLNAT replies), re-resolves those it holds on every pass, and
/// wakes at once on a new request.
/// </para>
/// </summary>
public sealed unsafe class NeighbourResolver : IDisposable
{
    private static readonly TimeSpan RefreshInterval = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan MinimumPassInterval = TimeSpan.FromMilliseconds(100);

    private readonly INeighbourTable _table;
    private readonly Func<IEnumerable<RealServer>> _realServers;
    private readonly TimeProvider _time;
    private readonly Action<string>? _log;
    private readonly Dictionary<(int IfIndex, InetAddress Address), long> _lastRequested = [];
    private readonly NextHopCache? _destinations;
    private readonly HashSet<InetAddress> _wanted = [];
    private FileDescriptorHandle? _wakeEvent;
    private NetlinkSubscription? _subscription;
    private Thread? _thread;
    private volatile bool _stopping;
    private volatile bool _fullPassRequested;

    public NeighbourResolver(
        INeighbourTable table,
        Func<IEnumerable<RealServer>> realServers,
        TimeProvider? time = null,
        Action<string>? log = null,
        NextHopCache? destinations = null)
    {
        _table = table ?? throw new ArgumentNullException(nameof(table));
        _realServers = realServers ?? throw new ArgumentNullException(nameof(realServers));
        _time = time ?? TimeProvider.System;
        _log = log;
        _destinations = destinations;
        if (destinations is not null)
        {
            destinations.RequestPosted = Wake;
        }
    }

    /// <summary>Passes completed (for tests and metrics).</summary>
    public long Passes { get; private set; }

    /// <summary>
    /// Starts the background thread. With a <paramref name="subscription"/>, host changes
    /// trigger a pass at once; the resolver owns and disposes it.
    /// </summary>
    public void Start(NetlinkSubscription? subscription)
    {
        if (_thread is not null)
        {
            ThrowHelper.ThrowInvalidOperation("the resolver is already running");
        }

        var fd = Interop.EventFd(0, Interop.EFD_NONBLOCK | Interop.EFD_CLOEXEC);
        if (fd < 0)
        {
            ThrowHelper.ThrowErrno("eventfd", Interop.Errors.Last);
        }

        _wakeEvent = new FileDescriptorHandle(fd);
        _subscription = subscription;
        _thread = new Thread(Run) { IsBackground = true, Name = "neighbour resolver" };
        _thread.Start();
    }

    /// <summary>Asks for a pass now (rules changed); returns at once.</summary>
    public void RequestResolve()
    {
        _fullPassRequested = true;
        Wake();
    }

    private void Wake()
    {
        if (_wakeEvent is { } wake)
        {
            ulong one = 1;
            _ = Interop.Write(wake.Fd, &one, sizeof(ulong));
        }
    }

    /// <summary>
    /// One pass over all real servers; returns how many have a next hop afterwards. Called by
    /// the resolver's own thread once started; call it directly only when not started.
    /// </summary>
    public int ResolveAll()
    {
        var links = new Dictionary<int, LinkInfo?>();

        // Real servers share addresses (10,000 services over the same 10 real servers are
        // 100,000 RealServer objects): one route and neighbour lookup per address per pass.
        var lookups = new Dictionary<InetAddress, Lookup>();
        var resolved = 0;
        foreach (var realServer in _realServers())
        {
            if (!lookups.TryGetValue(realServer.Address, out var lookup))
            {
                lookup = Find(realServer.Address, links);
                lookups[realServer.Address] = lookup;
            }

            var nextHop = lookup.For(realServer.NextHop);
            if (nextHop != realServer.NextHop)
            {
                realServer.NextHop = nextHop;
            }

            if (nextHop is not null)
            {
                resolved++;
            }
        }

        ResolveDestinations(links);
        Passes++;
        return resolved;
    }

    /// <summary>The data plane's requested destinations plus those already held, resolved afresh.</summary>
    private void ResolveDestinations(Dictionary<int, LinkInfo?> links)
    {
        if (_destinations is not { } cache)
        {
            return;
        }

        cache.DrainRequests(_wanted);
        if (_wanted.Count == 0)
        {
            return;
        }

        var hops = new Dictionary<InetAddress, NextHop>();
        foreach (var address in _wanted)
        {
            cache.TryGet(address, out var current);
            if (Resolve(address, current, links) is { } hop)
            {
                hops[address] = hop;
            }
        }

        // Bounded memory: past the cache's capacity, start again from what is asked for.
        if (_wanted.Count > cache.Capacity)
        {
            _wanted.Clear();
        }

        cache.Publish(hops);
    }

    private NextHop? Resolve(InetAddress address, NextHop? current, Dictionary<int, LinkInfo?> links) =>
        Find(address, links).For(current);

    /// <summary>What the kernel says about the way to <paramref name="address"/> now (asking it to resolve the neighbour when needed).</summary>
    private Lookup Find(InetAddress address, Dictionary<int, LinkInfo?> links)
    {
        var route = _table.LookupRoute(address);
        if (route is null || route.IsLocal)
        {
            return default;
        }

        if (!links.TryGetValue(route.OutputIfIndex, out var link))
        {
            link = _table.GetLink(route.OutputIfIndex);
            links[route.OutputIfIndex] = link;
        }

        if (link is null)
        {
            return default;
        }

        var hop = route.HasGateway ? route.Gateway : address;
        var neighbour = _table.LookupNeighbour(route.OutputIfIndex, hop);
        if (neighbour is null || !neighbour.IsUsable || neighbour.State.HasFlag(NeighbourState.Stale))
        {
            RequestResolution(route.OutputIfIndex, hop);
        }

        var fresh = neighbour is { IsUsable: true }
            ? new NextHop(route.OutputIfIndex, link.Mac, neighbour.Mac, link.Mtu, route.PreferredSource)
            : null;
        return new Lookup(route, link, fresh);
    }

    /// <summary>One address's route, egress link and (when usable) next hop, as found in one pass.</summary>
    private readonly record struct Lookup(RouteInfo? Route, LinkInfo? Link, NextHop? Fresh)
    {
        public NextHop? For(NextHop? current)
        {
            if (Fresh is not null || Route is null || Link is null)
            {
                return Fresh;
            }

            // Unresolved for now: keep what we knew if the path still leaves the same way.
            return current is not null && current.IfIndex == Route.OutputIfIndex
                ? current with { Source = Link.Mac, Mtu = Link.Mtu, PreferredSource = Route.PreferredSource }
                : null;
        }
    }

    private void RequestResolution(int ifIndex, InetAddress hop)
    {
        var now = _time.GetTimestamp();
        if (_lastRequested.TryGetValue((ifIndex, hop), out var last) && _time.GetElapsedTime(last, now) < RefreshInterval)
        {
            return;
        }

        _lastRequested[(ifIndex, hop)] = now;
        _table.RequestResolution(ifIndex, hop);
    }

    private void Run()
    {
        var fds = stackalloc Interop.PollFd[2];
        fds[0] = new Interop.PollFd { Fd = _wakeEvent!.Fd, Events = Interop.POLLIN };
        fds[1] = new Interop.PollFd { Fd = _subscription?.Fd ?? -1, Events = Interop.POLLIN };
        var count = _subscription is null ? 1u : 2u;
        while (!_stopping)
        {
            try
            {
                ResolveAll();
            }
            catch (Exception e) when (e is LinuxException or InvalidOperationException)
            {
                _log?.Invoke($"next-hop resolution failed: {e.Message}");
            }

            // Our own resolution requests echo back as neighbour notifications: a short
            // pause bounds the pass rate however busy the notifications get. The data
            // plane's requests are still served during it: a new client's first reply is
            // on its way while we wait.
            PauseServingDestinations(fds);
            if (!_fullPassRequested)
            {
                _ = Interop.Poll(fds, count, (int)RefreshInterval.TotalMilliseconds);
            }

            _fullPassRequested = false;
            ulong value;
            _ = Interop.Read(_wakeEvent.Fd, &value, sizeof(ulong));
            _subscription?.Drain();
        }
    }

    private void PauseServingDestinations(Interop.PollFd* fds)
    {
        var start = _time.GetTimestamp();
        while (!_stopping)
        {
            var left = MinimumPassInterval - _time.GetElapsedTime(start);
            if (left <= TimeSpan.Zero)
            {
                return;
            }

            fds[0].REvents = 0;
            if (Interop.Poll(fds, 1, Math.Max(1, (int)left.TotalMilliseconds)) > 0 && _destinations is not null)
            {
                ulong value;
                _ = Interop.Read(_wakeEvent!.Fd, &value, sizeof(ulong));
                try
                {
                    ResolveDestinations(new Dictionary<int, LinkInfo?>());
                }
                catch (Exception e) when (e is LinuxException or InvalidOperationException)
                {
                    _log?.Invoke($"next-hop resolution failed: {e.Message}");
                }
            }
            else if (_destinations is null)
            {
                Thread.Sleep(left);
                return;
            }
        }
    }

    public void Dispose()
    {
        _stopping = true;
        RequestResolve();
        _thread?.Join(5000);
        _subscription?.Dispose();
        _wakeEvent?.Dispose();
    }
}
