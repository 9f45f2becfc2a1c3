using System.Runtime.InteropServices;
using Microsoft.Extensions.Time.Testing;
using Pipeline.Runner.Terminal;

namespace Pipeline.EndToEnd.Tests;

public sealed class StopSignalsTests : IDisposable
{
    private readonly FakeTimeProvider _time = new();
    private readonly StringWriter _console = new();
    private readonly List<int> _exits = [];

    [Theory]
    [InlineData(PosixSignal.SIGINT)]
    [InlineData(PosixSignal.SIGTERM)]
    public async Task FirstSignal_CancelsTheToken_AndDoesNotExit(PosixSignal signal)
    {
        using var signals = Create();

        signals.Receive(signal);

        await WaitCancelledAsync(signals.Token);
        Assert.Empty(_exits);
        Assert.Contains("stopping cleanly", _console.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task RepeatInsideTheWindow_IsTheSameRequest_NotAnExit()
    {
        using var signals = Create();

        signals.Receive(PosixSignal.SIGTERM);
        _time.Advance(StopSignals.RepeatWindow - TimeSpan.FromMilliseconds(1));
        signals.Receive(PosixSignal.SIGTERM);
        signals.Receive(PosixSignal.SIGINT);

        await WaitCancelledAsync(signals.Token);
        Assert.Empty(_exits);
    }

    [Theory]
    [InlineData(PosixSignal.SIGINT, 130)]
    [InlineData(PosixSignal.SIGTERM, 143)]
    public void RepeatAfterTheWindow_ExitsAtOnce_With128PlusTheSignal(PosixSignal second, int expected)
    {
        using var signals = Create();

        signals.Receive(PosixSignal.SIGTERM);
        _time.Advance(StopSignals.RepeatWindow);
        signals.Receive(second);

        Assert.Equal([expected], _exits);
        Assert.Contains("stopping at once", _console.ToString(), StringComparison.Ordinal);
    }

    private StopSignals Create() => new(_console, _time, _exits.Add);

    private static Task WaitCancelledAsync(CancellationToken token) =>
        Task.Delay(Timeout.Infinite, token).ContinueWith(_ => { }, TaskScheduler.Default).WaitAsync(TimeSpan.FromSeconds(30), CancellationToken.None);

    public void Dispose() => _console.Dispose();
}
