namespace Pipeline.Runner.Observing;

/// <summary>
/// Puts a <see cref="FleetPicture"/> together from what is at hand: the broker (unless it refused the observer, see
/// <paramref name="fleetProblem"/>), and, when given, ingest's
/// meter and quarantine folder and the trainer's progress (in the same process as `pipeline up`), and the model
/// registry under a data folder.
/// </summary>
internal sealed class FleetPictureSource(
    string source,
    FleetObserver? fleet,
    TimeProvider time,
    IngestMeterReader? ingest = null,
    string? quarantineFolder = null,
    TrainingProgress? training = null,
    RegistryReader? registry = null,
    string? fleetProblem = null)
{
    public FleetPicture Take()
    {
        var unavailable = new List<string>();
        if (fleet is null)
        {
            unavailable.Add($"devices, announced models and live accuracy: the broker did not admit the observer ({fleetProblem ?? "not connected"})");
        }

        if (ingest is null)
        {
            unavailable.Add("ingest rates, queue depths and store write latency (only `pipeline up` has ingest in its own process)");
        }

        if (quarantineFolder is null)
        {
            unavailable.Add("quarantined messages (give --data with the data folder ingest writes to)");
        }

        if (training is null)
        {
            unavailable.Add("the round under way and its live curves (only `pipeline up` has the trainer in its own process); finished rounds come from the registry");
        }

        if (registry is null)
        {
            unavailable.Add("model cards, charts and rejected candidates (give --data with the data folder the trainer writes to)");
        }

        return new FleetPicture(time.GetUtcNow(), source, unavailable, fleet?.Devices ?? [], fleet?.Manifests ?? [], fleet?.LiveAccuracy.Snapshot() ?? [], ingest?.Read(),
            quarantineFolder is null ? [] : QuarantineTail.Read(quarantineFolder), training?.Current, training?.Rounds ?? [], registry?.Read() ?? []);
    }
}
