namespace Pipeline.Simulation.Golf;

/// <summary>
/// How one player swings on average: tempo (backswing and downswing durations), the peak angular velocity
/// of the club at impact, and strength, which scales how hard the shaft is loaded.
/// </summary>
public sealed record GolferProfile(string Name, double BackswingSeconds, double DownswingSeconds, double PeakGyroDps, double Strength);
