using Microsoft.Extensions.Options;
using Pipeline.Hosting;
using Pipeline.Hosting.Mqtt;

namespace Pipeline.Hosting.Tests;

public class BrokerArgumentTests
{
    [Fact]
    public void Expand_BrokerFlag_BecomesHostAndPortKeys()
    {
        Assert.Equal(["--x", "1", "--Broker:Host", "10.0.0.5", "--Broker:Port", "1884"], BrokerArgument.Expand(["--x", "1", "--broker", "10.0.0.5:1884"]));
        Assert.Equal(["--Broker:Host", "::1", "--Broker:Port", "1883"], BrokerArgument.Expand(["--broker=[::1]:1883"]));
    }

    [Theory]
    [InlineData("localhost")]
    [InlineData("localhost:http")]
    [InlineData("localhost:70000")]
    [InlineData("")]
    public void Expand_MalformedBroker_FailsNamingTheFlag(string value)
    {
        var error = Assert.Throws<OptionsValidationException>(() => BrokerArgument.Expand(["--broker", value]));
        Assert.Contains("--broker", error.Message, StringComparison.Ordinal);
    }
}
