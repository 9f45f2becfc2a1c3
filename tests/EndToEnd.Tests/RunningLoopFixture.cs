using System.Text;
using Pipeline.Runner.Up;
using Pipeline.TestSupport;
using Xunit.Abstractions;

namespace Pipeline.EndToEnd.Tests;

/// <summary>
/// One `pipeline up` loop kept running for a test class: embedded broker, one round per task (a second never starts,
/// since it would need the labelled sessions to grow a hundredfold), the dashboard on a free port. Tests wait on what
/// they need to see; disposing stops the loop as Ctrl-C would and keeps what it printed.
/// </summary>
public sealed class RunningLoopFixture : IAsyncLifetime, IDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromMinutes(2);

    private readonly TemporaryFolder _data = new("pipeline-dashboard");
    private readonly CancellationTokenSource _stop = new();
    private readonly CapturedOutput _output = new();
    private LocalLoop? _loop;
    private Task<RunOutcome>? _running;

    public string DataFolder => _data.Path;

    public Uri Dashboard { get; private set; } = null!;

    public string Broker { get; private set; } = "";

    /// <summary>Everything the loop has printed so far.</summary>
    public string Output => _output.Text;

    /// <summary>Where the loop's lines go besides <see cref="Output"/>: the current test's output.</summary>
    public ITestOutputHelper? TestOutput
    {
        set => _output.Test = value;
    }

    /// <summary>The loop's outcome once <see cref="StopAsync"/> has stopped it.</summary>
    internal RunOutcome? Outcome { get; private set; }

    public async Task InitializeAsync()
    {
        var settings = new UpSettings(
            Rounds: 0,
            DataFolder: _data.Path,
            ExternalBroker: null,
            BrokerPort: 0,
            Speed: 50,
            Schedule: "pipelined",
            SettleTimeout: TimeSpan.FromSeconds(90),
            Overrides: [new("Trainer:Epochs", "4"), new("Trainer:MinExamplesPerClass", "3"), new("Trainer:MinClasses", "2"), new("Trainer:MinGrowthBetweenRounds", "100")],
            DashboardPort: 0);
        Assert.Null(settings.Validate());
        _loop = new LocalLoop(settings, _output);
        _running = _loop.RunAsync(_stop.Token);
        Broker = await Bounded.WithinAsync(_loop.Broker, StartTimeout, "the loop's broker to start");
        Dashboard = await Bounded.WithinAsync(_loop.Dashboard, StartTimeout, "the dashboard to start")
            ?? throw new InvalidOperationException($"the dashboard did not start:\n{Output}");
    }

    /// <summary>Throws, with what the loop printed, when it has ended before the test stopped it: nothing will appear any more.</summary>
    public void ThrowIfEnded()
    {
        if (_running is { IsCompleted: true } && Outcome is null)
        {
            throw new InvalidOperationException($"the loop ended on its own ({_running.Exception?.GetBaseException().Message ?? "no error"}):\n{Output}");
        }
    }

    /// <summary>Stops the loop as Ctrl-C would and waits for its report.</summary>
    internal async Task<RunOutcome> StopAsync()
    {
        if (Outcome is null && _running is not null)
        {
            await _stop.CancelAsync();
            Outcome = await Bounded.WithinAsync(_running, TimeSpan.FromMinutes(2), "the loop to stop after Ctrl-C");
        }

        return Outcome!;
    }

    public async Task DisposeAsync()
    {
        await StopAsync();
        Dispose();
    }

    public void Dispose()
    {
        _stop.Dispose();
        _output.Dispose();
        _data.Dispose();
    }

    /// <summary>Keeps every line for assertions and copies it to the current test's output.</summary>
    private sealed class CapturedOutput : TextWriter
    {
        private readonly StringBuilder _all = new();
        private readonly StringBuilder _line = new();

        public ITestOutputHelper? Test { get; set; }

        public override Encoding Encoding => Encoding.UTF8;

        public string Text
        {
            get
            {
                lock (_all)
                {
                    return _all.ToString();
                }
            }
        }

        public override void Write(char value)
        {
            lock (_all)
            {
                _all.Append(value);
                if (value != '\n')
                {
                    _line.Append(value);
                    return;
                }

                try
                {
                    Test?.WriteLine(_line.ToString());
                }
                catch (InvalidOperationException)
                {
                    // That test has finished.
                }

                _line.Clear();
            }
        }
    }
}
