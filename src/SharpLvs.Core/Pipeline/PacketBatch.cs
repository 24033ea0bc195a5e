namespace SharpLvs.Core.Pipeline;

/// <summary>A reusable batch of descriptors: one receive, one pass through the pipeline, one send.</summary>
public sealed class PacketBatch
{
    public PacketBatch(int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        Items = new PacketDescriptor[capacity];
    }

    public PacketDescriptor[] Items { get; }

    public int Count { get; set; }

    public int Capacity => Items.Length;
}
