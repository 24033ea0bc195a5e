using System.Runtime.InteropServices;

namespace SharpLvs.Linux;

/// <summary>libnftables (nftables/libnftables.h): nft's command language, errors as text.</summary>
internal static partial class Interop
{
    internal const uint NFT_CTX_DEFAULT = 0;

    [LibraryImport(Libraries.Nftables, EntryPoint = "nft_ctx_new")]
    internal static partial nint NftCtxNew(uint flags);

    [LibraryImport(Libraries.Nftables, EntryPoint = "nft_ctx_free")]
    internal static partial void NftCtxFree(nint context);

    [LibraryImport(Libraries.Nftables, EntryPoint = "nft_ctx_buffer_output")]
    internal static partial int NftCtxBufferOutput(nint context);

    [LibraryImport(Libraries.Nftables, EntryPoint = "nft_ctx_buffer_error")]
    internal static partial int NftCtxBufferError(nint context);

    [LibraryImport(Libraries.Nftables, EntryPoint = "nft_ctx_get_output_buffer")]
    internal static partial nint NftCtxGetOutputBuffer(nint context);

    [LibraryImport(Libraries.Nftables, EntryPoint = "nft_ctx_get_error_buffer")]
    internal static partial nint NftCtxGetErrorBuffer(nint context);

    [LibraryImport(Libraries.Nftables, EntryPoint = "nft_run_cmd_from_buffer", StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int NftRunCmdFromBuffer(nint context, string buffer);
}
