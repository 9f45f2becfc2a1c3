using Pipeline.Hosting.Mqtt;
using Pipeline.TestSupport;
using Xunit.Abstractions;

namespace Pipeline.Ingest.Tests;

public sealed class IngestOnEmbeddedBrokerTests(EmbeddedBrokerFixture broker, ITestOutputHelper output)
    : IngestContract(output), IClassFixture<EmbeddedBrokerFixture>
{
    protected override BrokerOptions Broker => broker.Broker.ToOptions();
}
