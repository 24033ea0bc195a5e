using SharpLvs.Packets;

namespace SharpLvs.Control.Listing;

/// <summary>
/// The order ipvsadm lists in (libipvs.c ipvs_cmp_services / ipvs_cmp_dests, sorted by glibc's
/// qsort). Addresses compare as <c>(int)(ntohl(a) - ntohl(b))</c>, a 32-bit difference that
/// wraps, so the order is not numeric (207.175.44.110 sorts before 10.0.0.1) and not even
/// transitive; the result then depends on the sort algorithm, so <see cref="Sort{T}"/> is the
/// top-down merge sort glibc's qsort runs for tables of this size (msort.c).
/// </summary>
public static class IpvsSortOrder
{
    private const int AfInet = 2;
    private const int AfInet6 = 10;

    /// <summary>ipvs_cmp_services: fwmark, family, protocol, address, port.</summary>
    public static int CompareServices(ServiceView a, ServiceView b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        var ka = a.Rule.Key;
        var kb = b.Rule.Key;
        var r = unchecked((int)(ka.FirewallMark - kb.FirewallMark));
        if (r != 0)
        {
            return r;
        }

        r = Family(ka.Address) - Family(kb.Address);
        if (r != 0)
        {
            return r;
        }

        r = ka.Protocol - kb.Protocol;
        if (r != 0)
        {
            return r;
        }

        r = CompareAddresses(ka.Address, kb.Address);
        return r != 0 ? r : ka.Port - kb.Port;
    }

    /// <summary>ipvs_cmp_dests: address (by the first one's family), then port.</summary>
    public static int CompareDestinations(DestinationView a, DestinationView b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        var r = CompareAddresses(a.Rule.Address, b.Rule.Address);
        return r != 0 ? r : a.Rule.Port - b.Rule.Port;
    }

    /// <summary>
    /// Word by word in host order, each difference taken as a wrapping signed 32-bit value; the
    /// first address's family decides how many words (the C code reads the union either way).
    /// </summary>
    public static int CompareAddresses(InetAddress a, InetAddress b)
    {
        var words = a.IsIPv4 ? 1 : 4;
        for (var i = 0; i < words; i++)
        {
            var r = unchecked((int)(Word(a, i) - Word(b, i)));
            if (r != 0)
            {
                return r;
            }
        }

        return 0;
    }

    /// <summary>glibc msort_with_tmp: halves (n/2 first), merge taking the left on cmp &lt;= 0.</summary>
    public static void Sort<T>(T[] items, Comparison<T> compare)
    {
        ArgumentNullException.ThrowIfNull(items);
        ArgumentNullException.ThrowIfNull(compare);
        var scratch = new T[items.Length];
        MergeSort(items, 0, items.Length, scratch, compare);
    }

    private static void MergeSort<T>(T[] items, int start, int count, T[] scratch, Comparison<T> compare)
    {
        if (count <= 1)
        {
            return;
        }

        var n1 = count / 2;
        var n2 = count - n1;
        MergeSort(items, start, n1, scratch, compare);
        MergeSort(items, start + n1, n2, scratch, compare);

        int left = start, right = start + n1, written = 0;
        var leftEnd = start + n1;
        var rightEnd = start + count;
        while (left < leftEnd && right < rightEnd)
        {
            scratch[written++] = compare(items[left], items[right]) <= 0 ? items[left++] : items[right++];
        }

        while (left < leftEnd)
        {
            scratch[written++] = items[left++];
        }

        // Whatever is left of the right half is already in place.
        Array.Copy(scratch, 0, items, start, written);
    }

    private static int Family(InetAddress address) => address.IsIPv4 ? AfInet : AfInet6;

    // The union nf_inet_addr as 32-bit words: IPv4 is word 0 followed by zeros.
    private static uint Word(InetAddress address, int index)
    {
        if (address.IsIPv4)
        {
            return index == 0 ? address.V4 : 0;
        }

        var half = index < 2 ? address.High : address.Low;
        return (index & 1) == 0 ? (uint)(half >> 32) : (uint)half;
    }
}
