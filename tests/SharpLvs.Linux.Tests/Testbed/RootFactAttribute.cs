namespace SharpLvs.Linux.Tests.Testbed;

/// <summary>A test that builds network namespaces: it needs root, and says so when skipped.</summary>
public sealed class RootFactAttribute : FactAttribute
{
    public RootFactAttribute()
    {
        if (!Environment.IsPrivilegedProcess)
        {
            Skip = "needs root: creates network namespaces (ip netns add) and AF_PACKET sockets";
        }
    }
}

/// <summary>A data-driven test that builds network namespaces: it needs root, and says so when skipped.</summary>
public sealed class RootTheoryAttribute : TheoryAttribute
{
    public RootTheoryAttribute()
    {
        if (!Environment.IsPrivilegedProcess)
        {
            Skip = "needs root: creates network namespaces (ip netns add) and BPF objects";
        }
    }
}
