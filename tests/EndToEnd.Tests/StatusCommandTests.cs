using System.CommandLine;
using System.Text.Json;
using Pipeline.Protocol;
using Pipeline.Runner.Status;
using Pipeline.Tasks;
using Pipeline.TestSupport;
using Xunit.Abstractions;

namespace Pipeline.EndToEnd.Tests;

/// <summary>`pipeline status` against a running loop: devices, versions and rates, as text and as JSON that parses.</summary>
[Collection(RunningLoopCollection.Name)]
public sealed class StatusCommandTests
{
    private static readonly TimeSpan LoopTimeout = TimeSpan.FromMinutes(5);

    private readonly RunningLoopFixture _loop;
    private readonly ITestOutputHelper _output;

    public StatusCommandTests(RunningLoopFixture loop, ITestOutputHelper output)
    {
        _loop = loop;
        _output = output;
        loop.TestOutput = output;
    }

    [Fact]
    public async Task Json_ParsesAndNamesBothDevices_TheirVersions_AndRates()
    {
        JsonElement root = default;
        await Eventually.TrueAsync(async () =>
        {
            _loop.ThrowIfEnded();
            var (code, output, error) = await RunAsync("--json", "--seconds", "1");
            Assert.True(code == StatusCommand.ExitOk, $"exit {code}: {error}");
            using var json = JsonDocument.Parse(output);
            root = json.RootElement.Clone();
            return TaskRegistry.BuiltIn.Names.All(task => root.GetProperty("versions").EnumerateArray()
                .Any(v => v.GetProperty("task").GetString() == task && v.GetProperty("devices").GetArrayLength() == 1));
        }, LoopTimeout, "status to show each task's device on a version");

        _output.WriteLine(root.ToString());
        var devices = root.GetProperty("devices").EnumerateArray().ToDictionary(d => d.GetProperty("id").GetString()!);
        Assert.Equal(["club-1", "scope-1"], devices.Keys.Order(StringComparer.Ordinal));
        Assert.All(devices.Values, d => Assert.Equal("online", d.GetProperty("state").GetString()));
        Assert.All(devices.Values, d => Assert.True(d.GetProperty("modelVersion").GetInt32() >= 1));
        var rates = root.GetProperty("rates");
        Assert.True(rates.GetProperty("windowSeconds").GetDouble() >= 1);
        Assert.True(rates.GetProperty("motionSamplesPerSecond").GetDouble() >= 0);
        Assert.True(rates.TryGetProperty("predictionsPerSecond", out _));
        Assert.Equal(2, root.GetProperty("lastDecisions").GetArrayLength());
        Assert.True(root.GetProperty("store").GetProperty("motionSamples").GetInt64() > 0);
    }

    [Fact]
    public async Task Text_ListsDevices_Versions_AndRates()
    {
        await Eventually.TrueAsync(async () =>
        {
            _loop.ThrowIfEnded();
            var (code, output, error) = await RunAsync("--seconds", "1");
            Assert.True(code == StatusCommand.ExitOk, $"exit {code}: {error}");
            _output.WriteLine(output);
            return output.Contains("club-1", StringComparison.Ordinal) && output.Contains("scope-1", StringComparison.Ordinal)
                && output.Contains("swing    v1", StringComparison.Ordinal) && output.Contains("droplet  v1", StringComparison.Ordinal)
                && output.Contains("rates over", StringComparison.Ordinal);
        }, LoopTimeout, "status text to list both devices, a version of each task and the rates");
    }

    [Fact]
    public async Task NoBrokerThere_ExitsWithOne_NamingTheBroker()
    {
        var (code, _, error) = await RunAsync(["--broker", "127.0.0.1:1", "--timeout-seconds", "2", "--seconds", "0.5"], withLoop: false);
        Assert.Equal(StatusCommand.ExitUnreachable, code);
        Assert.Contains("127.0.0.1:1", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--broker", "nowhere")]
    [InlineData("--seconds", "0")]
    [InlineData("--data", "/no/such/folder")]
    public async Task BadArgument_ExitsWithTwo(string flag, string value)
    {
        var (code, _, error) = await RunAsync([flag, value], withLoop: false);
        Assert.Equal(StatusCommand.ExitBadArguments, code);
        Assert.Contains(flag, error, StringComparison.Ordinal);
    }

    private Task<(int Code, string Output, string Error)> RunAsync(params string[] args) => RunAsync(args, withLoop: true);

    private async Task<(int Code, string Output, string Error)> RunAsync(string[] args, bool withLoop)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        string[] target = withLoop ? ["--broker", _loop.Broker, "--data", _loop.DataFolder] : [];
        var code = await new RootCommand { StatusCommand.Create() }.Parse(["status", .. target, .. args]).InvokeAsync(new InvocationConfiguration { Output = output, Error = error });
        return (code, output.ToString(), error.ToString());
    }
}
