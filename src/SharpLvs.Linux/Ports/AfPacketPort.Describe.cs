using System.Diagnostics;
using System.Runtime.CompilerServices;
using SharpLvs.Core.Pipeline;
using SharpLvs.Packets;

namespace SharpLvs.Linux.Ports;

/// <summary>
/// Turning a ring slot into a <see cref="PacketDescriptor"/>: where the frame is, how it
/// arrived (packet type, VLAN, partial checksum), and the whole frame behind a slot the
/// kernel marked TP_STATUS_COPY.
/// </summary>
public sealed unsafe partial class AfPacketPort
{
    private void Describe(ref PacketDescriptor d, Interop.TPacket2Hdr* header, PacketRing ring)
    {
        var frameBase = (byte*)header;
        int mac = header->Mac;
        d = default;
        d.IngressIfIndex = ring.IfIndex;
        d.Class = (PacketClass)((Interop.SockAddrLl*)(frameBase + Interop.TPacket2HeaderLength))->PktType;
        var status = header->Status;
        if ((status & Interop.TP_STATUS_COPY) != 0 && DescribeCopy(ref d, ring, status))
        {
            return;
        }

        d.Buffer = (nint)(frameBase + mac - _headroom);
        d.Offset = _headroom;
        d.Capacity = ring.FrameSize - mac + _headroom;
        d.Length = (int)Math.Min(header->SnapLen, (uint)(ring.FrameSize - mac));
        DescribeOffloads(ref d, frameBase + mac, status);

        if (header->SnapLen < header->Len)
        {
            d.Verdict = Verdict.Drop;
            d.Reason = DropReason.FrameTooLarge;
            _truncated++;
        }
    }

    /// <summary>The whole frame behind a TP_STATUS_COPY slot, from the socket's receive queue.</summary>
    private bool DescribeCopy(ref PacketDescriptor d, PacketRing ring, uint status)
    {
        var length = ring.ReceiveCopy();
        if (length < 14 || length > PacketRing.CopyFrameCapacity)
        {
            // Queue empty (cannot happen: the kernel queues the skb before it publishes the
            // slot) or larger than the buffer (consumed, cut): the slot is dropped as truncated.
            return false;
        }

        ring.CopyBufferBusy = true;
        var headroom = ring.CopyHeadroom;
        d.Buffer = ring.CopyBuffer;
        d.Offset = headroom;
        d.Capacity = ring.CopyBufferLength;
        d.Length = length;
        DescribeOffloads(ref d, (byte*)ring.CopyBuffer + headroom, status);
        _copied++;
        return true;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void DescribeOffloads(ref PacketDescriptor d, byte* frame, uint status)
    {
        // tpacket_rcv writes the virtio_net_hdr right before the frame (h.raw + macoff -
        // sizeof(struct virtio_net_hdr)), packet_recvmsg right before the data it copies;
        // csum_start counts from the MAC header for SOCK_RAW.
        var vnet = (Interop.VirtioNetHdr*)(frame - sizeof(Interop.VirtioNetHdr));
        if ((vnet->Flags & Interop.VIRTIO_NET_HDR_F_NEEDS_CSUM) != 0)
        {
            d.NeedsChecksum = true;
            d.ChecksumStart = vnet->CsumStart;
            d.ChecksumOffset = vnet->CsumOffset;
        }
        else if ((status & Interop.TP_STATUS_CSUMNOTREADY) != 0)
        {
            // The ring's own flag for CHECKSUM_PARTIAL (TESTBED fact 1) without a usable
            // virtio header: find the transport checksum from the headers.
            d.NeedsChecksum = PartialChecksumLocator.TryLocate(d.Frame, out d.ChecksumStart, out d.ChecksumOffset);
        }

        var gso = (byte)(vnet->GsoType & ~Interop.VIRTIO_NET_HDR_GSO_ECN);
        if (gso != 0)
        {
            d.Gso = (GsoType)gso;
            d.GsoSize = vnet->GsoSize;
            d.GsoHeaderLength = vnet->HdrLen;
        }
    }
}
