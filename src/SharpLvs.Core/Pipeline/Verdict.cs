namespace SharpLvs.Core.Pipeline;

/// <summary>How every packet ends. Nothing leaves the pipeline without one.</summary>
public enum Verdict : byte
{
    /// <summary>Not ours: the host's kernel has its own copy and handles it (AF_PACKET is a tap).</summary>
    PassToKernel = 0,

    /// <summary>Rewritten in place; send it out of <c>EgressIfIndex</c>.</summary>
    Transmit = 1,

    /// <summary>Ours, but it goes nowhere; counted under its <see cref="DropReason"/>.</summary>
    Drop = 2,
}
