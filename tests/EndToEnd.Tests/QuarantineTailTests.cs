using Pipeline.Ingest.Quarantining;
using Pipeline.Runner.Observing;
using Pipeline.TestSupport;

namespace Pipeline.EndToEnd.Tests;

/// <summary>The dashboard's view of ingest's quarantine file: counts and the latest message per reason, torn or bad lines skipped.</summary>
public sealed class QuarantineTailTests : IDisposable
{
    private readonly TemporaryFolder _folder = new("quarantine-tail");

    public void Dispose() => _folder.Dispose();

    [Fact]
    public void Read_CountsEachReason_KeepsItsLatest_AndSkipsLinesThatDoNotParse()
    {
        File.WriteAllText(Path.Combine(_folder.Path, Quarantine.FileName), string.Join('\n',
            Line("2026-12-04T17:00:00Z", "bad-header", "first"),
            Line("2026-12-04T17:00:01Z", "unknown-device", "who"),
            "not json at all",
            "{\"time\":\"2026-12-04T17:00:02Z\"}",
            Line("2026-12-04T17:00:03Z", "bad-header", "second"),
            "{\"time\":\"2026-12-04T17:00:04Z\",\"topic\":\"pipeline/v1/telemetry/local/club-1/mot"));

        var reasons = QuarantineTail.Read(_folder.Path);

        Assert.Equal(["bad-header", "unknown-device"], reasons.Select(r => r.Code));
        Assert.Equal(2, reasons[0].Count);
        Assert.Equal("second", reasons[0].Latest.Reason);
        Assert.Equal("pipeline/v1/telemetry/local/club-1/motion", reasons[0].Latest.Topic);
        Assert.Equal(1, reasons[1].Count);
    }

    [Fact]
    public void Read_NoFile_IsEmpty() => Assert.Empty(QuarantineTail.Read(_folder.Path));

    private static string Line(string time, string code, string reason) =>
        $"{{\"time\":\"{time}\",\"topic\":\"pipeline/v1/telemetry/local/club-1/motion\",\"code\":\"{code}\",\"reason\":\"{reason}\",\"payloadBytes\":12,\"payloadBase64\":\"AAAA\",\"payloadTruncated\":false}}";
}
