namespace SharpLvs.Packets;

public enum TransportParseResult
{
    Ok,
    Short,
    BadHeaderLength,

    /// <summary>A UDP length field below 8 or beyond the bytes at hand.</summary>
    BadLength,
}
