using Microsoft.Extensions.Logging;
using Pipeline.Hosting.Mqtt;
using Pipeline.TestSupport;
using Xunit.Abstractions;

namespace Pipeline.EdgeAgent.Tests.Agent;

public sealed class AgentLoopFailureTests(ITestOutputHelper output) : IDisposable
{
    private readonly ILoggerFactory _loggers = TestOutputLoggerProvider.CreateFactory(output, LogLevel.Information);
    private readonly TemporaryFolder _folder = new("agent-loop-failure");

    public void Dispose()
    {
        _loggers.Dispose();
        _folder.Dispose();
    }

    [Fact]
    public async Task ALoopFailingWhileTheBrokerIsAway_StopsTheAgent_InsteadOfLeavingItSilentlyDead()
    {
        // Nothing listens there: the agent keeps reconnecting for as long as the test lasts.
        var away = new BrokerOptions { Host = "127.0.0.1", Port = EmbeddedBroker.FreeLoopbackPort(), ReconnectMaxDelay = TimeSpan.FromSeconds(0.2) };
        var options = AgentFactory.Golf("club-orphan", _folder.Combine("club-orphan"));
        var worker = AgentFactory.Create(away, options, _loggers);
        await worker.StartAsync(CancellationToken.None);
        try
        {
            await Eventually.TrueAsync(() => worker.Snapshot().OutboxDepth > 0, TimeSpan.FromSeconds(30), "the device records into its outbox");

            // The outbox's folder disappears under it (moved away in one step, as the agent keeps writing): the next
            // segment cannot be created, and the streamer fails.
            Directory.Move(options.OutboxFolder, options.OutboxFolder + "-gone");

            await Eventually.TrueAsync(() => worker.ExecuteTask!.IsCompleted, TimeSpan.FromSeconds(30), "the agent stops on its failed loop");
            Assert.True(worker.ExecuteTask!.IsFaulted, $"the agent ended {worker.ExecuteTask.Status}, not with the loop's error");
        }
        finally
        {
            await worker.StopAsync(CancellationToken.None);
        }
    }
}
