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
}
