using SharpLvs.Packets;

namespace SharpLvs.Linux.Netlink;

/// <summary>Adds and removes interface addresses over rtnetlink (RTM_NEWADDR / RTM_DELADDR), as <c>ip addr add|del</c>.</summary>
public sealed class AddressEditor : IDisposable
{
    private readonly NetlinkSocket _socket = new();

    /// <summary>
    /// Adds <paramref name="address"/>/<paramref name="prefixLength"/> on <paramref name="ifIndex"/>
    /// (IPv6 without duplicate address detection, so it is usable at once); 0 or the kernel's
    /// negative errno (-EEXIST when it is there already).
    /// </summary>
    public int Add(int ifIndex, InetAddress address, int prefixLength, string? label = null)
    {
        var request = Request(Interop.RTM_NEWADDR, Interop.NLM_F_CREATE | 0x200 /* NLM_F_EXCL */, ifIndex, address, prefixLength);
        if (!address.IsIPv4)
        {
            request.AddAttribute(Interop.IFA_FLAGS, Interop.IFA_F_NODAD);
        }
        else if (label is not null)
        {
            var bytes = new byte[label.Length + 1];
            System.Text.Encoding.ASCII.GetBytes(label, bytes);
            request.AddAttribute(Interop.IFA_LABEL, bytes);
        }

        return _socket.Request(request, static _ => { });
    }

    /// <summary>Removes the address; 0 or the kernel's negative errno (-EADDRNOTAVAIL when it is not there).</summary>
    public int Delete(int ifIndex, InetAddress address, int prefixLength) =>
        _socket.Request(Request(Interop.RTM_DELADDR, 0, ifIndex, address, prefixLength), static _ => { });

    private NetlinkMessageBuilder Request(ushort type, ushort flags, int ifIndex, InetAddress address, int prefixLength)
    {
        var request = new NetlinkMessageBuilder(type, (ushort)(Interop.NLM_F_REQUEST | Interop.NLM_F_ACK | flags), _socket.NextSequence());
        var message = new Interop.IfAddrMsg
        {
            Family = (byte)(address.IsIPv4 ? Interop.AF_INET : Interop.AF_INET6),
            PrefixLength = (byte)prefixLength,
            Index = ifIndex,
        };
        request.Append(ref message)
            .AddAttribute(Interop.IFA_LOCAL, address)
            .AddAttribute(Interop.IFA_ADDRESS, address);
        return request;
    }

    public void Dispose() => _socket.Dispose();
}
