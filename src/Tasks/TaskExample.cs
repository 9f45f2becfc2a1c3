namespace Pipeline.Tasks;

/// <summary>
/// One preprocessed example cut from a session: the model input, an auxiliary scalar input (0 when the task has none),
/// the regression target (0 when none), and <see cref="Group"/> when several examples answer together (the droplets
/// of one frame), so evaluation averages them into one answer.
/// </summary>
public sealed record TaskExample(float[] Input, float Auxiliary, float Target, string? Group = null);
