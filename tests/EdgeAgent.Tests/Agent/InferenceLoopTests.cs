using Microsoft.Extensions.Logging.Abstractions;
using Pipeline.EdgeAgent.Agent;
using Pipeline.EdgeAgent.Inference;
using Pipeline.Hosting.Mqtt;

namespace Pipeline.EdgeAgent.Tests.Agent;

public sealed class InferenceLoopTests
{
    [Fact]
    public async Task Offer_WhenInferenceFallsBehind_DropsOldestInputsAndCountsThem_WithoutWaiting()
    {
        var options = AgentFactory.Golf("club-queue", Path.GetTempPath());
        options.InferenceQueueCapacity = 2;
        var telemetry = new AgentTelemetry(AgentTelemetryInstruments.Unexported, "test-device");
        await using var connection = new MqttConnectionFactory(new BrokerOptions(), NullLoggerFactory.Instance).Create("unused");
        using var models = new ModelSlot();
        var loop = new InferenceLoop(options, AgentFactory.Kinds.TaskOf(options.Kind), models, connection, telemetry, NullLogger.Instance);

        for (var i = 0; i < 5; i++)
        {
            loop.Offer(new InferenceRequest(1 + i, new float[8], "p1:draw"));
        }

        Assert.Equal(3, telemetry.InferenceDrops);
    }
}
