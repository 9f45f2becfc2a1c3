using Microsoft.Extensions.Logging.Abstractions;
using Pipeline.Protocol;
using Pipeline.Storage.Embedded;
using Pipeline.TestSupport;
using Pipeline.Trainer.Dataset;
using Pipeline.Tasks;

namespace Pipeline.Trainer.Tests;

public sealed class StoreDatasetReaderTests : IDisposable
{
    private readonly TemporaryFolder _folder = new("dataset-reader");

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task LabelsInventingMoreClassesThanAModelMayHave_KeepTheMostFrequentClasses_AndSayWhatWasLeftOut()
    {
        await using var store = EmbeddedTelemetryStore.Open(_folder.Path, NullLogger.Instance);
        var t0 = 1_700_000_000_000_000L;
        // Two sessions of one real class, then one session each of more invented classes than a model may have.
        var labels = new List<SessionLabel>
        {
            new("club-1", "real-1", LearningTasks.Swing, t0, t0 + 1000, new SwingLabel("p1", "fade")),
            new("club-1", "real-2", LearningTasks.Swing, t0 + 2000, t0 + 3000, new SwingLabel("p1", "fade")),
        };
        labels.AddRange(Enumerable.Range(0, ModelManifest.MaxClasses + 50).Select(i =>
            new SessionLabel("club-x", $"s-{i}", LearningTasks.Swing, t0 + (i * 10_000L), t0 + (i * 10_000L) + 1000, new SwingLabel($"x{i}", "fade"))));
        foreach (var label in labels)
        {
            await store.WriteLabelAsync(label, CancellationToken.None);
        }

        var reader = new StoreDatasetReader(store);
        var data = await reader.ReadAsync(TaskRegistry.BuiltIn.Find(LearningTasks.Swing), 0.2, CancellationToken.None);

        Assert.True(data.Classes.Count <= ModelManifest.MaxClasses, $"{data.Classes.Count} classes");
        Assert.Contains(reader.Skipped, s => s.Contains($"51 classes beyond the {ModelManifest.MaxClasses} most frequent", StringComparison.Ordinal));
    }
}
