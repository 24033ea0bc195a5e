using SharpLvs.Core.Connections;
using SharpLvs.Core.Services;
using SharpLvs.Packets;

namespace SharpLvs.Core.Pipeline;

/// <summary>
/// Which of N workers owns a connection (lvsd --workers, docs/workers.md): the worker chosen
/// from the client side of the flow, so that a request (CIP:cport → VIP:vport) and its NAT
/// reply (RIP:rport → CIP:cport) reach the same worker, and a FULLNAT reply (RIP:rport →
/// LIP:lport) the worker whose residue class lport belongs to (LocalAddressPool hands worker w
/// only ports with lport % N == w). The client's address alone is hashed, not its port: the
/// later fragments of a datagram carry no port, and a persistence template is keyed on the
/// client address, so one client's connections and fragments stay on one worker; under a
/// persistence netmask, the client's network (<see cref="SteeringPlan"/>).
/// </summary>
/// <remarks>
/// The kernel side of the same decision is the classic-BPF fanout program lvsd generates
/// (SharpLvs.Linux FanoutProgram); both compute <see cref="AddressHash"/> identically, which
/// the Linux tests check by running the program.
/// </remarks>
public static class FlowSteering
{
    /// <summary>The multiplier of the mix (a 32-bit odd constant with good avalanche, from Thomas Mueller's integer hash).</summary>
    public const uint MixMultiplier = 0x045D9F3B;

    /// <summary>
    /// The 32-bit hash of an address: IPv4's address as a big-endian word, IPv6's four
    /// big-endian words XORed; then mixed (x ^= x &gt;&gt; 16; x *= M; x ^= x &gt;&gt; 16), every
    /// step one classic-BPF instruction.
    /// </summary>
    public static uint AddressHash(InetAddress address)
    {
        var x = address.IsIPv4
            ? address.V4
            : (uint)(address.High >> 32) ^ (uint)address.High ^ (uint)(address.Low >> 32) ^ (uint)address.Low;
        x ^= x >> 16;
        x = unchecked(x * MixMultiplier);
        x ^= x >> 16;
        return x;
    }

    /// <summary>The worker of a client address (requests, NAT replies, their fragments).</summary>
    public static int WorkerForClient(InetAddress client, int workers) =>
        workers <= 1 ? 0 : (int)(AddressHash(client) % (uint)workers);

    /// <summary>The worker a FULLNAT reply to LIP:<paramref name="localPort"/> belongs to.</summary>
    public static int WorkerForLocalPort(ushort localPort, int workers) =>
        workers <= 1 ? 0 : localPort % workers;

    /// <summary>
    /// The worker that owns a saved connection or template, for the restore at start: the
    /// worker of its client (Key.Source: CIP, or the client network of a template) under the
    /// plan's mask for its VIP; -1 for a FULLNAT entry whose local port names another worker
    /// (saved by an lvsd with another number of workers: its replies could not reach it).
    /// </summary>
    public static int OwnerOf(in SavedConnection saved, int workers, SteeringPlan? plan = null)
    {
        var owner = plan?.WorkerFor(saved.Key.Source, saved.Service.Address, workers) ?? WorkerForClient(saved.Key.Source, workers);
        var fullNatReply = saved.Method == ForwardingMethod.FullNat && !saved.IsTemplate && (saved.Flags & SavedConnectionFlags.ReplyKey) != 0;
        return fullNatReply && owner != WorkerForLocalPort(saved.ReplyKey.DestinationPort, workers) ? -1 : owner;
    }
}
