using System.Net;
using System.Net.Sockets;
using SharpLvs.Packets;

namespace SharpLvs.Control.Ipvsadm;

/// <summary>
/// ipvsadm's parse_service: "host[:port]", "[ipv6]:port" or a bare IPv6 address. The IPv6 form
/// is tried on the whole text first; otherwise the text splits at its last ':' and the host is
/// a dotted address (inet_aton) or a name (gethostbyname, IPv4 only). The port is a number
/// 0..65535 or a service name for the protocol in force at that point of the command line.
/// </summary>
internal static class AddressParser
{
    public readonly record struct Parsed(InetAddress Address, ushort? Port);

    /// <summary>Null when ipvsadm would return SERVICE_NONE (then it reports the argument as illegal).</summary>
    public static Parsed? Parse(string text, byte protocol, INameService names)
    {
        if (text.Length == 0 || text.All(char.IsAsciiDigit))
        {
            return null;
        }

        var body = text;
        string? port = null;
        var bracketed = false;
        if (body[0] == '[')
        {
            var close = body.IndexOf(']', StringComparison.Ordinal);
            if (close < 0 || close + 1 >= body.Length || body[close + 1] != ':')
            {
                return null;
            }

            port = body[(close + 2)..];
            body = body[1..close];
            bracketed = true;
        }

        InetAddress address;
        if (TryParseIPv6(body, out var v6))
        {
            address = v6;
        }
        else
        {
            // Inside brackets the port was cut off already; a later ':' search finds none there.
            port = bracketed ? null : port;
            var colon = body.LastIndexOf(':');
            if (colon >= 0)
            {
                port = body[(colon + 1)..];
                body = body[..colon];
            }

            if (CNumbers.TryInetAton(body, out var v4))
            {
                address = InetAddress.FromV4(v4);
            }
            else if (!names.TryResolveHost(body, out address))
            {
                return null;
            }
        }

        if (port is null)
        {
            return new Parsed(address, null);
        }

        if (CNumbers.TryParseRange(port, 0, 65535, out var number))
        {
            return new Parsed(address, (ushort)number);
        }

        return names.TryGetPort(port, protocol, out var named) ? new Parsed(address, named) : null;
    }

    /// <summary>inet_pton(AF_INET6): hex groups and '::' only, no zone, no brackets.</summary>
    public static bool TryParseIPv6(string text, out InetAddress address)
    {
        address = default;
        if (!text.Contains(':', StringComparison.Ordinal) ||
            text.AsSpan().IndexOfAny("%[]/ ") >= 0 ||
            !IPAddress.TryParse(text, out var parsed) ||
            parsed.AddressFamily != AddressFamily.InterNetworkV6)
        {
            return false;
        }

        Span<byte> bytes = stackalloc byte[16];
        parsed.TryWriteBytes(bytes, out _);
        address = InetAddress.FromV6(bytes);
        return true;
    }

    /// <summary>parse_netmask: dotted (inet_aton) or a host name; host-order result.</summary>
    public static bool TryParseNetmask(string text, INameService names, out uint mask)
    {
        mask = 0;
        if (CNumbers.TryInetAton(text, out mask))
        {
            return true;
        }

        if (names.TryResolveHost(text, out var resolved))
        {
            mask = resolved.V4;
            return true;
        }

        return false;
    }
}
