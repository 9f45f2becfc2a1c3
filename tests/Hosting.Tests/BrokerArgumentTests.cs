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

    [Fact]
    public void CreateBuilder_BrokerFlag_ConfiguresBrokerOptions()
    {
        var builder = ServiceDefaults.CreateBuilder(["--broker", "127.0.0.1:1999"]);
        Assert.Equal("127.0.0.1", builder.Configuration["Broker:Host"]);
        Assert.Equal("1999", builder.Configuration["Broker:Port"]);
    }

    [Fact]
    public void CreateBuilder_CommandLine_WinsOverOverrides()
    {
        var builder = ServiceDefaults.CreateBuilder(["--Broker:Port", "2000"], [new("Broker:Port", "1000")]);
        Assert.Equal("2000", builder.Configuration["Broker:Port"]);
    }
}
