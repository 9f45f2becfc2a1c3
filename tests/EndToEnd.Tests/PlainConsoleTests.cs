using Pipeline.Runner.Registry;
using Pipeline.Runner.Terminal;
using Pipeline.Runner.Up;
using Pipeline.TestSupport;
using Xunit.Abstractions;

namespace Pipeline.EndToEnd.Tests;

/// <summary>
/// Which console people get (a live display only in a terminal, without --plain), and what a redirected `pipeline up`
/// prints: plain lines, never a terminal control sequence, ending with where to look next.
/// </summary>
[Collection(RunningLoopCollection.Name)]
public sealed class PlainConsoleTests
{
    private static readonly TimeSpan LoopTimeout = TimeSpan.FromMinutes(5);

    private readonly RunningLoopFixture _loop;

    public PlainConsoleTests(RunningLoopFixture loop, ITestOutputHelper output)
    {
        _loop = loop;
        loop.TestOutput = output;
    }

    [Theory]
    [InlineData(false, false, true, ConsoleMode.Live)]
    [InlineData(true, false, true, ConsoleMode.Plain)]
    [InlineData(false, true, true, ConsoleMode.Plain)]
    [InlineData(false, false, false, ConsoleMode.Plain)]
    [InlineData(true, true, false, ConsoleMode.Plain)]
    internal void Decide_LiveOnlyInAnAnsiTerminalWithoutPlain(bool plain, bool redirected, bool ansi, ConsoleMode expected) =>
        Assert.Equal(expected, ConsoleModeChoice.Decide(plain, redirected, ansi));

    [Fact]
    public void ThisTestHost_HasItsOutputRedirected_SoGetsPlainLines() =>
        Assert.Equal(ConsoleMode.Plain, ConsoleModeChoice.ForThisProcess(plainRequested: false));

    [Fact]
    public async Task RedirectedLoop_PrintsPlainLines_WithTheDashboardAndEachRound()
    {
        await Eventually.TrueAsync(() => Live() && _loop.Output.Contains("round 1 swing: trained on", StringComparison.Ordinal)
            && _loop.Output.Contains("round 1 droplet: trained on", StringComparison.Ordinal), LoopTimeout, "a plain line for each task's first round");
        var output = _loop.Output;
        Assert.Contains($"pipeline up: dashboard at {_loop.Dashboard}", output, StringComparison.Ordinal);
        Assert.Contains("ingested ", output, StringComparison.Ordinal);
        Assert.DoesNotContain('\u001b', output);
    }

    [Fact]
    public void WhereToLookNext_NamesTheReport_EachModelsCharts_TheModelsCommand_AndTheDashboard()
    {
        var report = new RunReport(new IngestedReport(1, 1, 1, 1, 0),
            [new ModelReport("swing", 3, 0.9, 0.88, 40, 160, "pipelined", "/d/models/swing/v3")], [], [], [], DateTimeOffset.UnixEpoch, 1, "127.0.0.1:1883", "/d",
            "http://127.0.0.1:8080/", new List<Rollout>());
        var text = WhereToLookNext.Describe(report, "/d/runs/x/report.json", logPath: null);
        Assert.Contains("/d/runs/x/report.json", text, StringComparison.Ordinal);
        Assert.Contains("/d/models/swing/v3/loss.png", text, StringComparison.Ordinal);
        Assert.Contains("pipeline models list --data /d", text, StringComparison.Ordinal);
        Assert.Contains("http://127.0.0.1:8080/", text, StringComparison.Ordinal);
        Assert.Contains("pipeline status --data /d --broker 127.0.0.1:1883", text, StringComparison.Ordinal);
    }

    private bool Live()
    {
        _loop.ThrowIfEnded();
        return true;
    }
}
