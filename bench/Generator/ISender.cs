namespace SharpLvs.Bench.Generator;

/// <summary>Sends up to <c>count</c> frames in one system call; returns how many left.</summary>
internal interface ISender : IDisposable
{
    int MaxBatch { get; }

    int Send(int count);
}
