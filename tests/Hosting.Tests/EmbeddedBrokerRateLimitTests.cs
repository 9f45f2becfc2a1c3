using Microsoft.Extensions.Logging;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;
using Pipeline.Hosting.Mqtt;
using Pipeline.TestSupport;
using Xunit.Abstractions;

namespace Pipeline.Hosting.Tests;

/// <summary>One client over its publish rate is refused with "quota exceeded"; the others are not slowed.</summary>
public sealed class EmbeddedBrokerRateLimitTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const double Rate = 5;
    private readonly ILoggerFactory _logs = TestOutputLoggerProvider.CreateFactory(output, LogLevel.Information);
    private EmbeddedBroker? _broker;

    public async Task InitializeAsync() =>
        _broker = await EmbeddedBroker.StartAsync(new EmbeddedBrokerSettings { MaxPublishesPerSecondPerClient = Rate }, _logs.CreateLogger("broker"), CancellationToken.None);

    public async Task DisposeAsync() => await _broker!.DisposeAsync();

    [Fact]
    public async Task ClientOverItsRate_IsRefusedWithQuotaExceeded_WhileAnotherClientPublishesFreely()
    {
        using var noisy = await ConnectRawAsync("noisy");
        using var quiet = await ConnectRawAsync("quiet");

        var noisyCodes = new List<MqttClientPublishReasonCode>();
        for (var i = 0; i < 200; i++)
        {
            noisyCodes.Add((await noisy.PublishAsync(Message("noisy/t"))).ReasonCode);
        }

        var quietCode = (await quiet.PublishAsync(Message("quiet/t"))).ReasonCode;

        Assert.Contains(MqttClientPublishReasonCode.QuotaExceeded, noisyCodes);
        // The burst of twice the rate passes before any refusal.
        Assert.All(noisyCodes.Take((int)(2 * Rate)), code => Assert.NotEqual(MqttClientPublishReasonCode.QuotaExceeded, code));
        Assert.NotEqual(MqttClientPublishReasonCode.QuotaExceeded, quietCode);
    }

    private static MqttApplicationMessage Message(string topic) =>
        new MqttApplicationMessageBuilder().WithTopic(topic).WithPayload([1]).WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build();

    private async Task<IMqttClient> ConnectRawAsync(string clientId)
    {
        var client = new MqttClientFactory().CreateMqttClient();
        await client.ConnectAsync(new MqttClientOptionsBuilder().WithTcpServer(_broker!.Host, _broker.Port).WithClientId(clientId)
            .WithProtocolVersion(MqttProtocolVersion.V500).Build());
        return client;
    }
}
