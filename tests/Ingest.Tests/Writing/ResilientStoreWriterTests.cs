using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Pipeline.Hosting;
using Pipeline.Ingest.Decoding;
using Pipeline.Ingest.Observability;
using Pipeline.Ingest.Quarantining;
using Pipeline.Ingest.Receiving;
using Pipeline.Ingest.Writing;
using Pipeline.Protocol;
using Pipeline.Storage;
using Pipeline.Tasks;
using Pipeline.Tasks.Swing;
using Pipeline.Storage.Embedded;
using Pipeline.TestSupport;

namespace Pipeline.Ingest.Tests.Writing;

/// <summary>
/// What the writer does with a store's refusals: an item the store finds invalid (<see cref="InvalidTelemetryException"/>)
/// is quarantined on its own and the rest stored; an <see cref="ArgumentException"/> is a bug and reaches the caller.
/// </summary>
public sealed class ResilientStoreWriterTests : IDisposable
{
    private static readonly long T0 = DateTimeOffset.UtcNow.AddMinutes(-10).ToUnixTimeMilliseconds() * 1000;
    private readonly TemporaryFolder _data = new("writer-test");

    public void Dispose() => _data.Dispose();

    [Fact]
    public async Task AnItemTheStoreFindsInvalid_IsQuarantinedAlone_AndTheOthersAreStored()
    {
        await using var store = EmbeddedTelemetryStore.Open(_data.Combine("store"));
        await using var services = Services(store);
        var quarantine = services.GetRequiredService<Quarantine>();
        using var stop = new CancellationTokenSource();
        var quarantining = quarantine.RunAsync(stop.Token);
        // "../escape" never passes ingest's own checks; it stands for any item that reaches the store and breaks its rules.
        var batch = new[] { Decoded("club-1", 1), Decoded("../escape", 1), Decoded("club-1", 2) };

        var stored = await services.GetRequiredService<ResilientStoreWriter>().TryStoreAsync(batch, CancellationToken.None);

        Assert.True(stored);
        Assert.All(batch, item => Assert.True(item.Message.Handled.IsCompletedSuccessfully));
        Assert.Equal(2, (await store.CountAsync(CancellationToken.None)).MotionBatches);
        Assert.Equal(1, services.GetRequiredService<IngestTelemetry>().Totals.Quarantined);
        quarantine.Complete();
        await quarantining;
        var line = Assert.Single(File.ReadAllLines(Path.Combine(quarantine.Folder, Quarantine.FileName)));
        Assert.Contains("StoreRefused", line);
        Assert.Contains("../escape", line);
    }

    [Fact]
    public async Task AnArgumentExceptionFromTheStore_IsABug_ItReachesTheCaller_AndNothingIsQuarantinedOrAcknowledged()
    {
        await using var store = new StoreWithABug();
        await using var services = Services(store);
        var batch = new[] { Decoded("club-1", 1), Decoded("club-1", 2) };

        var error = await Assert.ThrowsAsync<ArgumentException>(() => services.GetRequiredService<ResilientStoreWriter>().TryStoreAsync(batch, CancellationToken.None));

        Assert.Equal(StoreWithABug.Message, error.Message);
        Assert.Equal(1, store.Writes);
        Assert.Equal(0, services.GetRequiredService<IngestTelemetry>().Totals.Quarantined);
        Assert.All(batch, item => Assert.False(item.Message.Handled.IsCompleted));
    }

    private ServiceProvider Services(ITelemetryStore store)
    {
        var builder = ServiceDefaults.CreateBuilder([], new Dictionary<string, string?> { ["Ingest:DataFolder"] = _data.Path });
        builder.Services.AddSingleton(store);
        builder.Services.AddIngest(builder.Configuration);
        return builder.Services.BuildServiceProvider();
    }

    private static readonly SwingTask Swing = new();

    private static DecodedTelemetry Decoded(string device, ulong sequence)
    {
        var batch = new MotionBatch(device, 1, sequence, T0 + (long)sequence * 100_000, 500f, new float[50 * MotionChannels.Count]);
        var message = new ReceivedMessage($"{Topics.Root}/telemetry/test/{device}/motion", [], DateTimeOffset.UtcNow, new UnacknowledgedMessages(), static () => { });
        // Built directly, not decoded: the store must see a device id decoding would refuse.
        return new DecodedTelemetry(message, "motion", new TaskTelemetry(Swing, device, batch, [], batch.SampleCount), null);
    }

    /// <summary>A store whose write has a bug: it throws <see cref="ArgumentException"/> for a batch that is fine.</summary>
    private sealed class StoreWithABug : ITelemetryStore
    {
        public const string Message = "index was out of range (a bug, not bad input)";

        public int Writes { get; private set; }

        public ValueTask<int> WriteMotionAsync(IReadOnlyList<MotionBatch> batches, CancellationToken cancellationToken)
        {
            Writes++;
            throw new ArgumentException(Message);
        }

        public ValueTask<int> WriteFramesAsync(IReadOnlyList<MicroscopyFrame> frames, CancellationToken cancellationToken) => throw new NotSupportedException();

        public ValueTask<bool> WriteLabelAsync(SessionLabel label, CancellationToken cancellationToken) => throw new NotSupportedException();

        public ValueTask<IReadOnlyList<SessionLabel>> ReadLabelsAsync(string task, CancellationToken cancellationToken) => throw new NotSupportedException();

        public ValueTask<MotionSeries> ReadMotionAsync(string deviceId, long fromMicros, long toMicros, CancellationToken cancellationToken) => throw new NotSupportedException();

        public ValueTask<IReadOnlyList<MicroscopyFrame>> ReadFramesAsync(string deviceId, long fromMicros, long toMicros, CancellationToken cancellationToken) => throw new NotSupportedException();

        public ValueTask<int> WriteRecordsAsync(IReadOnlyList<TelemetryRecord> records, CancellationToken cancellationToken) => throw new NotSupportedException();

        public ValueTask<IReadOnlyList<TelemetryRecord>> ReadRecordsAsync(string kind, string deviceId, long fromMicros, long toMicros, CancellationToken cancellationToken) => throw new NotSupportedException();

        public ValueTask<StoreCounts> CountAsync(CancellationToken cancellationToken) => throw new NotSupportedException();

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
