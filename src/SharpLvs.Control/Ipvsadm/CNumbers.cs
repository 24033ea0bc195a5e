using System.Globalization;

namespace SharpLvs.Control.Ipvsadm;

/// <summary>
/// The C conversions ipvsadm's parsers rest on, with their quirks, so lvsadm accepts and
/// refuses the same text: <c>strtol</c> base 10 (leading blanks and a sign allowed, nothing
/// after the digits), <c>atoi</c>, and <c>inet_aton</c> (1 to 4 parts, each decimal, octal or hex).
/// </summary>
internal static class CNumbers
{
    /// <summary>ipvsadm's string_to_number: the whole string is a base-10 number in [min, max].</summary>
    public static bool TryParseRange(string text, long min, long max, out long value)
    {
        value = 0;
        var i = SkipBlanks(text, 0);
        var negative = false;
        if (i < text.Length && (text[i] == '+' || text[i] == '-'))
        {
            negative = text[i] == '-';
            i++;
        }

        var start = i;
        long magnitude = 0;
        var overflow = false;
        while (i < text.Length && text[i] is >= '0' and <= '9')
        {
            if (magnitude > (long.MaxValue - 9) / 10)
            {
                overflow = true;
            }
            else
            {
                magnitude = (magnitude * 10) + (text[i] - '0');
            }

            i++;
        }

        if (i == start || i != text.Length || overflow)
        {
            return false;
        }

        value = negative ? -magnitude : magnitude;
        return value >= min && value <= max;
    }

    /// <summary>C's atoi: leading blanks, optional sign, digits up to the first non-digit; 0 if none.</summary>
    public static long Atoi(string text)
    {
        var i = SkipBlanks(text, 0);
        var negative = false;
        if (i < text.Length && (text[i] == '+' || text[i] == '-'))
        {
            negative = text[i] == '-';
            i++;
        }

        long value = 0;
        while (i < text.Length && text[i] is >= '0' and <= '9' && value < int.MaxValue)
        {
            value = (value * 10) + (text[i] - '0');
            i++;
        }

        return negative ? -value : value;
    }

    /// <summary>glibc inet_aton: "a.b.c.d", "a.b.c", "a.b" or "a"; parts in C notation; trailing blanks allowed.</summary>
    public static bool TryInetAton(string text, out uint address)
    {
        address = 0;
        Span<ulong> parts = stackalloc ulong[4];
        var count = 0;
        var i = 0;
        while (true)
        {
            if (i >= text.Length || !char.IsAsciiDigit(text[i]))
            {
                return false;
            }

            if (!TryReadCNumber(text, ref i, out var part) || count == 4)
            {
                return false;
            }

            parts[count++] = part;
            if (i < text.Length && text[i] == '.')
            {
                i++;
                continue;
            }

            break;
        }

        for (; i < text.Length; i++)
        {
            if (!char.IsWhiteSpace(text[i]))
            {
                return false;
            }
        }

        // The last part fills the bytes the earlier parts left.
        for (var p = 0; p < count - 1; p++)
        {
            if (parts[p] > 0xFF)
            {
                return false;
            }
        }

        var lastLimit = count switch { 1 => 0xFFFF_FFFFUL, 2 => 0xFF_FFFFUL, 3 => 0xFFFFUL, _ => 0xFFUL };
        if (parts[count - 1] > lastLimit)
        {
            return false;
        }

        ulong value = parts[count - 1];
        for (var p = 0; p < count - 1; p++)
        {
            value |= parts[p] << (24 - (8 * p));
        }

        address = (uint)value;
        return true;
    }

    private static bool TryReadCNumber(string text, ref int i, out ulong value)
    {
        value = 0;
        var numberBase = 10;
        if (text[i] == '0')
        {
            numberBase = 8;
            i++;
            if (i < text.Length && (text[i] == 'x' || text[i] == 'X'))
            {
                numberBase = 16;
                i++;
            }
        }

        while (i < text.Length)
        {
            int digit;
            var c = text[i];
            if (char.IsAsciiDigit(c))
            {
                digit = c - '0';
                if (digit >= numberBase)
                {
                    return false;
                }
            }
            else if (numberBase == 16 && char.IsAsciiHexDigit(c))
            {
                digit = int.Parse(c.ToString(), NumberStyles.HexNumber, CultureInfo.InvariantCulture);
            }
            else
            {
                break;
            }

            value = (value * (ulong)numberBase) + (ulong)digit;
            if (value > 0xFFFF_FFFFUL)
            {
                return false;
            }

            i++;
        }

        return true;
    }

    private static int SkipBlanks(string text, int i)
    {
        while (i < text.Length && char.IsWhiteSpace(text[i]))
        {
            i++;
        }

        return i;
    }
}
