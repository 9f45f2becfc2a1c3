using Pipeline.Protocol;

namespace Pipeline.Protocol.Tests;

public class TopicsTests
{
    [Fact]
    public void TelemetryTopics_FollowTheVersionedLayout()
    {
        Assert.Equal("pipeline/v1/telemetry/local/club-1/motion", Topics.Motion("local", "club-1"));
        Assert.Equal("pipeline/v1/telemetry/lab/scope-1/frames", Topics.Frames("lab", "scope-1"));
        Assert.Equal("pipeline/v1/telemetry/+/+/labels", Topics.AllDevices(TelemetryStream.Labels));
        Assert.Equal("pipeline/v1/models/swing/manifest", Topics.ModelManifest("swing"));
        Assert.Equal("pipeline/v1/models/droplet/artifacts/4", Topics.ModelArtifact("droplet", 4));
    }

    [Fact]
    public void TryParseTelemetry_ReadsBackSiteDeviceAndStream()
    {
        Assert.True(Topics.TryParseTelemetry(Topics.Status("lab", "club-9"), out var site, out var device, out var stream));
        Assert.Equal(("lab", "club-9", TelemetryStream.Status), (site, device, stream));
    }

    [Theory]
    [InlineData("pipeline/v2/telemetry/a/b/motion")]
    [InlineData("pipeline/v1/telemetry/a/b/sound")]
    [InlineData("pipeline/v1/telemetry/a/motion")]
    [InlineData("pipeline/v1/telemetry/a/b c/motion")]
    [InlineData("pipeline/v1/models/swing/manifest")]
    public void TryParseTelemetry_OtherTopics_AreNotTelemetry(string topic)
    {
        Assert.False(Topics.TryParseTelemetry(topic, out _, out _, out TelemetryStream _));
    }

    [Fact]
    public void TryParseTelemetryTopic_TakesAnyStreamName_ForTheTasksToClaim()
    {
        Assert.True(Topics.TryParseTelemetryTopic("pipeline/v1/telemetry/a/tank-1/level", out var site, out var device, out var stream));
        Assert.Equal(("a", "tank-1", "level"), (site, device, stream));
        Assert.False(Topics.TryParseTelemetryTopic("pipeline/v1/telemetry/a/tank-1/le vel", out _, out _, out _));
        Assert.True(Topics.IsControlStream("labels"));
        Assert.False(Topics.IsControlStream("level"));
    }

    [Theory]
    [InlineData("a/b")]
    [InlineData("+")]
    [InlineData("")]
    [InlineData(".hidden")]
    [InlineData("d1234567890123456789012345678901234567890123456789012345678901234")]
    public void Topics_RefuseIdentifiersThatCouldEscapeTheLayout(string device)
    {
        Assert.Throws<ArgumentException>(() => Topics.Motion("local", device));
    }

    [Fact]
    public void Topics_AcceptAnIdentifierOfExactly64Characters()
    {
        var device = new string('d', Identifiers.MaxLength);
        Assert.EndsWith($"/{device}/motion", Topics.Motion("local", device), StringComparison.Ordinal);
    }

    [Fact]
    public void Shared_WrapsAFilterForAGroup_AndMatchingFilterUnwrapsIt()
    {
        var shared = Topics.Shared("ingest", Topics.AllDevices(TelemetryStream.Motion));
        Assert.Equal("$share/ingest/pipeline/v1/telemetry/+/+/motion", shared);
        Assert.Equal("pipeline/v1/telemetry/+/+/motion", Topics.MatchingFilter(shared));
        Assert.Equal("a/b", Topics.MatchingFilter("a/b"));
        Assert.Throws<ArgumentException>(() => Topics.Shared("a/b", "x"));
    }
}
