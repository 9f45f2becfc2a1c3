using Pipeline.Hosting.Access;
using Pipeline.Protocol;

namespace Pipeline.Hosting.Tests;

public class TopicPolicyTests
{
    private static readonly Identity Club = new(Identity.DeviceName("site-a", "club-1"), IdentityRole.Device, "", "site-a", "club-1", LearningTasks.Swing);
    private static readonly Identity Ingest = new("pipeline-ingest", IdentityRole.Ingest, "");

    [Theory]
    [InlineData("a/#", "a/b/c", true)]
    [InlineData("a/#", "a/+/c", true)]
    [InlineData("a/#", "a/#", true)]
    [InlineData("a/+/c", "a/b/c", true)]
    [InlineData("a/+/c", "a/+/c", true)]
    [InlineData("a/+/c", "a/#", false)]
    [InlineData("a/b", "a/+", false)]
    [InlineData("a/b", "a/b/c", false)]
    [InlineData("a/b/c", "a/b", false)]
    [InlineData("a/+/+/motion", "a/x/y/motion", true)]
    [InlineData("a/+/+/motion", "a/x/y/frames", false)]
    public void Covers_AllowsOnlyFiltersWhoseEveryTopicTheRuleMatches(string rule, string requested, bool covered) =>
        Assert.Equal(covered, TopicPolicy.Covers(rule, requested));

    [Fact]
    public void Device_WritesOnlyItsOwnTelemetry_AndReadsOnlyItsTasksModels()
    {
        Assert.True(TopicPolicy.CanPublish(Club, Topics.Motion("site-a", "club-1")));
        Assert.False(TopicPolicy.CanPublish(Club, Topics.Motion("site-a", "club-2")));
        Assert.False(TopicPolicy.CanPublish(Club, Topics.Motion("site-b", "club-1")));
        Assert.False(TopicPolicy.CanPublish(Club, Topics.ModelManifest(LearningTasks.Swing)));
        Assert.False(TopicPolicy.CanPublish(Club, "pipeline/v1/telemetry/site-a/club-1/+"));
        Assert.True(TopicPolicy.CanSubscribe(Club, Topics.ModelManifest(LearningTasks.Swing)));
        Assert.False(TopicPolicy.CanSubscribe(Club, Topics.ModelManifest(LearningTasks.Droplet)));
        Assert.False(TopicPolicy.CanSubscribe(Club, "pipeline/v1/#"));
        Assert.False(TopicPolicy.CanSubscribe(Club, "#"));
    }

    [Fact]
    public void Ingest_ReadsEveryTelemetryStreamOfEveryDevice_AlsoShared_AndWritesNothing()
    {
        Assert.True(TopicPolicy.CanSubscribe(Ingest, Topics.AllDevices(TelemetryStream.Frames)));
        Assert.True(TopicPolicy.CanSubscribe(Ingest, Topics.Shared("ingest", Topics.AllDevices(TelemetryStream.Motion))));
        // A registered task names its own data stream, so ingest's grant cannot list the streams.
        Assert.True(TopicPolicy.CanSubscribe(Ingest, Topics.AllDevices("level")));
        Assert.False(TopicPolicy.CanSubscribe(Ingest, $"{Topics.Root}/#"));
        Assert.False(TopicPolicy.CanSubscribe(Ingest, Topics.ModelManifest("swing")));
        Assert.False(TopicPolicy.CanPublish(Ingest, Topics.Motion("site-a", "club-1")));
    }

    [Fact]
    public void PasswordHash_VerifiesItsSecretOnly_AndRefusesMalformedHashes()
    {
        var hash = PasswordHashing.Hash("s3cret");

        Assert.StartsWith("$7$101$", hash, StringComparison.Ordinal);
        Assert.True(PasswordHashing.Verify("s3cret", hash));
        Assert.False(PasswordHashing.Verify("s3cret!", hash));
        Assert.False(PasswordHashing.Verify(null, hash));
        Assert.False(PasswordHashing.Verify("s3cret", "$7$101$not base64$x"));
        Assert.False(PasswordHashing.Verify("s3cret", "plain"));
    }
}
