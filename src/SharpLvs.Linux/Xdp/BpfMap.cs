namespace SharpLvs.Linux.Xdp;

/// <summary>A BPF map lvsd created (BPF_MAP_CREATE); it lives until its last fd closes (ours, and the programs using it).</summary>
internal sealed unsafe class BpfMap : IDisposable
{
    private readonly FileDescriptorHandle _fd;

    private BpfMap(FileDescriptorHandle fd, int keySize, int valueSize, int copies)
    {
        _fd = fd;
        KeySize = keySize;
        ValueSize = valueSize;
        ValueBytes = valueSize * copies;
    }

    public int Fd => _fd.Fd;

    public int KeySize { get; }

    public int ValueSize { get; }

    /// <summary>What a lookup or update moves: one value, or for a per-CPU map one per possible CPU (8-byte aligned each).</summary>
    public int ValueBytes { get; }

    public static BpfMap Create(uint type, int keySize, int valueSize, int maxEntries, uint flags, string name, int perCpuCopies = 1)
    {
        var attr = new Interop.BpfMapCreateAttr
        {
            MapType = type,
            KeySize = (uint)keySize,
            ValueSize = (uint)valueSize,
            MaxEntries = (uint)maxEntries,
            MapFlags = flags,
        };
        CopyName(name, attr.MapName);
        var fd = Interop.Bpf(Interop.BPF_MAP_CREATE, ref attr);
        if (fd < 0)
        {
            ThrowHelper.ThrowErrno($"bpf(BPF_MAP_CREATE {name})", Interop.Errors.Last);
        }

        return new BpfMap(new FileDescriptorHandle(fd), keySize, valueSize, perCpuCopies);
    }

    /// <summary>Inserts or replaces; returns errno (0 on success).</summary>
    public int Update(ReadOnlySpan<byte> key, ReadOnlySpan<byte> value)
    {
        Check(key, value);
        fixed (byte* k = key)
        fixed (byte* v = value)
        {
            var attr = new Interop.BpfMapElemAttr { MapFd = (uint)Fd, Key = (ulong)k, Value = (ulong)v, Flags = Interop.BPF_ANY };
            return Interop.Bpf(Interop.BPF_MAP_UPDATE_ELEM, ref attr) == 0 ? 0 : Interop.Errors.Last;
        }
    }

    /// <summary>Removes; returns errno (0 on success, ENOENT when absent).</summary>
    public int Delete(ReadOnlySpan<byte> key)
    {
        Check(key, default);
        fixed (byte* k = key)
        {
            var attr = new Interop.BpfMapElemAttr { MapFd = (uint)Fd, Key = (ulong)k };
            return Interop.Bpf(Interop.BPF_MAP_DELETE_ELEM, ref attr) == 0 ? 0 : Interop.Errors.Last;
        }
    }

    /// <summary>True when the key is present (the value copied into <paramref name="value"/>).</summary>
    public bool TryLookup(ReadOnlySpan<byte> key, Span<byte> value)
    {
        Check(key, value);
        fixed (byte* k = key)
        fixed (byte* v = value)
        {
            var attr = new Interop.BpfMapElemAttr { MapFd = (uint)Fd, Key = (ulong)k, Value = (ulong)v };
            return Interop.Bpf(Interop.BPF_MAP_LOOKUP_ELEM, ref attr) == 0;
        }
    }

    private void Check(ReadOnlySpan<byte> key, ReadOnlySpan<byte> value)
    {
        if (key.Length != KeySize || (!value.IsEmpty && value.Length != ValueBytes))
        {
            throw new ArgumentException("key or value of the wrong size");
        }
    }

    internal static void CopyName(string name, byte* destination)
    {
        // BPF object names: up to 15 characters of [A-Za-z0-9_.], NUL-terminated (bpf_obj_name_cpy).
        for (var i = 0; i < name.Length && i < 15; i++)
        {
            destination[i] = (byte)name[i];
        }
    }

    public void Dispose() => _fd.Dispose();
}
