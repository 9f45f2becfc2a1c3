namespace Pipeline.Storage.Predictions;

/// <summary>
/// Live accuracy per task and model version as the store has it (<see cref="Versions"/>, by task then version), and how
/// many stored records did not decode as a prediction (<see cref="Unreadable"/>; counted, never guessed at).
/// </summary>
public sealed record StoredLiveAccuracy(IReadOnlyList<VersionLiveAccuracy> Versions, long Unreadable);
