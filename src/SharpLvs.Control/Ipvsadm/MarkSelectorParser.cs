using SharpLvs.Core.Services;
using SharpLvs.Packets;

namespace SharpLvs.Control.Ipvsadm;

/// <summary>
/// The packet selector of <c>--add-mark</c>/<c>--del-mark</c>: <c>ADDR[/PREFIX][:PORT[-PORT]]</c>,
/// an IPv6 address in brackets as ipvsadm writes it (<c>[fd00::]/64:80-443</c>; the prefix may
/// also stand inside the brackets). No prefix means the host alone; no port means every port.
/// Host bits beyond the prefix are cleared, as a route's destination is.
/// </summary>
internal static class MarkSelectorParser
{
    public static FirewallMarkRule? Parse(string text, byte protocol, uint mark, INameService names)
    {
        if (text.Length == 0)
        {
            return null;
        }

        string addressText;
        string? prefixText = null;
        string? portText = null;
        if (text[0] == '[')
        {
            var close = text.IndexOf(']', StringComparison.Ordinal);
            if (close < 0)
            {
                return null;
            }

            addressText = text[1..close];
            var rest = text[(close + 1)..];
            var slashInside = addressText.IndexOf('/', StringComparison.Ordinal);
            if (slashInside >= 0)
            {
                prefixText = addressText[(slashInside + 1)..];
                addressText = addressText[..slashInside];
            }

            if (rest.StartsWith('/') && prefixText is null)
            {
                var colon = rest.IndexOf(':', StringComparison.Ordinal);
                prefixText = colon < 0 ? rest[1..] : rest[1..colon];
                rest = colon < 0 ? "" : rest[colon..];
            }

            if (rest.Length > 0)
            {
                if (rest[0] != ':')
                {
                    return null;
                }

                portText = rest[1..];
            }
        }
        else if (text.Count(c => c == ':') > 1)
        {
            // A bare IPv6 address (with an optional prefix) selects every port.
            var slash = text.IndexOf('/', StringComparison.Ordinal);
            addressText = slash < 0 ? text : text[..slash];
            prefixText = slash < 0 ? null : text[(slash + 1)..];
        }
        else
        {
            var colon = text.IndexOf(':', StringComparison.Ordinal);
            var host = colon < 0 ? text : text[..colon];
            portText = colon < 0 ? null : text[(colon + 1)..];
            var slash = host.IndexOf('/', StringComparison.Ordinal);
            addressText = slash < 0 ? host : host[..slash];
            prefixText = slash < 0 ? null : host[(slash + 1)..];
        }

        InetAddress address;
        if (AddressParser.TryParseIPv6(addressText, out var v6))
        {
            address = v6;
        }
        else if (CNumbers.TryInetAton(addressText, out var v4) && addressText.Count(c => c == '.') == 3)
        {
            address = InetAddress.FromV4(v4);
        }
        else
        {
            return null;
        }

        var maxPrefix = address.IsIPv4 ? 32 : 128;
        var prefix = maxPrefix;
        if (prefixText is not null)
        {
            if (!CNumbers.TryParseRange(prefixText, 0, maxPrefix, out var parsed) || !prefixText.All(char.IsAsciiDigit))
            {
                return null;
            }

            prefix = (int)parsed;
        }

        ushort first = 0;
        ushort last = ushort.MaxValue;
        if (portText is not null)
        {
            var dash = portText.IndexOf('-', StringComparison.Ordinal);
            if (!TryPort(dash < 0 ? portText : portText[..dash], protocol, names, out first))
            {
                return null;
            }

            last = first;
            if (dash >= 0 && (!TryPort(portText[(dash + 1)..], protocol, names, out last) || last < first))
            {
                return null;
            }
        }

        return new FirewallMarkRule(protocol, AddressPrefix.Mask(address, prefix), prefix, first, last, mark);
    }

    private static bool TryPort(string text, byte protocol, INameService names, out ushort port)
    {
        port = 0;
        if (text.Length == 0)
        {
            return false;
        }

        if (CNumbers.TryParseRange(text, 0, 65535, out var number))
        {
            port = (ushort)number;
            return true;
        }

        return names.TryGetPort(text, protocol, out port);
    }
}
