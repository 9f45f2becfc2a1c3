using System.Diagnostics;
using Microsoft.Extensions.Hosting;
using Pipeline.Hosting.Mqtt;

namespace Pipeline.Ingest.Bench;

/// <summary>
/// Our live rate: ingest runs in this process against mosquitto and one store backend; publishers in the same process
/// send a load of motion batches, and the clock runs from the first publish until ingest has stored every sample (it
/// counts a sample once its store write returned; the store's own count is checked afterwards). Bounded by what the
/// publishers reach on the same cores, so it is not like for like with the raw broker drain; see <see cref="BacklogDrainIngest"/>.
/// </summary>
public sealed class EndToEndIngest : IAsyncDisposable
{
    private readonly IHost _host;
    private readonly BrokerOptions _broker;
    private readonly string _clientId;
    private long _expectedSamples;

    private EndToEndIngest(IHost host, BrokerOptions broker, string clientId)
    {
        _host = host;
        _broker = broker;
        _clientId = clientId;
    }

    public static async Task<EndToEndIngest> StartAsync(BrokerOptions broker, string dataFolder, IEnumerable<KeyValuePair<string, string?>> storeSettings, CancellationToken cancellationToken)
    {
        var clientId = $"bench-ingest-{Guid.NewGuid():N}"[..24];
        var host = IngestHost.Build(broker, dataFolder, clientId, storeSettings);
        await IngestHost.StartAsync(host, cancellationToken);
        return new EndToEndIngest(host, broker, clientId);
    }

    public async Task<double> MeasureSamplesPerSecondAsync(MotionLoad load, CancellationToken cancellationToken)
    {
        _expectedSamples += load.Samples;
        var started = Stopwatch.GetTimestamp();
        var publishing = LoadPublisher.PublishAsync(_broker, load.Messages, connections: 4, window: 100, fixedTopic: null, cancellationToken);
        await IngestHost.WaitForStoredAsync(_host, _expectedSamples, cancellationToken);
        var elapsed = Stopwatch.GetElapsedTime(started);
        await publishing;
        await IngestHost.CheckStoredAsync(_host, _expectedSamples, cancellationToken);
        return load.Samples / elapsed.TotalSeconds;
    }

    public async ValueTask DisposeAsync()
    {
        await _host.StopAsync();
        _host.Dispose();
        await BrokerSessions.DiscardAsync(_broker, _clientId);
    }
}
