using Pipeline.Protocol;
using Pipeline.Trainer.Reporting;

namespace Pipeline.Runner.Observing;

/// <summary>
/// One stored version: its manifest when whole (else <see cref="Problem"/>), and the report written beside it when it
/// could be read: model card, metrics with the epoch history, held-out confusion matrix.
/// </summary>
internal sealed record VersionDetails(int Version, string Folder, ModelManifest? Manifest, string? Problem, ModelCard? Card, ReportMetrics? Metrics,
    ConfusionMatrix? Confusion);
