namespace Pipeline.Protocol;

/// <summary>The field-level rules of each control message, applied on both encode and decode.</summary>
internal static class ControlMessageRules
{
    private const int MaxText = 256;
    private const int MaxClasses = ModelManifest.MaxClasses;

    // Pixel positions in a frame; frames are at most 65536 pixels on a side.
    private const float MaxCoordinate = 65536;

    public static DecodeError? Check(SessionLabel m) =>
        Id(m.DeviceId, "deviceId") ?? Id(m.SessionId, "sessionId") ?? Task(m.Task)
        ?? Positive(m.StartMicros, "startMicros")
        ?? (m.EndMicros <= m.StartMicros ? Invalid($"endMicros {m.EndMicros} is not after startMicros {m.StartMicros}") : null)
        ?? (m.EndMicros - m.StartMicros > SessionLabel.MaxSpanMicros ? Invalid($"the session spans {(m.EndMicros - m.StartMicros) / 1e6:0.#} s; the limit is {SessionLabel.MaxSpanMicros / 1_000_000} s") : null)
        ?? (m.Task, m.Swing, m.Voc, m.Class) switch
        {
            (LearningTasks.Swing, { } s, null, null) => Id(s.Player, "swing.player") ?? Id(s.Shape, "swing.shape"),
            (LearningTasks.Droplet, null, { } v, null) => Id(v.Name, "voc.name")
                ?? (float.IsFinite(v.ConcentrationPercent) && v.ConcentrationPercent is >= 0 and <= 100
                    ? null
                    : new DecodeError(DecodeErrorCode.NotFinite, $"voc.concentrationPercent {v.ConcentrationPercent} is outside 0..100")),
            (not (LearningTasks.Swing or LearningTasks.Droplet), null, null, { } c) => Id(c, "class"),
            _ => Invalid($"a \"{m.Task}\" label needs exactly {LabelPart(m.Task)} and neither of the others ('swing', 'voc', 'class')"),
        };

    private static string LabelPart(string task) => task switch
    {
        LearningTasks.Swing => "'swing'",
        LearningTasks.Droplet => "'voc'",
        _ => "'class'",
    };

    public static DecodeError? Check(DeviceStatus m) =>
        Id(m.DeviceId, "deviceId") ?? Task(m.Task) ?? Positive(m.TimestampMicros, "timestampMicros")
        ?? (Enum.IsDefined(m.State) ? null : Invalid($"state {(int)m.State} is unknown"))
        ?? (m.ModelVersion is < 0 ? Invalid($"modelVersion {m.ModelVersion} is negative") : null)
        ?? (m.OutboxDepth < 0 ? Invalid($"outboxDepth {m.OutboxDepth} is negative") : null)
        ?? Text(m.Message, "message")
        ?? (m.FetchingVersion is < 1 ? Invalid($"fetchingVersion {m.FetchingVersion} is below 1") : null)
        ?? (m.LastRefusal is { } refusal
            ? (refusal.Version is < 1 ? Invalid($"lastRefusal.version {refusal.Version} is below 1") : null)
                ?? (string.IsNullOrEmpty(refusal.Reason) ? Invalid("lastRefusal.reason is missing") : Text(refusal.Reason, "lastRefusal.reason"))
            : null);

    public static DecodeError? Check(ModelManifest m) =>
        Task(m.Task)
        ?? (m.Version < 1 ? Invalid($"version {m.Version} is below 1") : null)
        ?? Id(m.Architecture, "architecture")
        ?? Positive(m.CreatedMicros, "createdMicros")
        ?? (m.ArtifactTopic == Topics.ModelArtifact(m.Task, m.Version) ? null : Invalid($"artifactTopic \"{Clip(m.ArtifactTopic)}\" is not {Topics.ModelArtifact(m.Task, m.Version)}"))
        ?? (m.SizeBytes is < 1 or > 512L * 1024 * 1024 ? Invalid($"sizeBytes {m.SizeBytes} is outside 1..512 MiB") : null)
        ?? (m.Sha256 is { Length: 64 } && m.Sha256.All(char.IsAsciiHexDigitLower) ? null : Invalid("sha256 must be 64 lower-case hex digits"))
        ?? (m.InputShape is { Length: >= 1 and <= 4 } && m.InputShape.All(d => d is >= 1 and <= 65536) ? null : Invalid("inputShape must have 1..4 dimensions of 1..65536"))
        ?? (m.Classes is { Length: >= 2 and <= MaxClasses } && m.Classes.All(c => c is { Length: >= 1 and <= MaxText }) && m.Classes.Distinct().Count() == m.Classes.Length
            ? null
            : Invalid($"classes must be 2..{MaxClasses} distinct non-empty names of at most {MaxText} characters"))
        ?? (m.Metrics is null ? Invalid("metrics is missing") : null)
        ?? Metric(m.Metrics!.Accuracy, "metrics.accuracy") ?? Metric(m.Metrics.MacroF1, "metrics.macroF1")
        ?? (m.Metrics.HeldOutExamples < 0 ? Invalid("metrics.heldOutExamples is negative") : null)
        ?? (m.Metrics.ConcentrationMae is { } mae && !(double.IsFinite(mae) && mae >= 0) ? Invalid($"metrics.concentrationMae {mae} is not a finite non-negative number") : null)
        ?? (m.Metrics.DropletAccuracy is { } droplet ? Metric(droplet, "metrics.dropletAccuracy") : null)
        ?? (m.Metrics.DropletMacroF1 is { } dropletF1 ? Metric(dropletF1, "metrics.dropletMacroF1") : null)
        ?? (m.Metrics.DropletConcentrationMae is { } dropletMae && !(double.IsFinite(dropletMae) && dropletMae >= 0) ? Invalid($"metrics.dropletConcentrationMae {dropletMae} is not a finite non-negative number") : null)
        ?? Id(m.Schedule, "schedule")
        ?? (m.Chunks is { } chunks ? Chunks(chunks, m.SizeBytes) : null)
        ?? (m.Decision is { } decision
            ? (decision.Sequence < 1 ? Invalid($"decision.sequence {decision.Sequence} is below 1") : null)
                ?? (ModelDecision.Kinds.Contains(decision.Kind) ? null : Invalid($"decision.kind \"{Clip(decision.Kind)}\" is not one of {string.Join(", ", ModelDecision.Kinds)}"))
            : null)
        ?? (m.Signature is { } signature && !(signature.KeyId is { Length: 16 } && signature.KeyId.All(char.IsAsciiHexDigitLower) && signature.Value is { Length: > 0 and <= 128 })
            ? Invalid("signature must have a keyId of 16 lower-case hex digits and a value of at most 128 characters")
            : null);

    private static DecodeError? Chunks(ArtifactChunks chunks, long sizeBytes) =>
        chunks.ChunkBytes is < ArtifactChunks.MinChunkBytes or > ArtifactChunks.MaxChunkBytes
            ? Invalid($"chunks.chunkBytes {chunks.ChunkBytes} is outside {ArtifactChunks.MinChunkBytes}..{ArtifactChunks.MaxChunkBytes}")
            : chunks.Sha256 is null || chunks.Sha256.LongLength != ArtifactChunks.CountFor(sizeBytes, chunks.ChunkBytes)
                ? Invalid($"chunks.sha256 must list {ArtifactChunks.CountFor(sizeBytes, chunks.ChunkBytes)} chunks of {chunks.ChunkBytes} bytes for sizeBytes {sizeBytes}")
                : chunks.Sha256.Length > ArtifactChunks.MaxChunks
                    ? Invalid($"chunks.sha256 lists {chunks.Sha256.Length} chunks; the limit is {ArtifactChunks.MaxChunks}")
                    : chunks.Sha256.All(h => h is { Length: 64 } && h.All(char.IsAsciiHexDigitLower))
                        ? null
                        : Invalid("chunks.sha256 must hold 64 lower-case hex digits for each chunk");

    public static DecodeError? Check(Prediction m) =>
        Id(m.DeviceId, "deviceId") ?? Task(m.Task)
        ?? (m.ModelVersion < 1 ? Invalid($"modelVersion {m.ModelVersion} is below 1") : null)
        ?? Positive(m.InputTimestampMicros, "inputTimestampMicros")
        ?? (string.IsNullOrEmpty(m.PredictedClass) ? Invalid("predictedClass is missing") : Text(m.PredictedClass, "predictedClass")) ?? Text(m.TrueClass, "trueClass")
        ?? (float.IsFinite(m.Confidence) && m.Confidence is >= 0 and <= 1 ? null : new DecodeError(DecodeErrorCode.NotFinite, $"confidence {m.Confidence} is outside 0..1"))
        ?? (double.IsFinite(m.LatencyMs) && m.LatencyMs >= 0 ? null : new DecodeError(DecodeErrorCode.NotFinite, $"latencyMs {m.LatencyMs} is not a finite non-negative number"))
        ?? (m.ConcentrationPercent is { } c && !float.IsFinite(c) ? new DecodeError(DecodeErrorCode.NotFinite, $"concentrationPercent {c} is not finite") : null)
        ?? Droplets(m.Droplets);

    private static DecodeError? Droplets(DropletPrediction[]? droplets)
    {
        if (droplets is null)
        {
            return null;
        }

        if (droplets.Length > Prediction.MaxDroplets)
        {
            return Invalid($"droplets holds {droplets.Length} entries; the limit is {Prediction.MaxDroplets}");
        }

        for (var i = 0; i < droplets.Length; i++)
        {
            var error = droplets[i] is not { } d
                ? Invalid($"droplets[{i}] is null")
                : Coordinate(d.CentreX, $"droplets[{i}].centreX") ?? Coordinate(d.CentreY, $"droplets[{i}].centreY")
                    ?? (float.IsFinite(d.Diameter) && d.Diameter is > 0 and <= MaxCoordinate ? null : new DecodeError(DecodeErrorCode.NotFinite, $"droplets[{i}].diameter {d.Diameter} is outside (0, {MaxCoordinate}]"))
                    ?? (string.IsNullOrEmpty(d.PredictedClass) ? Invalid($"droplets[{i}].predictedClass is missing") : Text(d.PredictedClass, $"droplets[{i}].predictedClass"))
                    ?? (float.IsFinite(d.Confidence) && d.Confidence is >= 0 and <= 1 ? null : new DecodeError(DecodeErrorCode.NotFinite, $"droplets[{i}].confidence {d.Confidence} is outside 0..1"));
            if (error is not null)
            {
                return error;
            }
        }

        return null;
    }

    private static DecodeError? Coordinate(float value, string field) =>
        float.IsFinite(value) && value is >= 0 and <= MaxCoordinate ? null : new DecodeError(DecodeErrorCode.NotFinite, $"{field} {value} is outside 0..{MaxCoordinate}");

    private static DecodeError? Id(string? value, string field) =>
        Identifiers.IsValid(value) ? null : Invalid($"{field} \"{Clip(value)}\" is not a valid identifier ({Identifiers.Rule})");

    // Which tasks exist is for the receiver to say (its registered tasks): the wire only asks for a well-formed name.
    private static DecodeError? Task(string? task) => Id(task, "task");

    private static DecodeError? Positive(long value, string field) =>
        value > 0 ? null : Invalid($"{field} {value} is not after the Unix epoch");

    private static DecodeError? Metric(double value, string field) =>
        double.IsFinite(value) && value is >= 0 and <= 1 ? null : new DecodeError(DecodeErrorCode.NotFinite, $"{field} {value} is outside 0..1");

    private static DecodeError? Text(string? value, string field) =>
        value is null || value.Length <= MaxText ? null : Invalid($"{field} is {value.Length} characters; the limit is {MaxText}");

    private static DecodeError Invalid(string message) => new(DecodeErrorCode.InvalidValue, message);

    private static string Clip(string? value) => value is null ? "null" : value.Length <= 40 ? value : value[..40] + "…";
}
