using Pipeline.Protocol;
using Pipeline.Trainer.Service;

namespace Pipeline.Runner.Observing;

/// <summary>
/// Everything a person can be shown about a running deployment at one moment. <see cref="Source"/> says where it comes
/// from and <see cref="Unavailable"/> names, in words, what this source cannot tell (null or empty parts then).
/// </summary>
internal sealed record FleetPicture(
    DateTimeOffset At,
    string Source,
    IReadOnlyList<string> Unavailable,
    IReadOnlyList<ObservedDevice> Devices,
    IReadOnlyList<ModelManifest> Announced,
    IReadOnlyList<LiveAccuracy> Live,
    IngestFigures? Ingest,
    IReadOnlyList<QuarantineReason> Quarantine,
    RoundUnderWay? Training,
    IReadOnlyList<RoundResult> Rounds,
    IReadOnlyList<TaskModels> Models);
