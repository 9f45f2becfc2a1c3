using Pipeline.Ingest.Receiving;
using Pipeline.Tasks;

namespace Pipeline.Ingest.Decoding;

/// <summary>
/// A message that decoded and passed validation, waiting to be written: a task's data (<see cref="Data"/>), a session
/// label (<see cref="Label"/>) or a device's prediction (<see cref="Prediction"/>), whichever <see cref="Stream"/> carries.
/// </summary>
internal sealed record DecodedTelemetry(ReceivedMessage Message, string Stream, TaskTelemetry? Data, Protocol.SessionLabel? Label, Protocol.Prediction? Prediction = null);
