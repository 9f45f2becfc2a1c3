using Pipeline.Hosting.Mqtt;
using Pipeline.TestSupport;
using Xunit.Abstractions;

namespace Pipeline.Ingest.Tests;

public sealed class IngestOnMosquittoTests(MosquittoBrokerFixture broker, ITestOutputHelper output)
    : IngestContract(output), IClassFixture<MosquittoBrokerFixture>
{
    protected override BrokerOptions Broker => broker.Broker.ToOptions();
}
