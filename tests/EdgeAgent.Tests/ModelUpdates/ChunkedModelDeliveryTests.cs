using Microsoft.Extensions.Logging;
using Pipeline.EdgeAgent.Agent;
using Pipeline.EdgeAgent.ModelUpdates;
using Pipeline.Simulation.Golf;
using Pipeline.Simulation.Microscope;
using Pipeline.EdgeAgent.Tests.Agent;
using Pipeline.Hosting.Mqtt;
using Pipeline.Models.Architecture;
using Pipeline.Protocol;
using Pipeline.TestSupport;
using Xunit.Abstractions;
using static Pipeline.EdgeAgent.Tests.Agent.ModelAnnouncements;
using Pipeline.Tasks.Droplet;

namespace Pipeline.EdgeAgent.Tests.ModelUpdates;

/// <summary>
/// Models delivered to real agents in chunks through mosquitto: adopted whole, refused by the chunk, resumed after a cut
/// link or a restart. Each test starts its own broker: retained manifests and chunks of another test would be announcements too.
/// </summary>
public sealed class ChunkedModelDeliveryTests(ITestOutputHelper output) : IDisposable
{
    private const int SmallChunkBytes = 64 * 1024;
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    private readonly ILoggerFactory _loggers = TestOutputLoggerProvider.CreateFactory(output, LogLevel.Information);
    private readonly TemporaryFolder _folder = new("chunked-delivery");

    [Fact]
    public async Task ModelOfSeveralMegabytes_ArrivesInChunks_AndIsAdopted()
    {
        await using var mosquitto = await MosquittoBroker.StartAsync();
        var broker = mosquitto.ToOptions();
        const string device = "scope-big-model";
        await using var recorder = await TopicRecorder.StartAsync(broker, _loggers.CreateLogger("recorder"), Topics.Status(Topics.DefaultSite, device));
        var (manifest, artifact) = BigDropletModel(1, ArtifactChunks.DefaultChunkBytes);
        Assert.True(artifact.Length > 3_000_000, $"the model is {artifact.Length} bytes");
        Assert.True(manifest.Chunks!.Count >= 10, $"{manifest.Chunks.Count} chunks");

        var options = AgentFactory.Microscope(device, _folder.Combine(device));
        var worker = AgentFactory.Create(broker, options, _loggers);
        await worker.StartAsync(CancellationToken.None);
        try
        {
            await AnnounceAsync(recorder, manifest, artifact);
            await Eventually.TrueAsync(() => worker.ModelVersion == manifest.Version, Patience, $"the {artifact.Length}-byte model is adopted");
            Assert.Equal(manifest.Chunks.Count, worker.Snapshot().ModelChunksFetched);
            // Deleted right after the swap that ModelVersion reports.
            await Eventually.TrueAsync(() => !Directory.Exists(Path.Combine(options.DataFolder, PartialModelDownload.FolderName)), Patience, "the finished download is cleaned up");
        }
        finally
        {
            await AgentFactory.StopAsync(worker);
        }
    }

    [Fact]
    public async Task TamperedChunk_IsRefusedNamingTheChunk_AndTheRunningModelCarriesOn()
    {
        await using var mosquitto = await MosquittoBroker.StartAsync();
        var broker = mosquitto.ToOptions();
        const string device = "club-tampered-chunk";
        await using var recorder = await TopicRecorder.StartAsync(broker, _loggers.CreateLogger("recorder"),
            Topics.Status(Topics.DefaultSite, device), Topics.Predictions(Topics.DefaultSite, device));
        var options = AgentFactory.Golf(device, _folder.Combine(device));
        options.SpeedFactor = 20;
        var worker = AgentFactory.Create(broker, options, _loggers);
        await worker.StartAsync(CancellationToken.None);
        try
        {
            var (first, firstArtifact) = BuildModel(LearningTasks.Swing, 1, GolfClubSimulator.ClassNames, ArtifactChunks.MinChunkBytes);
            await AnnounceAsync(recorder, first, firstArtifact);
            await Eventually.TrueAsync(() => worker.ModelVersion == 1, Patience, "model v1 runs");

            var (second, secondArtifact) = BuildModel(LearningTasks.Swing, 2, GolfClubSimulator.ClassNames, ArtifactChunks.MinChunkBytes);
            Assert.True(second.Chunks!.Count > 3, $"{second.Chunks.Count} chunks");
            await PublishChunksAsync(recorder, second, secondArtifact);
            var forged = second.Chunks.Chunk(secondArtifact, 2).ToArray();
            forged[forged.Length / 2] ^= 0x5a;
            await recorder.PublishAsync(Topics.ModelArtifactChunk(second.Task, second.Version, 2), forged, retain: true);
            await PublishManifestAsync(recorder, second);

            await Eventually.TrueAsync(() => Statuses(recorder, device).Any(s => s.Message?.Contains("refused model v2: chunk 2 of", StringComparison.Ordinal) == true),
                Patience, "model v2 is refused naming chunk 2");
            Assert.Equal(1, worker.ModelVersion);
            var predictions = Predictions(recorder, device).Count;
            await Eventually.TrueAsync(() => Predictions(recorder, device).Count > predictions, Patience, "model v1 keeps predicting");
            Assert.All(Predictions(recorder, device), p => Assert.Equal(1, p.ModelVersion));
        }
        finally
        {
            await AgentFactory.StopAsync(worker);
        }
    }

    [Fact]
    public async Task DownloadCutMidway_ResumesWithTheChunksItLacks()
    {
        await using var mosquitto = await MosquittoBroker.StartAsync();
        var broker = mosquitto.ToOptions();
        const string device = "scope-cut-link";
        await using var relay = new TcpRelay(mosquitto.Port);
        await using var recorder = await TopicRecorder.StartAsync(broker, _loggers.CreateLogger("recorder"), Topics.Status(Topics.DefaultSite, device));
        var (manifest, artifact) = BigDropletModel(1, SmallChunkBytes);
        var throughRelay = new BrokerOptions { Host = "127.0.0.1", Port = relay.Port, KeepAlive = TimeSpan.FromSeconds(1), ReconnectMaxDelay = TimeSpan.FromSeconds(0.5) };
        var options = Paced(AgentFactory.Microscope(device, _folder.Combine(device)), artifact.Length);
        var worker = AgentFactory.Create(throughRelay, options, _loggers);
        await worker.StartAsync(CancellationToken.None);
        try
        {
            await AnnounceAsync(recorder, manifest, artifact);
            await Eventually.TrueAsync(() => worker.Snapshot().ModelChunksFetched >= manifest.Chunks!.Count / 3, Patience, "a third of the chunks arrive");
            var beforeCut = worker.Snapshot().ModelChunksFetched;
            relay.ResetAll();

            await Eventually.TrueAsync(() => worker.ModelVersion == manifest.Version, Patience, "the model is adopted after the cut");
            output.WriteLine($"{beforeCut} of {manifest.Chunks!.Count} chunks before the cut; {worker.Snapshot().ModelChunksFetched} fetched in all");
            Assert.True(beforeCut < manifest.Chunks.Count, "the cut came before the download ended");
            Assert.Equal(manifest.Chunks.Count, worker.Snapshot().ModelChunksFetched);
        }
        finally
        {
            await AgentFactory.StopAsync(worker);
        }
    }

    [Fact]
    public async Task AgentStoppedMidDownload_FetchesOnlyTheRemainingChunksWhenItComesBack()
    {
        await using var mosquitto = await MosquittoBroker.StartAsync();
        var broker = mosquitto.ToOptions();
        const string device = "scope-restarted";
        await using var recorder = await TopicRecorder.StartAsync(broker, _loggers.CreateLogger("recorder"), Topics.Status(Topics.DefaultSite, device));
        var (manifest, artifact) = BigDropletModel(1, SmallChunkBytes);
        var options = Paced(AgentFactory.Microscope(device, _folder.Combine(device)), artifact.Length);
        var first = AgentFactory.Create(broker, options, _loggers);
        await first.StartAsync(CancellationToken.None);
        try
        {
            await AnnounceAsync(recorder, manifest, artifact);
            await Eventually.TrueAsync(() => first.Snapshot().ModelChunksFetched >= manifest.Chunks!.Count / 3, Patience, "a third of the chunks arrive");
        }
        finally
        {
            await AgentFactory.StopAsync(first);
        }

        var downloads = Path.Combine(options.DataFolder, PartialModelDownload.FolderName);
        var kept = ChunksOnDisk(PartialModelDownload.PathOf(options.DataFolder, manifest), manifest.Chunks!, artifact);
        Assert.InRange(kept, 1, manifest.Chunks!.Count - 1);

        var second = AgentFactory.Create(broker, options, _loggers);
        await second.StartAsync(CancellationToken.None);
        try
        {
            await Eventually.TrueAsync(() => second.ModelVersion == manifest.Version, Patience, "the restarted agent adopts the model");
            output.WriteLine($"{kept} of {manifest.Chunks.Count} chunks kept on disk; {second.Snapshot().ModelChunksFetched} fetched after the restart");
            Assert.Equal(manifest.Chunks.Count - kept, second.Snapshot().ModelChunksFetched);
            await Eventually.TrueAsync(() => !Directory.Exists(downloads), Patience, "the finished download is cleaned up");
        }
        finally
        {
            await AgentFactory.StopAsync(second);
        }
    }

    public void Dispose()
    {
        _folder.Dispose();
        _loggers.Dispose();
    }

    /// <summary>How many of <paramref name="artifact"/>'s chunks the partial download at <paramref name="path"/> holds, byte for byte.</summary>
    private static int ChunksOnDisk(string path, ArtifactChunks chunks, byte[] artifact)
    {
        var held = File.ReadAllBytes(path);
        return Enumerable.Range(0, chunks.Count).Count(index =>
        {
            var (start, length) = chunks.Range(artifact.Length, index);
            return start + length <= held.Length && held.AsSpan((int)start, length).SequenceEqual(artifact.AsSpan((int)start, length));
        });
    }

    /// <summary>A ResNet-56 over droplet crops: a real model of about 3.4 MB that a microscope agent loads and runs.</summary>
    private static (ModelManifest Manifest, byte[] Artifact) BigDropletModel(int version, int chunkBytes)
    {
        var vocs = DropletMicroscopeSimulator.Vocs.Select(v => v.Name).Order(StringComparer.Ordinal).ToArray();
        using var model = ModelCatalog.CreateForInput(ModelCatalog.ResNet56, vocs.Length, [1, DropletSegmenter.CropSide, DropletSegmenter.CropSide], seed: version);
        return Describe(model, LearningTasks.Droplet, version, vocs, chunkBytes);
    }

    /// <summary>Paced so the download takes about four seconds: long enough to cut it midway, whatever the machine.</summary>
    private static EdgeAgentOptions Paced(EdgeAgentOptions options, int artifactBytes)
    {
        options.ModelFetchBytesPerSecond = artifactBytes / 4.0;
        options.ModelFetchChunksInFlight = 1;
        return options;
    }
}
