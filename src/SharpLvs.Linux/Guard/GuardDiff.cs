using SharpLvs.Packets;

namespace SharpLvs.Linux.Guard;

/// <summary>What changes in the guard's sets from one update to the next (see <see cref="GuardScript.Change"/>).</summary>
internal sealed record GuardDiff(
    IReadOnlyList<(byte Protocol, InetAddress Vip, ushort Port)> AddedTuples,
    IReadOnlyList<(byte Protocol, InetAddress Vip, ushort Port)> RemovedTuples,
    IReadOnlyList<(byte Protocol, InetAddress Rip, ushort Port)> AddedReplySources,
    IReadOnlyList<(byte Protocol, InetAddress Rip, ushort Port)> RemovedReplySources,
    IReadOnlyList<(byte Protocol, InetAddress Lip, ushort FirstPort, ushort LastPort)> AddedLocalAddresses,
    IReadOnlyList<(byte Protocol, InetAddress Lip, ushort FirstPort, ushort LastPort)> RemovedLocalAddresses)
{
    public bool IsEmpty =>
        AddedTuples.Count == 0 && RemovedTuples.Count == 0 && AddedReplySources.Count == 0 &&
        RemovedReplySources.Count == 0 && AddedLocalAddresses.Count == 0 && RemovedLocalAddresses.Count == 0;
}
