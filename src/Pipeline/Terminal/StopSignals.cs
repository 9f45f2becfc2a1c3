using System.Runtime.InteropServices;

namespace Pipeline.Runner.Terminal;

/// <summary>
/// How every `pipeline` command stops on SIGINT (Ctrl-C) or SIGTERM (a supervisor): the first signal cancels
/// <see cref="Token"/>, and the command stops cleanly however long that takes (`pipeline up` stops its devices, lets
/// ingest drain and writes its report). A signal that comes at least <see cref="RepeatWindow"/> after the first is a
/// person insisting, and ends the process at once with 128 + the signal's number. Signals inside that window are the
/// same request delivered twice: a launcher such as `timeout` signals its whole process group and `dotnet run` forwards
/// the same signal to its child.
/// </summary>
/// <remarks>
/// System.CommandLine's own handling waits two seconds and then returns from the command while it is still stopping,
/// which skipped `pipeline up`'s report, and it threw when a second signal came in that time.
/// </remarks>
internal sealed class StopSignals : IDisposable
{
    public static readonly TimeSpan RepeatWindow = TimeSpan.FromSeconds(2);

    private readonly CancellationTokenSource _stop = new();
    private readonly TextWriter _console;
    private readonly TimeProvider _time;
    private readonly Action<int> _exit;
    private readonly List<PosixSignalRegistration> _registrations = [];
    private readonly Lock _gate = new();
    private long? _firstAt;

    internal StopSignals(TextWriter console, TimeProvider time, Action<int> exit)
    {
        _console = console;
        _time = time;
        _exit = exit;
    }

    /// <summary>Cancelled by the first SIGINT or SIGTERM.</summary>
    public CancellationToken Token => _stop.Token;

    /// <summary>Takes over SIGINT and SIGTERM for this process.</summary>
    public static StopSignals Register(TextWriter console)
    {
        var signals = new StopSignals(console, TimeProvider.System, Environment.Exit);
        foreach (var signal in new[] { PosixSignal.SIGINT, PosixSignal.SIGTERM })
        {
            signals._registrations.Add(PosixSignalRegistration.Create(signal, context =>
            {
                // The runtime's default would end the process here, before anything is stopped cleanly.
                context.Cancel = true;
                signals.Receive(context.Signal);
            }));
        }

        return signals;
    }

    /// <summary>What one delivered signal does (the registration calls it; tests call it directly).</summary>
    internal void Receive(PosixSignal signal)
    {
        var now = _time.GetTimestamp();
        lock (_gate)
        {
            if (_firstAt is not { } first)
            {
                _firstAt = now;
                _console.WriteLine($"pipeline: {Name(signal)} received, stopping cleanly (send it again after {RepeatWindow.TotalSeconds:0} s to stop at once)");
            }
            else if (_time.GetElapsedTime(first, now) < RepeatWindow)
            {
                return;
            }
            else
            {
                _console.WriteLine($"pipeline: {Name(signal)} received again, stopping at once");
                _exit(ExitCode(signal));
                return;
            }
        }

        // Off the signal thread: cancellation runs every registered callback, and the stop they start can take a while.
        _ = Task.Run(_stop.Cancel);
    }

    /// <summary>The conventional exit code of a process ended by <paramref name="signal"/>: 128 + its number.</summary>
    internal static int ExitCode(PosixSignal signal) => signal == PosixSignal.SIGINT ? 130 : 143;

    private static string Name(PosixSignal signal) => signal == PosixSignal.SIGINT ? "SIGINT" : "SIGTERM";

    public void Dispose()
    {
        foreach (var registration in _registrations)
        {
            registration.Dispose();
        }

        _stop.Dispose();
    }
}
