using System.Buffers.Binary;
using SharpLvs.Core.Services;
using SharpLvs.Packets;

namespace SharpLvs.Core.Pipeline;

/// <summary>
/// IPv6's ARP: a Neighbour Solicitation for a VIP lvsd answers (<see cref="ServiceTable.TryGetArpAnswer"/>:
/// a VIP on no interface, or on <c>lo</c>, which Linux's ndisc_recv_ns never answers on
/// another interface) becomes the Neighbour Advertisement in place (RFC 4861 §7.2.4) and goes
/// back out of the ingress interface. Every other solicitation is the host's.
/// </summary>
public sealed partial class PacketProcessor
{
    private const int NeighbourMessageLength = 24;
    private const int NeighbourTargetOffset = 8;
    private const int LinkLayerOptionLength = 8;
    private const int AdvertisementLength = NeighbourMessageLength + LinkLayerOptionLength;
    private const byte SourceLinkLayerOption = 1;
    private const byte TargetLinkLayerOption = 2;
    private const byte SolicitedFlag = 0x40;
    private const byte OverrideFlag = 0x20;
    private const byte NeighbourHopLimit = 255;

    // ff02::1 (all-nodes) and its Ethernet group 33:33:00:00:00:01 (RFC 2464 §7).
    private static readonly InetAddress AllNodes = InetAddress.FromHalves(0xFF02_0000_0000_0000UL, 1);
    private static readonly MacAddress AllNodesMac = new(0x3333_0000_0001UL);

    /// <summary>The cheap test the dispatch makes on every IPv6 frame: ICMPv6 type 135 right after the fixed header.</summary>
    private static bool IsNeighbourSolicitation(ReadOnlySpan<byte> l3) =>
        l3.Length >= Ipv6Header.HeaderLength + NeighbourMessageLength
        && l3[6] == IpProtocols.Icmpv6
        && l3[Ipv6Header.HeaderLength] == Icmpv6Types.NeighborSolicitation;

    private DropReason AnswerNeighbourSolicitation(ref PacketDescriptor packet, EthernetFrame eth, ServiceTable table, out Verdict verdict)
    {
        verdict = Verdict.PassToKernel;
        if (Ipv6Header.TryParse(eth.Payload, out var ip) != Ipv6ParseResult.Ok
            || ip.Payload.Length < NeighbourMessageLength
            || packet.Gso != GsoType.None)
        {
            return DropReason.None;
        }

        var message = ip.Payload;
        var target = InetAddress.FromV6(message[NeighbourTargetOffset..]);
        if (!table.TryGetArpAnswer(packet.IngressIfIndex, target, out var ourMac))
        {
            // Not ours, valid or not: the host's ndisc validates and answers (or discards) it.
            return DropReason.None;
        }

        var source = ip.Source;
        var duplicateAddressProbe = source.IsNone;
        if (!IsValidSolicitation(ref packet, ip, message, duplicateAddressProbe, out var requesterMac))
        {
            // RFC 4861 §7.1.1: silently discarded, as the host's ndisc would.
            verdict = Verdict.Drop;
            return DropReason.BadNeighbourSolicitation;
        }

        var l2 = eth.HeaderLength;
        var length = l2 + Ipv6Header.HeaderLength + AdvertisementLength;
        if (packet.Capacity - packet.Offset < length)
        {
            verdict = Verdict.Drop;
            return DropReason.NoHeadroom;
        }

        // §7.2.4: to the soliciting node, or, for a DAD probe (unspecified source), to
        // all-nodes with Solicited clear. Link-layer destination: the SLLA option if present,
        // else the frame's sender (a unicast NS may omit the option).
        var destination = duplicateAddressProbe ? AllNodes : source;
        eth.Destination = duplicateAddressProbe ? AllNodesMac : requesterMac.IsZero ? eth.Source : requesterMac;
        eth.Source = ourMac;

        packet.Length = length;
        var l3 = packet.Frame[l2..];
        BinaryPrimitives.WriteUInt32BigEndian(l3, 0x6000_0000);
        BinaryPrimitives.WriteUInt16BigEndian(l3[4..], AdvertisementLength);
        l3[6] = IpProtocols.Icmpv6;
        l3[7] = NeighbourHopLimit;
        target.WriteTo(l3[8..24]);
        destination.WriteTo(l3[24..40]);

        // The target stays where the solicitation had it (same offset in both messages).
        var advertisement = l3.Slice(Ipv6Header.HeaderLength, AdvertisementLength);
        advertisement[0] = Icmpv6Types.NeighborAdvertisement;
        advertisement[1] = 0;
        BinaryPrimitives.WriteUInt32BigEndian(advertisement[4..], 0);

        // Router flag clear: the VIP is a service address, not a router's. Override set: the
        // VIP is not anycast (§7.2.4).
        advertisement[4] = (byte)(OverrideFlag | (duplicateAddressProbe ? 0 : SolicitedFlag));
        advertisement[NeighbourMessageLength] = TargetLinkLayerOption;
        advertisement[NeighbourMessageLength + 1] = 1;
        ourMac.WriteTo(advertisement[(NeighbourMessageLength + 2)..]);
        Checksum.ComputeTransport(advertisement, target, destination, IpProtocols.Icmpv6, Icmpv6Header.ChecksumOffset);

        packet.NeedsChecksum = false;
        packet.EgressIfIndex = packet.IngressIfIndex;
        Counters.CountNeighbourAdvertisement();
        verdict = Verdict.Transmit;
        return DropReason.None;
    }

    /// <summary>
    /// RFC 4861 §7.1.1's checks (ndisc_recv_ns): hop limit 255 (the sender is on-link), code 0,
    /// a good checksum, a unicast target, options of non-zero length that fit; and for a DAD
    /// probe a solicited-node destination and no source link-layer option. Returns the
    /// source link-layer address, if the solicitation carries one.
    /// </summary>
    private static bool IsValidSolicitation(ref PacketDescriptor packet, Ipv6Header ip, ReadOnlySpan<byte> message, bool duplicateAddressProbe,
        out MacAddress requesterMac)
    {
        requesterMac = default;
        if (ip.HopLimit != NeighbourHopLimit || message[1] != 0 || message[NeighbourTargetOffset] == 0xFF || ip.Bytes[8] == 0xFF)
        {
            return false;
        }

        // A CHECKSUM_PARTIAL frame comes from this host's own stack, which fills it on the way out.
        if (!packet.NeedsChecksum && !Checksum.VerifyTransport(message, ip.Source, ip.Destination, IpProtocols.Icmpv6))
        {
            return false;
        }

        var options = message[NeighbourMessageLength..];
        while (options.Length > 0)
        {
            if (options.Length < 2)
            {
                return false;
            }

            var optionLength = options[1] * 8;
            if (optionLength == 0 || optionLength > options.Length)
            {
                return false;
            }

            if (options[0] == SourceLinkLayerOption)
            {
                // ndisc_opt_addr_data: an Ethernet address fills exactly one 8-octet unit.
                if (duplicateAddressProbe || optionLength != LinkLayerOptionLength)
                {
                    return false;
                }

                requesterMac = MacAddress.Read(options[2..]);
            }

            options = options[optionLength..];
        }

        return !duplicateAddressProbe || IsSolicitedNodeMulticast(ip.Destination);
    }

    /// <summary>ff02::1:ffXX:XXXX (RFC 4291 §2.7.1).</summary>
    private static bool IsSolicitedNodeMulticast(InetAddress address) =>
        address.High == 0xFF02_0000_0000_0000UL && (address.Low & 0xFFFF_FFFF_FF00_0000UL) == 0x0000_0001_FF00_0000UL;
}
