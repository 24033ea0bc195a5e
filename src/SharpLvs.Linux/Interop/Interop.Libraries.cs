namespace SharpLvs.Linux;

/// <summary>Native libraries the Linux edge binds to, named as the loader finds them.</summary>
internal static partial class Interop
{
    internal static class Libraries
    {
        internal const string Libc = "libc";

        // The versioned soname: the unversioned libnftables.so ships only with the -dev package.
        internal const string Nftables = "libnftables.so.1";
    }
}
