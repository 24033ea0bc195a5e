using System.Collections.Immutable;
using SharpLvs.Core.Connections;
using SharpLvs.Core.Services;

namespace SharpLvs.Core.Scheduling;

/// <summary>
/// ip_vs_twos.c, power of two choices (Mitzenmacher): two servers drawn at random in
/// proportion to their weights, then the one with less connection overhead per weight (the
/// first draw on a tie). With total = Σ weights of the servers neither overloaded nor
/// quiesced, each draw is r = random mod (total + 1) and picks the first server, in list
/// order, at which the running r − Σ weights reaches 0; so the first server is drawn for r
/// in [0, w1], one more value than its weight (the kernel's own off-by-one).
/// </summary>
/// <remarks>The random source is injected so that tests can fix the seed; lvsd uses <see cref="Random.Shared"/>.</remarks>
internal sealed class WeightedRandomTwosChoiceScheduler : IScheduler
{
    private readonly RealServer[] _servers;
    private readonly Random _random;

    private WeightedRandomTwosChoiceScheduler(RealServer[] servers, Random random)
    {
        _servers = servers;
        _random = random;
    }

    public string Name => SchedulerNames.WeightedRandomTwosChoice;

    public static IScheduler Create(ImmutableArray<RealServer> servers, IScheduler? previous) =>
        Create(servers, Random.Shared);

    internal static IScheduler Create(ImmutableArray<RealServer> servers, Random random) =>
        new WeightedRandomTwosChoiceScheduler(servers.ToArray(), random);

    public RealServer? Schedule(VirtualService service, in FlowKey flow)
    {
        var servers = _servers;
        long total = 0;
        RealServer? choice1 = null;
        foreach (var server in servers)
        {
            var weight = server.Weight;
            if (!server.IsOverloaded && weight > 0)
            {
                total += weight;
                choice1 = server;
            }
        }

        if (choice1 is null)
        {
            return null;
        }

        // prandom_u32() % (total + 1), each draw a full 32-bit value.
        total += 1;
        var r1 = (long)(NextUInt32() % (ulong)total);
        var r2 = (long)(NextUInt32() % (ulong)total);
        RealServer? choice2 = null;
        long weight1 = -1, weight2 = -1, overhead1 = 0, overhead2 = 0;
        foreach (var server in servers)
        {
            var weight = server.Weight;
            if (server.IsOverloaded || weight <= 0)
            {
                continue;
            }

            r1 -= weight;
            r2 -= weight;
            if (r1 <= 0 && weight1 == -1)
            {
                choice1 = server;
                weight1 = weight;
                overhead1 = server.ConnectionOverhead;
            }

            if (r2 <= 0 && weight2 == -1)
            {
                choice2 = server;
                weight2 = weight;
                overhead2 = server.ConnectionOverhead;
            }

            if (weight1 != -1 && weight2 != -1)
            {
                break;
            }
        }

        return choice2 is not null && weight2 * overhead1 > weight1 * overhead2 ? choice2 : choice1;
    }

    private uint NextUInt32() => (uint)_random.NextInt64(0x1_0000_0000L);
}
