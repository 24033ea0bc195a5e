using SharpLvs.Packets;

namespace SharpLvs.Linux.Xdp;

/// <summary>
/// The XDP side of the director: the steering maps (shared by every interface's program),
/// and per attached interface an XSKMAP (rx queue → AF_XDP socket), the generated program
/// and its BPF link. <see cref="Update"/> takes the same flows as the nftables guard
/// (<c>KernelGuard.Update</c>) and changes only the map entries that differ.
/// </summary>
public sealed class XdpSteering : IDisposable
{
    /// <summary>Map capacities: hash maps without preallocation, so an idle director pins little.</summary>
    public const int MaxServices = 65536;

    public const int MaxReplySources = 65536;

    public const int MaxLocalAddresses = 4096;

    private readonly BpfMap _services;
    private readonly BpfMap _replies;
    private readonly BpfMap _locals;
    private readonly List<Attachment> _attachments = [];
    private readonly Lock _lock = new();
    private HashSet<(byte, InetAddress, ushort)> _appliedServices = [];
    private HashSet<(byte, InetAddress, ushort)> _appliedReplies = [];
    private readonly Dictionary<(byte, InetAddress), (ushort, ushort)> _appliedLocals = [];

    private XdpSteering(BpfMap services, BpfMap replies, BpfMap locals, XdpFlowOffload? fastPath)
    {
        _services = services;
        _replies = replies;
        _locals = locals;
        FastPath = fastPath;
    }

    /// <summary>The established-flow fast path (lvsd --fast-path), or null when the program has none.</summary>
    public XdpFlowOffload? FastPath { get; }

    /// <summary>
    /// Creates the (empty) steering maps, and with <paramref name="fastPathFlows"/> &gt; 0 the
    /// fast path's maps (a flows map of that many entries); throws <see cref="LinuxException"/>
    /// where BPF is unavailable.
    /// </summary>
    public static XdpSteering Create(int fastPathFlows = 0)
    {
        BpfMap? services = null;
        BpfMap? replies = null;
        BpfMap? locals = null;
        try
        {
            services = BpfMap.Create(Interop.BPF_MAP_TYPE_HASH, SteeringKey.Size, SteeringKey.ValueSize, MaxServices, Interop.BPF_F_NO_PREALLOC, "lvs_services");
            replies = BpfMap.Create(Interop.BPF_MAP_TYPE_HASH, SteeringKey.Size, SteeringKey.ValueSize, MaxReplySources, Interop.BPF_F_NO_PREALLOC, "lvs_replies");
            locals = BpfMap.Create(Interop.BPF_MAP_TYPE_HASH, SteeringKey.Size, SteeringKey.ValueSize, MaxLocalAddresses, Interop.BPF_F_NO_PREALLOC, "lvs_locals");
            var fastPath = fastPathFlows > 0 ? XdpFlowOffload.Create(fastPathFlows) : null;
            return new XdpSteering(services, replies, locals, fastPath);
        }
        catch
        {
            services?.Dispose();
            replies?.Dispose();
            locals?.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Loads the program for <paramref name="ifIndex"/> and attaches it in native mode (or
    /// <paramref name="generic"/> mode, see <see cref="BpfProgram.AttachXdp"/>) with an
    /// XSKMAP of <paramref name="queues"/> slots (filled by <see cref="AddSocket"/>). Throws
    /// <see cref="LinuxException"/> when the driver refuses (no native XDP, MTU too large, ...).
    /// </summary>
    public void Attach(int ifIndex, int queues, bool generic = false)
    {
        var sockets = BpfMap.Create(Interop.BPF_MAP_TYPE_XSKMAP, 4, 4, queues, 0, "lvs_xsks");
        BpfProgram? program = null;
        try
        {
            program = BpfProgram.LoadXdp(SteeringProgram.Generate(_services.Fd, _replies.Fd, _locals.Fd, sockets.Fd, FastPathMapsFor(generic)), "lvs_steer");
            var link = program.AttachXdp(ifIndex, generic);
            FastPath?.AllowEgress(ifIndex);
            lock (_lock)
            {
                _attachments.Add(new Attachment(ifIndex, sockets, program, link));
            }
        }
        catch
        {
            program?.Dispose();
            sockets.Dispose();
            throw;
        }
    }

    /// <summary>Puts <paramref name="socket"/> into its interface's XSKMAP at its queue: from now on the program redirects that queue's steered frames to it.</summary>
    internal void AddSocket(XskSocket socket)
    {
        var attachment = _attachments.Find(a => a.IfIndex == socket.IfIndex)
            ?? throw new InvalidOperationException($"no XDP program on ifindex {socket.IfIndex}");
        AddSocket(attachment.Sockets, socket);
    }

    /// <summary>The program over these maps and <paramref name="sockets"/>, loaded but not attached (BPF_PROG_TEST_RUN).</summary>
    internal BpfProgram LoadDetached(BpfMap sockets, bool generic = false) =>
        BpfProgram.LoadXdp(SteeringProgram.Generate(_services.Fd, _replies.Fd, _locals.Fd, sockets.Fd, FastPathMapsFor(generic)), "lvs_steer");

    private FastPathMaps? FastPathMapsFor(bool generic) =>
        FastPath is { } offload ? offload.Maps with { SkbMode = generic } : null;

    /// <summary>Puts <paramref name="socket"/> into <paramref name="sockets"/> at its queue.</summary>
    internal static void AddSocket(BpfMap sockets, XskSocket socket)
    {
        Span<byte> key = stackalloc byte[4];
        Span<byte> value = stackalloc byte[4];
        BitConverter.TryWriteBytes(key, socket.Queue);
        BitConverter.TryWriteBytes(value, socket.Fd);
        var errno = sockets.Update(key, value);
        if (errno != 0)
        {
            ThrowHelper.ThrowErrno($"XSKMAP update (ifindex {socket.IfIndex} queue {socket.Queue})", errno);
        }
    }

    /// <summary>
    /// Makes the maps hold exactly these flows (the guard's: VIP services, NAT real servers'
    /// service ports, FULLNAT local-address port ranges). A local address with several ranges
    /// for one protocol is steered over the span from the lowest to the highest port.
    /// Throws <see cref="LinuxException"/> when the kernel refuses an entry (map full); the
    /// next update retries from what did apply.
    /// </summary>
    public void Update(
        IEnumerable<(byte Protocol, InetAddress Vip, ushort Port)> services,
        IEnumerable<(byte Protocol, InetAddress Rip, ushort Port)> replySources,
        IEnumerable<(byte Protocol, InetAddress Lip, ushort FirstPort, ushort LastPort)> localAddresses)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(replySources);
        ArgumentNullException.ThrowIfNull(localAddresses);
        var wantedServices = services.Where(IsSteerable).ToHashSet();
        var wantedReplies = replySources.Where(IsSteerable).ToHashSet();
        var wantedLocals = new Dictionary<(byte, InetAddress), (ushort, ushort)>();
        foreach (var (protocol, lip, first, last) in localAddresses)
        {
            if (protocol is not (IpProtocols.Tcp or IpProtocols.Udp))
            {
                continue;
            }

            wantedLocals[(protocol, lip)] = wantedLocals.TryGetValue((protocol, lip), out var range)
                ? (Math.Min(range.Item1, first), Math.Max(range.Item2, last))
                : (first, last);
        }

        lock (_lock)
        {
            var failures = new List<string>();
            _appliedServices = Sync(_services, _appliedServices, wantedServices, failures);
            _appliedReplies = Sync(_replies, _appliedReplies, wantedReplies, failures);
            SyncLocals(wantedLocals, failures);
            if (failures.Count > 0)
            {
                throw new LinuxException($"XDP steering maps: {string.Join("; ", failures.Take(3))}");
            }
        }
    }

    private static bool IsSteerable((byte Protocol, InetAddress Address, ushort Port) flow) =>
        flow.Protocol is IpProtocols.Tcp or IpProtocols.Udp;

    private static HashSet<(byte, InetAddress, ushort)> Sync(
        BpfMap map, HashSet<(byte, InetAddress, ushort)> applied, HashSet<(byte, InetAddress, ushort)> wanted, List<string> failures)
    {
        Span<byte> key = stackalloc byte[SteeringKey.Size];
        ReadOnlySpan<byte> present = [1, 0, 0, 0];
        var now = new HashSet<(byte, InetAddress, ushort)>(applied);
        foreach (var flow in applied)
        {
            if (!wanted.Contains(flow))
            {
                SteeringKey.Write(key, flow.Item2, flow.Item1, flow.Item3);
                var errno = map.Delete(key);
                if (errno is 0 or Interop.Errors.ENOENT)
                {
                    now.Remove(flow);
                }
                else
                {
                    failures.Add($"remove {flow}: {Interop.Errors.Describe(errno)}");
                }
            }
        }

        foreach (var flow in wanted)
        {
            if (!applied.Contains(flow))
            {
                SteeringKey.Write(key, flow.Item2, flow.Item1, flow.Item3);
                var errno = map.Update(key, present);
                if (errno == 0)
                {
                    now.Add(flow);
                }
                else
                {
                    failures.Add($"add {flow}: {Interop.Errors.Describe(errno)}");
                }
            }
        }

        return now;
    }

    private void SyncLocals(Dictionary<(byte, InetAddress), (ushort, ushort)> wanted, List<string> failures)
    {
        Span<byte> key = stackalloc byte[SteeringKey.Size];
        Span<byte> value = stackalloc byte[SteeringKey.ValueSize];
        foreach (var (local, _) in _appliedLocals.ToList())
        {
            if (!wanted.ContainsKey(local))
            {
                SteeringKey.Write(key, local.Item2, local.Item1, 0);
                var errno = _locals.Delete(key);
                if (errno is 0 or Interop.Errors.ENOENT)
                {
                    _appliedLocals.Remove(local);
                }
                else
                {
                    failures.Add($"remove {local}: {Interop.Errors.Describe(errno)}");
                }
            }
        }

        foreach (var (local, range) in wanted)
        {
            if (_appliedLocals.TryGetValue(local, out var applied) && applied == range)
            {
                continue;
            }

            SteeringKey.Write(key, local.Item2, local.Item1, 0);
            SteeringKey.WriteRange(value, range.Item1, range.Item2);
            var errno = _locals.Update(key, value);
            if (errno == 0)
            {
                _appliedLocals[local] = range;
            }
            else
            {
                failures.Add($"add {local}: {Interop.Errors.Describe(errno)}");
            }
        }
    }

    /// <summary>Detaches every program (closing the links) and frees the maps.</summary>
    public void Dispose()
    {
        lock (_lock)
        {
            foreach (var attachment in _attachments)
            {
                attachment.Link.Dispose();
                attachment.Program.Dispose();
                attachment.Sockets.Dispose();
            }

            _attachments.Clear();
        }

        _services.Dispose();
        _replies.Dispose();
        _locals.Dispose();
        FastPath?.Dispose();
    }

    private sealed record Attachment(int IfIndex, BpfMap Sockets, BpfProgram Program, FileDescriptorHandle Link);
}
