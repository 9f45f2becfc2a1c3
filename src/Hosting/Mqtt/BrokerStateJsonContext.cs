using System.Text.Json.Serialization;

namespace Pipeline.Hosting.Mqtt;

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, WriteIndented = true)]
[JsonSerializable(typeof(List<DurableSubscription>))]
internal sealed partial class BrokerStateJsonContext : JsonSerializerContext;
