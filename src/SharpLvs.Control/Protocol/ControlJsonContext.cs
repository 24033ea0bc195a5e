using System.Text.Json.Serialization;

namespace SharpLvs.Control.Protocol;

/// <summary>
/// Source-generated (reflection-free) JSON for the control protocol. Compact on purpose: a
/// -R of 10,000 services with 10 real servers each is 110,000 commands, and a listing of
/// them 100,000 real-server entries, so enums travel as numbers (lvsadm and lvsd ship
/// together; <see cref="ControlRequest.Version"/> guards the pairing) and nulls are left out.
/// </summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    Converters = [typeof(InetAddressJsonConverter), typeof(ServiceKeyJsonConverter)])]
[JsonSerializable(typeof(ControlRequest))]
[JsonSerializable(typeof(ControlResponse))]
internal sealed partial class ControlJsonContext : JsonSerializerContext;
