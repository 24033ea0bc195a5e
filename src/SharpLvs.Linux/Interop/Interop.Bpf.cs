using System.Runtime.InteropServices;

namespace SharpLvs.Linux;

internal static partial class Interop
{
    // enum bpf_cmd (include/uapi/linux/bpf.h).
    internal const int BPF_MAP_CREATE = 0;
    internal const int BPF_MAP_LOOKUP_ELEM = 1;
    internal const int BPF_MAP_UPDATE_ELEM = 2;
    internal const int BPF_MAP_DELETE_ELEM = 3;
    internal const int BPF_PROG_LOAD = 5;
    internal const int BPF_PROG_TEST_RUN = 10;
    internal const int BPF_LINK_CREATE = 28;

    // enum bpf_map_type, bpf_prog_type, bpf_attach_type.
    internal const uint BPF_MAP_TYPE_HASH = 1;
    internal const uint BPF_MAP_TYPE_ARRAY = 2;
    internal const uint BPF_MAP_TYPE_PERCPU_ARRAY = 6;
    internal const uint BPF_MAP_TYPE_LRU_HASH = 9;
    internal const uint BPF_MAP_TYPE_XSKMAP = 17;
    internal const uint BPF_PROG_TYPE_XDP = 6;
    internal const uint BPF_XDP = 37;

    internal const uint BPF_F_NO_PREALLOC = 1;
    internal const ulong BPF_ANY = 0;

    // XDP attach modes (include/uapi/linux/if_link.h).
    internal const uint XDP_FLAGS_SKB_MODE = 1 << 1;
    internal const uint XDP_FLAGS_DRV_MODE = 1 << 2;

    /// <summary>union bpf_attr, BPF_MAP_CREATE part.</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal unsafe struct BpfMapCreateAttr
    {
        public uint MapType;
        public uint KeySize;
        public uint ValueSize;
        public uint MaxEntries;
        public uint MapFlags;
        public uint InnerMapFd;
        public uint NumaNode;
        public fixed byte MapName[16];
    }

    /// <summary>union bpf_attr, BPF_MAP_*_ELEM part.</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct BpfMapElemAttr
    {
        public uint MapFd;
        public uint Pad;
        public ulong Key;
        public ulong Value;
        public ulong Flags;
    }

    /// <summary>union bpf_attr, BPF_PROG_LOAD part (up to expected_attach_type).</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal unsafe struct BpfProgLoadAttr
    {
        public uint ProgType;
        public uint InsnCount;
        public ulong Insns;
        public ulong License;
        public uint LogLevel;
        public uint LogSize;
        public ulong LogBuffer;
        public uint KernVersion;
        public uint ProgFlags;
        public fixed byte ProgName[16];
        public uint ProgIfIndex;
        public uint ExpectedAttachType;
    }

    /// <summary>union bpf_attr, BPF_LINK_CREATE part (target is an ifindex for BPF_XDP).</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct BpfLinkCreateAttr
    {
        public uint ProgFd;
        public uint TargetIfIndex;
        public uint AttachType;
        public uint Flags;
    }

    /// <summary>union bpf_attr, BPF_PROG_TEST_RUN part.</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct BpfTestRunAttr
    {
        public uint ProgFd;
        public uint Retval;
        public uint DataSizeIn;
        public uint DataSizeOut;
        public ulong DataIn;
        public ulong DataOut;
        public uint Repeat;
        public uint Duration;
        public uint CtxSizeIn;
        public uint CtxSizeOut;
        public ulong CtxIn;
        public ulong CtxOut;
        public uint Flags;
        public uint Cpu;
        public uint BatchSize;
        public uint Pad;
    }

    // __NR_bpf (arch/x86/entry/syscalls/syscall_64.tbl, include/uapi/asm-generic/unistd.h).
    private static long SysBpf => RuntimeInformation.ProcessArchitecture == Architecture.X64 ? 321 : 280;

    [LibraryImport(Libraries.Libc, EntryPoint = "syscall", SetLastError = true)]
    private static unsafe partial long Syscall(long number, long command, void* attr, long size);

    /// <summary>bpf(2): returns the result (a new fd for create/load commands) or -1 with errno.</summary>
    internal static unsafe int Bpf<T>(int command, ref T attr)
        where T : unmanaged
    {
        fixed (T* pointer = &attr)
        {
            return (int)Syscall(SysBpf, command, pointer, sizeof(T));
        }
    }
}
