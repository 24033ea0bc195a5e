using System.Runtime.InteropServices;

namespace SharpLvs.Linux.Guard;

/// <summary>
/// A libnftables context with its output and errors captured as text (nft_ctx_buffer_output
/// / nft_ctx_buffer_error), so a refused script explains itself. One script per call is one
/// kernel transaction: it applies whole or not at all. Thread-safe.
/// </summary>
internal sealed class NftContext : IDisposable
{
    private readonly Handle _context;
    private readonly Lock _lock = new();

    public NftContext()
    {
        nint context;
        try
        {
            context = Interop.NftCtxNew(Interop.NFT_CTX_DEFAULT);
        }
        catch (DllNotFoundException e)
        {
            throw new LinuxException($"{Interop.Libraries.Nftables} is not installed (apt-get install libnftables1)", e);
        }

        if (context == 0)
        {
            throw new LinuxException("nft_ctx_new failed");
        }

        _context = new Handle(context);
        _ = Interop.NftCtxBufferOutput(context);
        _ = Interop.NftCtxBufferError(context);
    }

    /// <summary>Runs an nft script; returns whether it applied, with nft's output and error text.</summary>
    public (bool Ok, string Output, string Error) Run(string script)
    {
        lock (_lock)
        {
            var context = _context.DangerousGetHandle();
            var result = Interop.NftRunCmdFromBuffer(context, script);
            var output = Marshal.PtrToStringUTF8(Interop.NftCtxGetOutputBuffer(context)) ?? string.Empty;
            var error = Marshal.PtrToStringUTF8(Interop.NftCtxGetErrorBuffer(context)) ?? string.Empty;
            return (result == 0, output, error.Trim());
        }
    }

    public void Dispose() => _context.Dispose();

    private sealed class Handle : SafeHandle
    {
        public Handle(nint context)
            : base(0, ownsHandle: true) => SetHandle(context);

        public override bool IsInvalid => handle == 0;

        protected override bool ReleaseHandle()
        {
            Interop.NftCtxFree(handle);
            return true;
        }
    }
}
