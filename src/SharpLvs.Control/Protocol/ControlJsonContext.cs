using System.Text.Json.Serialization;

namespace SharpLvs.Control.Protocol;

/// <summary>Source-generated (reflection-free) JSON for the control protocol.</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    UseStringEnumConverter = true,
    Converters = [typeof(InetAddressJsonConverter), typeof(ServiceKeyJsonConverter)])]
[JsonSerializable(typeof(ControlRequest))]
[JsonSerializable(typeof(ControlResponse))]
internal sealed partial class ControlJsonContext : JsonSerializerContext;
