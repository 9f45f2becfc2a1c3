using Pipeline.Ingest.Receiving;
using Pipeline.Protocol;

namespace Pipeline.Ingest.Decoding;

/// <summary>A message that decoded and passed validation, waiting to be written: exactly one of the three values is set.</summary>
public sealed record DecodedTelemetry(ReceivedMessage Message, TelemetryStream Stream, MotionBatch? Motion, MicroscopyFrame? Frame, SessionLabel? Label);
