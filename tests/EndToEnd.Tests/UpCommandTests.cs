using System.CommandLine;
using Pipeline.Runner.Up;
using Pipeline.TestSupport;

namespace Pipeline.EndToEnd.Tests;

public class UpCommandTests
{
    private static readonly TimeSpan Refusal = TimeSpan.FromSeconds(60);

    [Theory]
    [InlineData("--rounds", "-1")]
    [InlineData("--broker", "localhost")]
    [InlineData("--broker", "localhost:99999")]
    [InlineData("--speed", "0")]
    [InlineData("--schedule", "sideways")]
    [InlineData("--port", "70000")]
    [InlineData("--set", "Trainer:Epochs")]
    public async Task Up_BadArgument_ExitsWithTwoBeforeStartingAnything(string flag, string value)
    {
        var data = Path.Combine(Path.GetTempPath(), $"up-bad-{Guid.NewGuid():N}");
        var root = new RootCommand { UpCommand.Create() };

        // Refused, `up` returns at once; accepted, it would run until stopped (no --rounds), so the wait is bounded.
        var exit = await Bounded.WithinAsync(root.Parse(["up", "--data", data, flag, value]).InvokeAsync(), Refusal, $"`pipeline up {flag} {value}`, which must be refused");

        Assert.Equal(UpCommand.ExitBadArguments, exit);
        Assert.False(Directory.Exists(data), "a refused run must not create its data folder");
    }

    [Theory]
    [InlineData("Trainer:Schedule=sideways", "Trainer:Epochs=5")]
    [InlineData("Store:Backend=cassette", "Trainer:Epochs=5")]
    [InlineData("Influx:Url=ftp://nowhere", "Store:Backend=influx")]
    public async Task Up_InvalidComponentSetting_ExitsWithTwo(string setting, string companion)
    {
        var data = Directory.CreateTempSubdirectory("up-bad-setting-").FullName;
        try
        {
            var root = new RootCommand { UpCommand.Create() };
            var exit = await Bounded.WithinAsync(root.Parse(["up", "--data", data, "--port", "0", "--set", setting, "--set", companion]).InvokeAsync(), Refusal,
                $"`pipeline up --set {setting} --set {companion}`, which must be refused");
            Assert.Equal(UpCommand.ExitBadArguments, exit);
        }
        finally
        {
            Directory.Delete(data, recursive: true);
        }
    }

    [Fact]
    public void Settings_ValidDefaults_HaveNoProblem()
    {
        var settings = new UpSettings(2, "data", null, 1883, 25, "pipelined", TimeSpan.FromMinutes(2), []);
        Assert.Null(settings.Validate());
    }
}
