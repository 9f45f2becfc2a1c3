using Pipeline.Protocol;

namespace Pipeline.Ingest.Decoding;

/// <summary>Why a message was refused; <see cref="Code"/> is a stable tag for metrics, <see cref="Reason"/> is for people.</summary>
public sealed record TelemetryRejection(string Code, string Reason)
{
    public static TelemetryRejection From(DecodeError error) => new(error.Code.ToString(), error.ToString());
}
