using System.Text.Json;
using System.Text.Json.Serialization;
using SharpLvs.Core.Services;
using SharpLvs.Packets;

namespace SharpLvs.Control.Protocol;

/// <summary>Core's ServiceKey as {"protocol":6,"address":…,"port":80,"fwmark":7} (fwmark only when set; the address as InetAddressJsonConverter writes it).</summary>
internal sealed class ServiceKeyJsonConverter : JsonConverter<ServiceKey>
{
    public override ServiceKey Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            throw new JsonException("service key: object expected");
        }

        byte protocol = 0;
        ushort port = 0;
        uint mark = 0;
        InetAddress? address = null;
        while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
        {
            var name = reader.GetString();
            reader.Read();
            switch (name)
            {
                case "protocol": protocol = reader.GetByte(); break;
                case "port": port = reader.GetUInt16(); break;
                case "fwmark": mark = reader.GetUInt32(); break;
                case "address":
                    address = InetAddressJsonConverter.ReadValue(ref reader);
                    break;
                default: reader.Skip(); break;
            }
        }

        return new ServiceKey(protocol, address ?? throw new JsonException("service key: no address"), port, mark);
    }

    public override void Write(Utf8JsonWriter writer, ServiceKey value, JsonSerializerOptions options)
    {
        writer.WriteStartObject();
        writer.WriteNumber("protocol", value.Protocol);
        writer.WritePropertyName("address");
        InetAddressJsonConverter.WriteValue(writer, value.Address);
        writer.WriteNumber("port", value.Port);
        if (value.FirewallMark != 0)
        {
            // Read back as 0 when absent: the -R of 110,000 commands is that much shorter.
            writer.WriteNumber("fwmark", value.FirewallMark);
        }
        writer.WriteEndObject();
    }
}
