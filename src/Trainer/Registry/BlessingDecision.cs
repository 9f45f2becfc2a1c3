namespace Pipeline.Trainer.Registry;

/// <summary>
/// Why a candidate was or was not blessed, as recorded in its model card: the measure and margin used, the candidate's
/// score, and the current model's score on the same held-out data (null when there is no current model or it could not
/// be measured on this data).
/// </summary>
public sealed record BlessingDecision(
    string Metric,
    double MinimumMargin,
    double CandidateScore,
    int? CurrentVersion,
    double? CurrentScoreOnSameData,
    bool Blessed,
    string Reason);
