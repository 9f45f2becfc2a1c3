using Pipeline.Hosting.Access;
using Pipeline.Protocol;
using Pipeline.Runner.Up;
using Pipeline.TestSupport;
using Xunit.Abstractions;

namespace Pipeline.EndToEnd.Tests;

/// <summary>
/// The loop against Debian's mosquitto on a free loopback port, secured as a deployment would be: the identities of
/// the loop's components and observers are created first (as `pipeline devices add` would), and mosquitto admits only them, through
/// the password and ACL files rendered beside them. Fails if mosquitto is missing.
/// </summary>
public sealed class MosquittoLoopTests(ITestOutputHelper output) : WholeLoopContract(output), IAsyncLifetime
{
    private MosquittoBroker? _broker;

    public async Task InitializeAsync()
    {
        var identities = IdentityStore.Open(LoopIdentities.Folder(DataFolder));
        identities.Add(IdentityRole.Ingest, "pipeline-ingest");
        identities.Add(IdentityRole.Trainer, "pipeline-trainer");
        identities.Add(IdentityRole.Device, Identity.DeviceName(Topics.DefaultSite, LoopComposition.GolfDevice), Topics.DefaultSite, LoopComposition.GolfDevice, LearningTasks.Swing);
        identities.Add(IdentityRole.Device, Identity.DeviceName(Topics.DefaultSite, LoopComposition.MicroscopeDevice), Topics.DefaultSite, LoopComposition.MicroscopeDevice, LearningTasks.Droplet);
        foreach (var observer in Runner.Observing.ObserverIdentities.All)
        {
            identities.Add(IdentityRole.Observer, observer);
        }
        _broker = await MosquittoBroker.StartAsync(accessFolder: identities.Folder);
    }

    public async Task DisposeAsync()
    {
        if (_broker is not null)
        {
            await _broker.DisposeAsync();
        }
    }

    protected override Task<string?> BrokerAsync() => Task.FromResult<string?>($"{_broker!.Host}:{_broker.Port}");
}
