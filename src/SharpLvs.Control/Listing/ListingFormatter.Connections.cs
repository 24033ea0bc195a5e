using System.Globalization;
using System.Text;
using SharpLvs.Control.Ipvsadm;

namespace SharpLvs.Control.Listing;

public sealed partial class ListingFormatter
{
    /// <summary>
    /// list_conn and print_conn (ipvsadm.c): the fixed header, then one row per entry with the
    /// expiry as <c>%02d:%02d</c> (minutes are not capped, so 15 hours print as 900:00).
    /// With --persistent-conn the header gains "pe name" and "pe_data", but only entries that
    /// carry persistence-engine data get the wider row: ipvsadm picks the format by how many
    /// fields sscanf read from the proc line.
    /// </summary>
    public string FormatConnections(IReadOnlyList<ConnectionView> connections, ListFormat format)
    {
        ArgumentNullException.ThrowIfNull(connections);
        var persistent = (format & ListFormat.PersistentConn) != 0;
        var text = new StringBuilder(64 + (connections.Count * 80));
        text.Append("IPVS connection entries\n");
        text.Append(persistent
            ? $"pro expire {"state",-11} {"source",-18} {"virtual",-18} {"destination",-18} {"pe name",-16} pe_data\n"
            : $"pro expire {"state",-11} {"source",-18} {"virtual",-18} destination\n");
        foreach (var c in connections)
        {
            // sscanf's %s stops at spaces, so a name with one could never reach ipvsadm whole.
            var protocol = c.ProtocolNumber;
            var source = AddressPort(c.ClientAddress, c.ClientPort, protocol, format);
            var target = AddressPort(c.VirtualAddress, c.VirtualPort, protocol, format);
            var destination = AddressPort(c.DestinationAddress, c.DestinationPort, protocol, format);
            var seconds = Math.Max(0, c.ExpiresSeconds);
            var expire = string.Create(CultureInfo.InvariantCulture, $"{seconds / 60:00}:{seconds % 60:00}");
            if (persistent && c.PeName.Length != 0)
            {
                text.Append(CultureInfo.InvariantCulture, $"{c.Protocol,-3} {expire,-6} {c.State,-11} {source,-18} {target,-18} {destination,-16} {c.PeName,-18} {c.PeData}\n");
            }
            else
            {
                text.Append(CultureInfo.InvariantCulture, $"{c.Protocol,-3} {expire,-6} {c.State,-11} {source,-18} {target,-18} {destination}\n");
            }
        }

        return text.ToString();
    }
}
