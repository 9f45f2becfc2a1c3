using Xunit.Abstractions;

namespace Pipeline.EndToEnd.Tests;

/// <summary>The loop on embedded defaults only: MQTTnet broker in process, embedded store.</summary>
public sealed class EmbeddedBrokerLoopTests(ITestOutputHelper output) : WholeLoopContract(output)
{
    protected override Task<string?> BrokerAsync() => Task.FromResult<string?>(null);
}
