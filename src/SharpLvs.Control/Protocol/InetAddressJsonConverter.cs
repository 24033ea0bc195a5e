using System.Text.Json;
using System.Text.Json.Serialization;
using SharpLvs.Packets;

namespace SharpLvs.Control.Protocol;

/// <summary>
/// An IPv4 address travels as its 32-bit number (host order), any other as its text
/// ("fd00::1", "::" for an IPv6 fwmark family). Numbers because a -R of 10,000 services
/// carries 220,000 addresses, and formatting and parsing them as text was a tenth of the
/// time on both ends (bench/control.sh); the control JSON is lvsadm's and lvsd's only.
/// </summary>
internal sealed class InetAddressJsonConverter : JsonConverter<InetAddress>
{
    public override InetAddress Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) => ReadValue(ref reader);

    public override void Write(Utf8JsonWriter writer, InetAddress value, JsonSerializerOptions options) => WriteValue(writer, value);

    public static InetAddress ReadValue(ref Utf8JsonReader reader)
    {
        if (reader.TokenType == JsonTokenType.Number)
        {
            return reader.TryGetUInt32(out var v4) ? InetAddress.FromV4(v4) : throw new JsonException("IPv4 address out of range");
        }

        var text = reader.GetString();
        return InetAddress.TryParse(text, out var address) ? address : throw new JsonException($"'{text}' is not an IP address");
    }

    public static void WriteValue(Utf8JsonWriter writer, InetAddress value)
    {
        if (value.IsIPv4)
        {
            writer.WriteNumberValue(value.V4);
        }
        else
        {
            writer.WriteStringValue(value.ToString());
        }
    }
}
