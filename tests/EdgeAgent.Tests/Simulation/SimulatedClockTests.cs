using Microsoft.Extensions.Time.Testing;
using Pipeline.Simulation;

namespace Pipeline.EdgeAgent.Tests.Simulation;

public sealed class SimulatedClockTests
{
    [Fact]
    public void NowMicros_StartsAtRealTime_AndRunsSpeedFactorTimesFaster()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2025, 6, 1, 12, 0, 0, TimeSpan.Zero));
        var clock = new SimulatedClock(time, speedFactor: 25);
        Assert.Equal(time.GetUtcNow().ToUnixTimeMilliseconds() * 1000, clock.StartMicros);

        time.Advance(TimeSpan.FromSeconds(2));

        Assert.Equal(clock.StartMicros + 50_000_000, clock.NowMicros);
    }

    [Fact]
    public async Task WaitUntilAsync_CompletesOnlyWhenWallTimeCatchesUp()
    {
        var time = new FakeTimeProvider();
        var clock = new SimulatedClock(time, speedFactor: 10);
        var wait = clock.WaitUntilAsync(clock.StartMicros + 10_000_000, CancellationToken.None);

        time.Advance(TimeSpan.FromMilliseconds(900));
        Assert.False(wait.IsCompleted);
        time.Advance(TimeSpan.FromMilliseconds(100));
        await wait.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.True(clock.WaitUntilAsync(clock.StartMicros, CancellationToken.None).IsCompleted);
    }

    [Fact]
    public void Constructor_NonPositiveSpeedFactor_IsRefused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new SimulatedClock(TimeProvider.System, 0));
    }
}
