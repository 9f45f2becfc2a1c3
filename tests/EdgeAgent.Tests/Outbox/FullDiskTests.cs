using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Pipeline.EdgeAgent.Outbox;
using Pipeline.EdgeAgent.Tests.Agent;
using Pipeline.Protocol;
using Pipeline.TestSupport;
using Xunit.Abstractions;

namespace Pipeline.EdgeAgent.Tests.Outbox;

/// <summary>
/// The agent's data folder, outbox included, on a small tmpfs that its outbox fills during a broker outage: the
/// kernel's ENOSPC, not a simulated exception. Each test has its own mosquitto, stopped and restarted on the same port.
/// </summary>
public sealed class FullDiskTests : IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    private readonly ITestOutputHelper _output;
    private readonly RecordingLogger _log = new();
    private readonly ILoggerFactory _loggers;

    public FullDiskTests(ITestOutputHelper output)
    {
        _output = output;
        _loggers = LoggerFactory.Create(builder => builder
            .SetMinimumLevel(LogLevel.Information)
            .AddProvider(new TestOutputLoggerProvider(output, LogLevel.Information))
            .AddProvider(new RecordingLoggerProvider(_log)));
    }

    [Fact]
    [Trait("Category", "Faults")]
    public async Task OutboxDiskFullDuringAnOutage_PausesTheDeviceWithAnErrorNamingTheFolder_ThenDeliversEverySampleOnce()
    {
        const string device = "club-disk";
        const int sessions = 12;
        using var disk = TmpfsMount.Create(kibibytes: 256);
        await using var broker = await MosquittoBroker.StartAsync();
        await using var recorder = await TopicRecorder.StartPersistentAsync(broker.ToOptions(), _loggers.CreateLogger("recorder"),
            Topics.Motion(Topics.DefaultSite, device), Topics.Labels(Topics.DefaultSite, device));
        var received = new ReceivedStream(recorder, device);
        await broker.StopAsync();

        // About 12 sessions of 60 KB each through a 256 KiB disk, under the default 256 MiB cap: the disk fills, not the cap.
        var options = AgentFactory.Golf(device, disk.Path, maxSessions: sessions);
        var worker = AgentFactory.Create(broker.ToOptions(), options, _loggers);
        await worker.StartAsync(CancellationToken.None);
        try
        {
            await Eventually.TrueAsync(() => worker.ExecuteTask!.IsCompleted || DiskFullErrors(options.OutboxFolder).Any(), Patience,
                "the outbox fills the disk and says so");
            Assert.False(worker.ExecuteTask!.IsCompleted, $"the agent stopped on a full disk: {worker.ExecuteTask.Exception}");
            var full = worker.Snapshot();
            _output.WriteLine($"disk full: {full.OutboxDepth} messages waiting, {disk.AvailableBytes} bytes free; {DiskFullErrors(options.OutboxFolder).First()}");
            Assert.True(full.OutboxDepth > 0, "nothing waited in the outbox");
            Assert.Equal(0, full.OutboxDropped);

            await broker.RestartAsync();
            await Eventually.TrueAsync(() => worker.ExecuteTask.IsCompleted || (received.Labels().Count == sessions && worker.Snapshot().OutboxDepth == 0), Patience,
                "the backlog drains, the device resumes, and all its sessions arrive");
            Assert.False(worker.ExecuteTask.IsCompleted, $"the agent stopped: {worker.ExecuteTask.Exception}");
            Assert.Contains(_log.Messages, m => m.Contains(options.OutboxFolder, StringComparison.Ordinal) && m.Contains("appending resumes", StringComparison.Ordinal));
            Assert.Equal(0, worker.Snapshot().OutboxDropped);
        }
        finally
        {
            await worker.StopAsync(CancellationToken.None);
            worker.Dispose();
        }

        StreamCheckpoint end;
        using (var outbox = DiskOutbox.Open(options.OutboxFolder, options.OutboxMaxBytes, NullLogger.Instance))
        {
            end = outbox.Checkpoint!.Value;
        }

        var recorded = new RecordedStream(device);
        recorded.RunStarted(0);
        recorded.Account("the edge outbox on a full 256 KiB disk during a broker outage", received, end).AssertNothingLostOrDuplicated(_output.WriteLine);
        received.AssertOneCompleteStreamInOrder();
    }

    private IEnumerable<string> DiskFullErrors(string folder) =>
        _log.Messages.Where(m => m.Contains(folder, StringComparison.Ordinal) && m.Contains("no space left on device", StringComparison.OrdinalIgnoreCase));

    public void Dispose() => _loggers.Dispose();
}
