using System.Runtime.CompilerServices;

namespace SharpLvs.Linux.Tests.InteropLayout;

public class StructLayoutTests
{
    // Sizes of the kernel/libc structs on LP64 Linux (x86-64, arm64).
    [Fact]
    public void Sizes_MatchKernelHeaders()
    {
        Assert.Equal(32, Unsafe.SizeOf<Native.TPacket2Hdr>());
        Assert.Equal(16, Unsafe.SizeOf<Native.TPacketReq>());
        Assert.Equal(20, Unsafe.SizeOf<Native.SockAddrLl>());
        Assert.Equal(10, Unsafe.SizeOf<Native.VirtioNetHdr>());
        Assert.Equal(16, Unsafe.SizeOf<Native.IoVec>());
        Assert.Equal(56, Unsafe.SizeOf<Native.MsgHdr>());
        Assert.Equal(64, Unsafe.SizeOf<Native.MMsgHdr>());
        Assert.Equal(8, Unsafe.SizeOf<Native.PollFd>());
        Assert.Equal(40, Unsafe.SizeOf<Native.IfReq>());
        Assert.Equal(8, Unsafe.SizeOf<Native.EthtoolValue>());
        Assert.Equal(12, Unsafe.SizeOf<Native.UCred>());
        Assert.Equal(8, Unsafe.SizeOf<Native.TPacketStats>());
    }

    [Fact]
    public void TPacketAlign_RoundsToSixteen()
    {
        Assert.Equal(Native.TPacket2HeaderLength, Native.TPacketAlign(Unsafe.SizeOf<Native.TPacket2Hdr>()));
        Assert.Equal(80, Native.TPacketAlign(32 + 20 + 14));
    }
}
