using System.CommandLine;
using Pipeline.Runner.Dashboard;
using Pipeline.TestSupport;
using Xunit.Abstractions;

namespace Pipeline.EndToEnd.Tests;

/// <summary>
/// `pipeline dashboard --broker` against a running loop from outside it: the fleet comes from the broker and the models
/// from the data folder, the page says what it cannot show without ingest and the trainer in its process, and its event
/// stream sends the panels.
/// </summary>
[Collection(RunningLoopCollection.Name)]
public sealed class DashboardCommandTests
{
    private static readonly TimeSpan LoopTimeout = TimeSpan.FromMinutes(5);

    private readonly RunningLoopFixture _loop;

    public DashboardCommandTests(RunningLoopFixture loop, ITestOutputHelper output)
    {
        _loop = loop;
        loop.TestOutput = output;
    }

    [Fact]
    public async Task AgainstARunningLoop_ShowsItsDevicesAndModels_AndNamesWhatItCannotShow()
    {
        var output = new StringWriter();
        var synchronizedOutput = TextWriter.Synchronized(output);
        using var error = new StringWriter();
        using var stop = new CancellationTokenSource();
        var serving = new RootCommand { DashboardCommand.Create() }
            .Parse(["dashboard", "--broker", _loop.Broker, "--data", _loop.DataFolder, "--port", "0"])
            .InvokeAsync(new InvocationConfiguration { Output = synchronizedOutput, Error = error }, stop.Token);
        try
        {
            Uri? url = null;
            await Eventually.TrueAsync(() =>
            {
                Assert.False(serving.IsCompleted, $"pipeline dashboard ended: {error}");
                lock (synchronizedOutput)
                {
                    var line = output.ToString();
                    var at = line.IndexOf("serving ", StringComparison.Ordinal);
                    url = at < 0 ? null : new Uri(line[(at + "serving ".Length)..].Split(' ')[0]);
                }

                return url is not null;
            }, TimeSpan.FromSeconds(60), "pipeline dashboard to say where it serves");

            using var http = new HttpClient { BaseAddress = url, Timeout = TimeSpan.FromSeconds(30) };
            var page = await http.GetStringAsync("/");
            Assert.Contains("Not available from this source", page, StringComparison.Ordinal);
            Assert.Contains("ingest rates, queue depths and store write latency", page, StringComparison.Ordinal);
            Assert.Contains("<script>", page, StringComparison.Ordinal);
            Assert.DoesNotContain("http://", page.Replace(url!.ToString(), "", StringComparison.Ordinal).Replace("http://www.w3.org/2000/svg", "", StringComparison.Ordinal), StringComparison.Ordinal);

            await Eventually.TrueAsync(async () =>
            {
                _loop.ThrowIfEnded();
                var panels = await http.GetStringAsync("/panels");
                return panels.Contains("data-device=\"club-1\"", StringComparison.Ordinal) && panels.Contains("data-device=\"scope-1\"", StringComparison.Ordinal)
                    && panels.Contains("class=\"version\" data-task=\"swing\"", StringComparison.Ordinal)
                    && panels.Contains("class=\"version\" data-task=\"droplet\"", StringComparison.Ordinal);
            }, LoopTimeout, "both devices (from the broker) and a version of each task (from the data folder)");

            using var events = new StreamReader(await http.GetStreamAsync("/events"));
            Assert.Equal("event: panels", await events.ReadLineAsync());
            Assert.StartsWith("data: ", await events.ReadLineAsync(), StringComparison.Ordinal);
        }
        finally
        {
            await stop.CancelAsync();
            Assert.Equal(DashboardCommand.ExitOk, await Bounded.WithinAsync(serving, TimeSpan.FromSeconds(60), "pipeline dashboard to stop"));
            synchronizedOutput.Dispose();
        }
    }
}
