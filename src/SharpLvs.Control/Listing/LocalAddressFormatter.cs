using System.Globalization;
using System.Text;

namespace SharpLvs.Control.Listing;

/// <summary>
/// <c>--get-laddr</c> as the FULLNAT ipvsadm prints it (Alibaba's LVS, carried on by DPVS:
/// list_laddrs_print_title/_service/_laddr): a title, then per service its VIP:VPORT
/// (always numeric) and the number of local addresses, then one line per address with its
/// conflicts and connections.
/// </summary>
public static class LocalAddressFormatter
{
    public static string Format(ListingData data)
    {
        ArgumentNullException.ThrowIfNull(data);
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"{"VIP:VPORT",-20} {"TOTAL",-8} {"LADDR",-20} {"CONFLICTS",-10} {"CONNS",-10}\n");
        foreach (var service in data.Services)
        {
            var key = service.Rule.Key;
            if (key.FirewallMark != 0)
            {
                continue;
            }

            var name = key.Address.IsIPv4 ? $"{key.Address}:{key.Port}" : $"[{key.Address}]:{key.Port}";
            text.Append(CultureInfo.InvariantCulture, $"{name,-20} {service.LocalAddresses.Count,-8} \n");
            foreach (var local in service.LocalAddresses)
            {
                text.Append(CultureInfo.InvariantCulture, $"{"",-20} {"",-8} {local.Address,-20} {local.Conflicts,-10} {local.Connections,-10}\n");
            }
        }

        return text.ToString();
    }
}
