using Microsoft.Extensions.Configuration;
using OpenTelemetry.Exporter;

namespace Pipeline.Hosting.Observability;

/// <summary>
/// Where metrics are pushed over OTLP, if anywhere: the standard environment variable OTEL_EXPORTER_OTLP_ENDPOINT, or
/// <c>Otlp:Endpoint</c>; the protocol from OTEL_EXPORTER_OTLP_PROTOCOL or <c>Otlp:Protocol</c> (<c>grpc</c>, the default,
/// or <c>http/protobuf</c>). Read here rather than by the exporter because the host's configuration holds only the
/// PIPELINE_-prefixed environment.
/// </summary>
internal sealed record OtlpSettings(Uri Endpoint, OtlpExportProtocol Protocol)
{
    public const string EndpointVariable = "OTEL_EXPORTER_OTLP_ENDPOINT";
    public const string ProtocolVariable = "OTEL_EXPORTER_OTLP_PROTOCOL";

    /// <summary>The settings, or null when no endpoint is set; a malformed value throws <see cref="ArgumentException"/> naming it.</summary>
    public static OtlpSettings? From(IConfiguration configuration)
    {
        var endpoint = configuration["Otlp:Endpoint"] is { Length: > 0 } configured ? configured : Environment.GetEnvironmentVariable(EndpointVariable);
        if (string.IsNullOrWhiteSpace(endpoint))
        {
            return null;
        }

        if (!Uri.TryCreate(endpoint, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
        {
            throw new ArgumentException($"the OTLP endpoint (Otlp:Endpoint or {EndpointVariable}) must be an http or https address, not '{endpoint}'");
        }

        var protocol = configuration["Otlp:Protocol"] is { Length: > 0 } p ? p : Environment.GetEnvironmentVariable(ProtocolVariable) ?? "grpc";
        return protocol switch
        {
            "grpc" => new OtlpSettings(uri, OtlpExportProtocol.Grpc),
            "http/protobuf" => new OtlpSettings(uri, OtlpExportProtocol.HttpProtobuf),
            _ => throw new ArgumentException($"the OTLP protocol (Otlp:Protocol or {ProtocolVariable}) must be 'grpc' or 'http/protobuf', not '{protocol}'"),
        };
    }
}
