using Pipeline.Runner.Up;
using Pipeline.TestSupport;

namespace Pipeline.EndToEnd.Tests;

/// <summary>
/// `pipeline up` as a supervisor or `timeout` stops it: SIGTERM delivered twice at once (to the process group and
/// forwarded by the launcher). The run stops cleanly, writes its report and exits 0, however long the stop takes.
/// </summary>
public sealed class UpStopSignalTests
{
    private static readonly TimeSpan Streaming = TimeSpan.FromMinutes(2);
    private static readonly TimeSpan Stop = TimeSpan.FromMinutes(2);

    [Fact]
    public async Task SigtermTwiceAtOnce_StopsCleanly_WritesTheReport_AndExitsZero()
    {
        var data = Directory.CreateTempSubdirectory("up-sigterm-").FullName;
        try
        {
            using var up = ComponentProcess.Start(typeof(UpCommand).Assembly, ["up", "--data", data, "--port", "0", "--dashboard-port", "0", "--plain"]);
            await Eventually.TrueAsync(() => up.HasExited || up.RecentLog.Contains("ingested ", StringComparison.Ordinal), Streaming,
                "`pipeline up` streaming (its first progress line)");
            Assert.False(up.HasExited, up.RecentLog);

            await up.TerminateAsync();
            await up.TerminateAsync();

            await up.WaitForExitAsync(Stop);
            await Eventually.TrueAsync(() => up.HasExited, TimeSpan.FromSeconds(10), "its output read to the end");
            var log = up.RecentLog;
            Assert.True(up.ExitCode == UpCommand.ExitOk, $"exit code {up.ExitCode}; output:\n{log}");
            Assert.Contains("SIGTERM received, stopping cleanly", log, StringComparison.Ordinal);
            Assert.DoesNotContain("stopping at once", log, StringComparison.Ordinal);
            Assert.DoesNotContain("Unhandled exception", log, StringComparison.Ordinal);
            var report = Assert.Single(Directory.GetFiles(Path.Combine(data, "runs"), "report.json", SearchOption.AllDirectories));
            Assert.Contains($"pipeline up: report written to {report}", log, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(data, recursive: true);
        }
    }
}
