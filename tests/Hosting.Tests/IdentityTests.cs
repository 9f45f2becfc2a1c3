using Pipeline.Hosting.Access;
using Pipeline.Protocol;
using Pipeline.TestSupport;

namespace Pipeline.Hosting.Tests;

/// <summary>
/// What makes a device identity well-formed: its task is any name that can be a topic segment, since the tasks are
/// registered per host (a third kind included); the CLI that adds identities checks the name against the tasks it knows.
/// </summary>
public sealed class IdentityTests : IDisposable
{
    private readonly TemporaryFolder _folder = new("identity-test");

    public void Dispose() => _folder.Dispose();

    [Fact]
    public void ADeviceOfATaskRegisteredByItsHost_IsWellFormed_StoredAndReadBack_AndReadsItsTasksModels()
    {
        var store = IdentityStore.Open(_folder.Path);

        store.Add(IdentityRole.Device, Identity.DeviceName("site-a", "tank-1"), "site-a", "tank-1", "level");

        var identity = Assert.Single(IdentityStore.Open(_folder.Path).Load());
        Assert.Null(identity.Problem());
        Assert.Equal("level", identity.Task);
        Assert.True(TopicPolicy.CanSubscribe(identity, Topics.ModelManifest("level")));
        Assert.False(TopicPolicy.CanSubscribe(identity, Topics.ModelManifest(LearningTasks.Swing)));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("a/b")]
    [InlineData("+")]
    [InlineData("lev el")]
    public void ADeviceWhoseTaskCannotBeATopicSegment_HasAProblemNamingIt(string? task)
    {
        var identity = new Identity(Identity.DeviceName("site-a", "tank-1"), IdentityRole.Device, "", "site-a", "tank-1", task);

        Assert.Contains("task name", identity.Problem(), StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => IdentityStore.Open(_folder.Path).Add(IdentityRole.Device, identity.Name, "site-a", "tank-1", task));
    }
}
