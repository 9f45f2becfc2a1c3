using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Pipeline.Hosting.Logs;

namespace Pipeline.Hosting.Tests;

public class ServiceDefaultsTests
{
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

    [Fact]
    public void CreateBuilder_Precedence_IsAppsettingsThenEnvironmentThenCommandLine()
    {
        // Keys of their own, so the process-wide environment variables touch no other test.
        const string section = "PrecedenceCheck";
        string[] variables = [$"{ServiceDefaults.EnvironmentPrefix}{section}__FileAndEnvironment", $"{ServiceDefaults.EnvironmentPrefix}{section}__Everywhere"];
        try
        {
            foreach (var variable in variables)
            {
                Environment.SetEnvironmentVariable(variable, "environment");
            }

            var configuration = ServiceDefaults.CreateBuilder([$"--{section}:Everywhere", "command-line"]).Configuration;

            Assert.Equal("file", configuration[$"{section}:FileOnly"]);
            Assert.Equal("environment", configuration[$"{section}:FileAndEnvironment"]);
            Assert.Equal("command-line", configuration[$"{section}:Everywhere"]);
        }
        finally
        {
            foreach (var variable in variables)
            {
                Environment.SetEnvironmentVariable(variable, null);
            }
        }
    }

    [Fact]
    public void CreateBuilder_RepeatedOverride_LastOneWins()
    {
        var builder = ServiceDefaults.CreateBuilder([], [new("Trainer:Epochs", "20"), new("Trainer:Epochs", "4")]);
        Assert.Equal("4", builder.Configuration["Trainer:Epochs"]);
    }

    [Fact]
    public void CreateBuilder_ExecutableDefaults_LoseToEveryOtherSource()
    {
        KeyValuePair<string, string?>[] defaults = [new("Http:Port", "8081"), new("Http:Address", "0.0.0.0")];

        var builder = ServiceDefaults.CreateBuilder(["--Http:Port", "9999"], [new("Http:Address", "127.0.0.2")], defaults);

        Assert.Equal("9999", builder.Configuration["Http:Port"]);
        Assert.Equal("127.0.0.2", builder.Configuration["Http:Address"]);
        Assert.Equal("8081", ServiceDefaults.CreateBuilder([], defaults: defaults).Configuration["Http:Port"]);
    }

    [Fact]
    public void ShutdownTimeout_Is25SecondsUnlessConfigured()
    {
        using var standard = ServiceDefaults.CreateBuilder([]).Build();
        using var configured = ServiceDefaults.CreateBuilder(["--Shutdown:Timeout", "00:00:07"]).Build();

        Assert.Equal(TimeSpan.FromSeconds(25), standard.Services.GetRequiredService<IOptions<HostOptions>>().Value.ShutdownTimeout);
        Assert.Equal(TimeSpan.FromSeconds(7), configured.Services.GetRequiredService<IOptions<HostOptions>>().Value.ShutdownTimeout);
    }

    [Fact]
    public void ShutdownTimeout_Zero_FailsNamingTheKey()
    {
        var builder = ServiceDefaults.CreateBuilder(["--Shutdown:Timeout", "00:00:00"]);

        var error = Assert.Throws<OptionsValidationException>(() => builder.Build());
        Assert.Contains("Shutdown:Timeout", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void LoggingFormat_Unknown_FailsNamingTheKeyAndTheChoices()
    {
        var error = Assert.Throws<OptionsValidationException>(() => ServiceDefaults.CreateBuilder(["--Logging:Format", "xml"]));

        Assert.Contains(LogFormat.Key, error.Message, StringComparison.Ordinal);
        Assert.Contains("'json'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void HttpOptions_BadAddress_FailsAtStart()
    {
        using var host = ServiceDefaults.CreateBuilder(["--Http:Port", "1", "--Http:Address", "not-an-address"]).Build();

        var error = Assert.Throws<OptionsValidationException>(() => host.Services.GetRequiredService<IOptions<Http.HttpEndpointOptions>>().Value);
        Assert.Contains("Http", error.Message, StringComparison.Ordinal);
    }
}
