using System.Runtime.InteropServices;
using System.Text;

namespace SharpLvs.Linux.Xdp;

/// <summary>
/// A loaded XDP program (BPF_PROG_LOAD) and its attachment to an interface through a BPF link
/// (BPF_LINK_CREATE, attach type BPF_XDP, native driver mode). A link belongs to its file
/// descriptor: when lvsd's last fd to it closes (a clean exit, a crash or kill -9 alike), the
/// kernel detaches the program, so a dead lvsd never leaves its steering behind to swallow
/// the traffic of services nobody serves any more.
/// </summary>
internal sealed unsafe class BpfProgram : IDisposable
{
    private const int LogSize = 1 << 20;
    private readonly FileDescriptorHandle _fd;

    private BpfProgram(FileDescriptorHandle fd) => _fd = fd;

    public int Fd => _fd.Fd;

    /// <summary>Loads an XDP program; on a verifier refusal the exception carries the verifier's log.</summary>
    public static BpfProgram LoadXdp(ReadOnlySpan<BpfInstruction> program, string name)
    {
        var code = BpfAssembler.Encode(program);
        var license = "Dual MIT/GPL\0"u8;
        fixed (byte* insns = code)
        fixed (byte* licenseText = license)
        {
            var attr = new Interop.BpfProgLoadAttr
            {
                ProgType = Interop.BPF_PROG_TYPE_XDP,
                InsnCount = (uint)program.Length,
                Insns = (ulong)insns,
                License = (ulong)licenseText,
                ExpectedAttachType = Interop.BPF_XDP,
            };
            BpfMap.CopyName(name, attr.ProgName);
            var fd = Interop.Bpf(Interop.BPF_PROG_LOAD, ref attr);
            if (fd >= 0)
            {
                return new BpfProgram(new FileDescriptorHandle(fd));
            }

            var errno = Interop.Errors.Last;

            // Load again with the verifier's log on: it says which instruction it refused and why.
            var log = (byte*)NativeMemory.AllocZeroed(LogSize);
            try
            {
                attr.LogLevel = 1;
                attr.LogSize = LogSize;
                attr.LogBuffer = (ulong)log;
                fd = Interop.Bpf(Interop.BPF_PROG_LOAD, ref attr);
                if (fd >= 0)
                {
                    return new BpfProgram(new FileDescriptorHandle(fd));
                }

                var text = Encoding.UTF8.GetString(MemoryMarshal.CreateReadOnlySpanFromNullTerminated(log)).TrimEnd();
                throw new LinuxException($"bpf(BPF_PROG_LOAD {name}): {Interop.Errors.Describe(errno)}; verifier log:\n{Tail(text, 4000)}");
            }
            finally
            {
                NativeMemory.Free(log);
            }
        }
    }

    /// <summary>
    /// Attaches to <paramref name="ifIndex"/> in native (driver) mode, or in generic mode (the
    /// kernel runs the program on the skb in netif_receive_skb, after RPS, for any device);
    /// the returned link detaches when disposed or when lvsd dies.
    /// </summary>
    public FileDescriptorHandle AttachXdp(int ifIndex, bool generic = false)
    {
        var attr = new Interop.BpfLinkCreateAttr
        {
            ProgFd = (uint)Fd,
            TargetIfIndex = (uint)ifIndex,
            AttachType = Interop.BPF_XDP,
            Flags = generic ? Interop.XDP_FLAGS_SKB_MODE : Interop.XDP_FLAGS_DRV_MODE,
        };
        var fd = Interop.Bpf(Interop.BPF_LINK_CREATE, ref attr);
        if (fd < 0)
        {
            ThrowHelper.ThrowErrno($"bpf(BPF_LINK_CREATE xdp, {(generic ? "generic" : "native")} mode, ifindex {ifIndex})", Interop.Errors.Last);
        }

        return new FileDescriptorHandle(fd);
    }

    /// <summary>BPF_PROG_TEST_RUN on one frame: the program's return value (XDP action).</summary>
    public uint TestRun(ReadOnlySpan<byte> frame) => TestRun(frame, out _);

    /// <summary>BPF_PROG_TEST_RUN on one frame: the XDP action and the frame as the program left it.</summary>
    public uint TestRun(ReadOnlySpan<byte> frame, out byte[] result)
    {
        var output = new byte[frame.Length + 256];
        fixed (byte* input = frame)
        fixed (byte* data = output)
        {
            var attr = new Interop.BpfTestRunAttr
            {
                ProgFd = (uint)Fd,
                DataSizeIn = (uint)frame.Length,
                DataIn = (ulong)input,
                DataSizeOut = (uint)output.Length,
                DataOut = (ulong)data,
                Repeat = 1,
            };
            if (Interop.Bpf(Interop.BPF_PROG_TEST_RUN, ref attr) != 0)
            {
                ThrowHelper.ThrowErrno("bpf(BPF_PROG_TEST_RUN)", Interop.Errors.Last);
            }

            result = output.AsSpan(0, (int)Math.Min(attr.DataSizeOut, (uint)output.Length)).ToArray();
            return attr.Retval;
        }
    }

    private static string Tail(string text, int length) => text.Length <= length ? text : "..." + text[^length..];

    public void Dispose() => _fd.Dispose();
}
