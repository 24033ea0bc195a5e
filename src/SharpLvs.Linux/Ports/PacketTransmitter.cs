using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using SharpLvs.Core.Pipeline;

namespace SharpLvs.Linux.Ports;

/// <summary>
/// The sending half of an <see cref="AfPacketPort"/>: one AF_PACKET socket with protocol 0
/// (it receives nothing), PACKET_QDISC_BYPASS (straight to the driver, as a forwarding
/// plane wants; the port itself is the queue) and PACKET_VNET_HDR (each message starts with
/// a virtio_net_hdr, so partial checksums and super-frames are finished by the kernel or
/// the device). One sendmmsg per batch; the iovecs point into the RX ring: no copy in user space.
/// </summary>
internal sealed unsafe class PacketTransmitter : IDisposable
{
    private readonly FileDescriptorHandle _socket;
    private Interop.MMsgHdr* _messages;
    private Interop.IoVec* _iovecs;
    private Interop.SockAddrLl* _addresses;
    private int _capacity;
    private int _addressCount;

    public PacketTransmitter()
    {
        _socket = Interop.OpenSocket(Interop.AF_PACKET, Interop.SOCK_RAW, 0, "socket(AF_PACKET, tx)");
        try
        {
            Interop.SetIntOption(_socket, Interop.SOL_PACKET, Interop.PACKET_QDISC_BYPASS, 1, "PACKET_QDISC_BYPASS");
            Interop.SetIntOption(_socket, Interop.SOL_PACKET, Interop.PACKET_VNET_HDR, 1, "PACKET_VNET_HDR (tx)");
        }
        catch
        {
            _socket.Dispose();
            throw;
        }
    }

    public long Transmitted { get; private set; }

    /// <summary>Messages the kernel refused for lack of room (EAGAIN, ENOBUFS): a full device queue.</summary>
    public long Busy { get; private set; }

    /// <summary>Messages refused for any other reason (interface down, bad header, too big).</summary>
    public long Errors { get; private set; }

    public int LastErrno { get; private set; }

    /// <summary>Sends every Transmit-verdict frame of the batch; never throws.</summary>
    public void Send(PacketBatch batch)
    {
        var items = batch.Items;
        var count = Math.Min(batch.Count, items.Length);
        if (count > _capacity)
        {
            Grow(items.Length);
        }

        var messages = 0;
        _addressCount = 0;
        for (var i = 0; i < count; i++)
        {
            ref var d = ref items[i];
            if (d.Verdict != Verdict.Transmit || d.Length < 14 || d.Offset < sizeof(Interop.VirtioNetHdr))
            {
                continue;
            }

            var frame = (byte*)d.Buffer + d.Offset;
            var vnet = (Interop.VirtioNetHdr*)(frame - sizeof(Interop.VirtioNetHdr));
            WriteVirtioHeader(vnet, in d);
            Prepare(messages, vnet, d.Length, d.EgressIfIndex, frame);
            messages++;
        }

        Flush(messages);
    }

    /// <summary>One frame for the control plane (gratuitous ARP, neighbour advertisements).</summary>
    public bool SendOne(int ifIndex, ReadOnlySpan<byte> frame)
    {
        if (frame.Length < 14)
        {
            return false;
        }

        Interop.VirtioNetHdr vnet = default;
        var iov = stackalloc Interop.IoVec[2];
        Interop.SockAddrLl address = default;
        Interop.MMsgHdr message = default;
        fixed (byte* bytes = frame)
        {
            iov[0] = new Interop.IoVec { Base = &vnet, Length = (nuint)sizeof(Interop.VirtioNetHdr) };
            iov[1] = new Interop.IoVec { Base = bytes, Length = (nuint)frame.Length };
            FillAddress(&address, ifIndex, bytes);
            message.Header.Name = &address;
            message.Header.NameLength = sizeof(Interop.SockAddrLl);
            message.Header.Iov = iov;
            message.Header.IovLength = 2;
            return Interop.SendMMsg(_socket.Fd, &message, 1, 0) == 1;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void WriteVirtioHeader(Interop.VirtioNetHdr* vnet, in PacketDescriptor d)
    {
        *vnet = default;
        if (d.NeedsChecksum)
        {
            vnet->Flags = Interop.VIRTIO_NET_HDR_F_NEEDS_CSUM;
            vnet->CsumStart = d.ChecksumStart;
            vnet->CsumOffset = d.ChecksumOffset;
        }

        if (d.Gso != GsoType.None)
        {
            vnet->GsoType = (byte)d.Gso;
            vnet->GsoSize = d.GsoSize;
            vnet->HdrLen = d.GsoHeaderLength;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void Prepare(int index, Interop.VirtioNetHdr* vnet, int length, int ifIndex, byte* frame)
    {
        _iovecs[index] = new Interop.IoVec { Base = vnet, Length = (nuint)(length + sizeof(Interop.VirtioNetHdr)) };

        // A batch mostly leaves by one interface with one ethertype: messages share the
        // address of the previous message when it matches, so it is written once per run.
        var protocol = Unsafe.ReadUnaligned<ushort>(frame + 12);
        Interop.SockAddrLl* address;
        if (_addressCount > 0 && _addresses[_addressCount - 1].IfIndex == ifIndex && _addresses[_addressCount - 1].Protocol == protocol)
        {
            address = &_addresses[_addressCount - 1];
        }
        else
        {
            address = &_addresses[_addressCount++];
            FillAddress(address, ifIndex, frame);
        }

        ref var header = ref _messages[index].Header;
        header.Name = address;
        header.NameLength = sizeof(Interop.SockAddrLl);
        header.Iov = &_iovecs[index];
        header.IovLength = 1;
        header.Control = null;
        header.ControlLength = 0;
        header.Flags = 0;
    }

    private static void FillAddress(Interop.SockAddrLl* address, int ifIndex, byte* frame)
    {
        *address = default;
        address->Family = Interop.AF_PACKET;

        // The frame's own ethertype, still in network order: packet_snd makes it skb->protocol,
        // which checksum completion and GSO segmentation dispatch on.
        address->Protocol = Unsafe.ReadUnaligned<ushort>(frame + 12);
        address->IfIndex = ifIndex;
        address->HaLen = 6;
    }

    private void Flush(int messages)
    {
        var sent = 0;

        // Each failed call skips exactly the message the kernel refused, so this loop makes at
        // most `messages` system calls.
        while (sent < messages)
        {
            var result = Interop.SendMMsg(_socket.Fd, _messages + sent, (uint)(messages - sent), Interop.MSG_DONTWAIT);
            if (result > 0)
            {
                sent += result;
                Transmitted += result;
                continue;
            }

            var errno = Interop.Errors.Last;
            LastErrno = errno;
            if (errno is Interop.Errors.EAGAIN or Interop.Errors.ENOBUFS)
            {
                Busy++;
            }
            else
            {
                Errors++;
            }

            sent++;
        }
    }

    private void Grow(int capacity)
    {
        Free();
        _messages = (Interop.MMsgHdr*)NativeMemory.AllocZeroed((nuint)capacity, (nuint)sizeof(Interop.MMsgHdr));
        _iovecs = (Interop.IoVec*)NativeMemory.AllocZeroed((nuint)capacity, (nuint)sizeof(Interop.IoVec));
        _addresses = (Interop.SockAddrLl*)NativeMemory.AllocZeroed((nuint)capacity, (nuint)sizeof(Interop.SockAddrLl));
        _capacity = capacity;
    }

    private void Free()
    {
        NativeMemory.Free(_messages);
        NativeMemory.Free(_iovecs);
        NativeMemory.Free(_addresses);
        _messages = null;
        _iovecs = null;
        _addresses = null;
        _capacity = 0;
    }

    public void Dispose()
    {
        _socket.Dispose();
        Free();
    }
}
