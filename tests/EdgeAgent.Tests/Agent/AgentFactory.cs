using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Pipeline.EdgeAgent.Agent;
using Pipeline.EdgeAgent.Devices;
using Pipeline.Hosting.Mqtt;
using Pipeline.TestSupport;

namespace Pipeline.EdgeAgent.Tests.Agent;

/// <summary>Builds agents wired to a real broker, the way the host would.</summary>
internal static class AgentFactory
{
    /// <summary>The device kinds a host registers (<see cref="DeviceKindServiceCollectionExtensions.AddDeviceKinds"/>).</summary>
    public static DeviceKindRegistry Kinds { get; } = new ServiceCollection().AddDeviceKinds().BuildServiceProvider().GetRequiredService<DeviceKindRegistry>();

    public static EdgeAgentWorker Create(BrokerOptions broker, EdgeAgentOptions options, ILoggerFactory loggers) =>
        new(options, Kinds, new MqttConnectionFactory(Options.Create(broker), loggers), TimeProvider.System, loggers);

    /// <summary>Stops the agent as its host would, then lets it go.</summary>
    public static async Task StopAsync(EdgeAgentWorker worker)
    {
        await worker.StopAsync(CancellationToken.None);
        worker.Dispose();
    }

    public static EdgeAgentOptions Golf(string deviceId, string dataFolder, int maxSessions = 0) => new()
    {
        DeviceId = deviceId,
        Kind = DeviceKinds.Golf,
        SpeedFactor = 200,
        Seed = 3,
        DataFolder = dataFolder,
        MaxSessions = maxSessions,
        TrustedModelKeysFolder = TestModelKeys.TrustedFolder,
    };

    public static EdgeAgentOptions Microscope(string deviceId, string dataFolder, int maxSessions = 0) => new()
    {
        DeviceId = deviceId,
        Kind = DeviceKinds.Microscope,
        SpeedFactor = 200,
        Seed = 4,
        DataFolder = dataFolder,
        FrameSize = 64,
        FramesPerSession = 3,
        FrameInterval = TimeSpan.FromSeconds(1),
        MaxDegradation = 0.6f,
        MaxSessions = maxSessions,
        TrustedModelKeysFolder = TestModelKeys.TrustedFolder,
    };
}
