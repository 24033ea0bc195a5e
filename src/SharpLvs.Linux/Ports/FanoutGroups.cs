using SharpLvs.Core.Pipeline;

namespace SharpLvs.Linux.Ports;

/// <summary>
/// The PACKET_FANOUT groups of several <see cref="AfPacketPort"/>s (lvsd --workers N): one
/// group per served interface, which the i-th port's ring socket joins as the i-th member
/// (fanout_link appends: f->arr[num_members]), so that the steering program's return value is
/// the worker's index. The first member creates the group with a kernel-chosen id
/// (PACKET_FANOUT_FLAG_UNIQUEID), the others join it by that id. Outgoing frames are ignored
/// by the group (PACKET_FANOUT_FLAG_IGNORE_OUTGOING: a fanout group delivers through its own
/// hook, where the member sockets' PACKET_IGNORE_OUTGOING does not apply).
/// </summary>
/// <remarks>Joined on the thread that opens the ports; the program is replaced from the control plane (any thread).</remarks>
public sealed unsafe class FanoutGroups
{
    private const int TypeFlags = Interop.PACKET_FANOUT_CBPF | Interop.PACKET_FANOUT_FLAG_IGNORE_OUTGOING;

    // Per interface: the group id and the first member's socket, through which the program is set.
    private readonly Dictionary<int, (ushort Id, int Fd)> _groups = [];
    private readonly Lock _lock = new();

    public FanoutGroups(int workers)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(workers, 2);
        Workers = workers;
    }

    /// <summary>Members per group: the workers.</summary>
    public int Workers { get; }

    /// <summary>Instructions of the program last set.</summary>
    public int ProgramLength { get; private set; }

    /// <summary>Joins <paramref name="ring"/> to its interface's group (creating the group for the first member).</summary>
    internal void Join(PacketRing ring)
    {
        lock (_lock)
        {
            int option;
            if (_groups.TryGetValue(ring.IfIndex, out var group))
            {
                option = group.Id | (TypeFlags << 16);
                if (Interop.SetSockOpt(ring.Fd, Interop.SOL_PACKET, Interop.PACKET_FANOUT, &option, sizeof(int)) != 0)
                {
                    ThrowHelper.ThrowErrno($"PACKET_FANOUT (join group {group.Id} on ifindex {ring.IfIndex})", Interop.Errors.Last);
                }

                return;
            }

            option = (TypeFlags | Interop.PACKET_FANOUT_FLAG_UNIQUEID) << 16;
            if (Interop.SetSockOpt(ring.Fd, Interop.SOL_PACKET, Interop.PACKET_FANOUT, &option, sizeof(int)) != 0)
            {
                ThrowHelper.ThrowErrno($"PACKET_FANOUT (new group on ifindex {ring.IfIndex})", Interop.Errors.Last);
            }

            int value = 0;
            var length = sizeof(int);
            if (Interop.GetSockOpt(ring.Fd, Interop.SOL_PACKET, Interop.PACKET_FANOUT, &value, &length) != 0)
            {
                ThrowHelper.ThrowErrno("getsockopt(PACKET_FANOUT)", Interop.Errors.Last);
            }

            _groups[ring.IfIndex] = ((ushort)(value & 0xFFFF), ring.Fd);
        }
    }

    /// <summary>
    /// Generates the steering program (<see cref="FanoutProgram"/>) for the plan's addresses and sets
    /// it on every group (PACKET_FANOUT_DATA: fanout_set_data_cbpf swaps it in under RCU, so
    /// frames never go unsteered). Returns null, or why the program was not replaced (the
    /// previous one stays).
    /// </summary>
    public string? Update(SteeringPlan plan)
    {
        ArgumentNullException.ThrowIfNull(plan);
        var program = FanoutProgram.Build(Workers, plan.VirtualAddresses, plan.NatServers, plan.LocalAddresses);
        if (program is null)
        {
            return $"the steering program would exceed {FanoutProgram.MaxInstructions} instructions (too many VIPs, NAT real servers and local addresses)";
        }

        lock (_lock)
        {
            fixed (Interop.SockFilter* code = program)
            {
                var fprog = new Interop.SockFprog { Length = (ushort)program.Length, Filter = code };
                foreach (var (ifIndex, group) in _groups)
                {
                    if (Interop.SetSockOpt(group.Fd, Interop.SOL_PACKET, Interop.PACKET_FANOUT_DATA, &fprog, sizeof(Interop.SockFprog)) != 0)
                    {
                        return $"PACKET_FANOUT_DATA on ifindex {ifIndex}: {Interop.Errors.Describe(Interop.Errors.Last)}";
                    }
                }
            }

            ProgramLength = program.Length;
            return null;
        }
    }
}
