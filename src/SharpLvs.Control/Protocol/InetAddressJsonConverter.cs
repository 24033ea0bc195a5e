using System.Text.Json;
using System.Text.Json.Serialization;
using SharpLvs.Packets;

namespace SharpLvs.Control.Protocol;

/// <summary>An address travels as its text ("198.18.0.1", "fd00::1", "::" for an IPv6 fwmark family).</summary>
internal sealed class InetAddressJsonConverter : JsonConverter<InetAddress>
{
    public override InetAddress Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        var text = reader.GetString();
        return InetAddress.TryParse(text, out var address) ? address : throw new JsonException($"'{text}' is not an IP address");
    }

    public override void Write(Utf8JsonWriter writer, InetAddress value, JsonSerializerOptions options) =>
        writer.WriteStringValue(value.ToString());
}
