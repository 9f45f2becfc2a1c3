using System.Collections.Concurrent;
using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Pipeline.EdgeAgent;
using Pipeline.EdgeAgent.Agent;
using Pipeline.Simulation.Golf;
using Pipeline.Hosting;
using Pipeline.Hosting.Access;
using Pipeline.Hosting.Mqtt;
using Pipeline.Ingest;
using Pipeline.Models;
using Pipeline.Models.Architecture;
using Pipeline.Protocol;
using Pipeline.Runner.Registry;
using Pipeline.Runner.Up;
using Pipeline.Storage;
using Pipeline.TestSupport;
using Pipeline.Trainer.Publishing;
using Pipeline.Trainer.Registry;
using Pipeline.Trainer.Service;
using Xunit.Abstractions;
using Pipeline.Tasks;

namespace Pipeline.EndToEnd.Tests;

/// <summary>
/// Model delivery from blessing to every device, on Debian's mosquitto with identities and topic rules: three golf
/// devices stream through ingest into the store, the trainer's rounds bless (or do not), sign and announce in chunks,
/// and `pipeline models status` shows where each version stands. A rogue publisher holding trainer credentials but not
/// the signing key replays, forges and tampers; an operator rolls back with `pipeline models`; the devices' link is
/// cut in the middle of a download. Devices reach the broker through a relay, so their link can be cut while ingest's
/// and the trainer's are not.
/// </summary>
public sealed class ModelDeliveryEndToEndTests(ITestOutputHelper output) : IAsyncLifetime, IDisposable
{
    private const string Task = LearningTasks.Swing;
    private const string RogueTrainer = "rogue-trainer";
    private const int ChunkBytes = 16 * 1024;

    // Enough for every class twice over (the simulated devices' seeds are fixed, so are their sessions), and then no
    // more: a fleet streaming at 50 times real time without end can outrun ingest on two busy cores, and the statuses
    // this test reads queue behind the telemetry.
    private const int SessionsPerDevice = 24;
    private static readonly string[] Devices = ["club-1", "club-2", "club-3"];
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(90);
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private readonly TemporaryFolder _data = new("model-delivery");
    private readonly ILoggerFactory _loggers = TestOutputLoggerProvider.CreateFactory(output, LogLevel.Warning);
    private readonly ConcurrentQueue<ModelManifest> _seenByRogue = new();
    private MosquittoBroker? _broker;
    private TcpRelay? _relay;
    private IHost? _ingest;
    private IHost? _edge;
    private MqttConnection? _trainerConnection;
    private MqttConnection? _rogue;
    private ModelSigningKey? _key;
    private ModelRegistry? _registry;
    private DecisionAnnouncer? _announcer;
    private CancellationTokenSource? _stopWatching;
    private Task _watching = System.Threading.Tasks.Task.CompletedTask;

    private string Data => _data.Path;

    public async Task InitializeAsync()
    {
        var identities = IdentityStore.Open(LoopIdentities.Folder(Data));
        identities.Add(IdentityRole.Ingest, "pipeline-ingest");
        identities.Add(IdentityRole.Trainer, "pipeline-trainer");
        identities.Add(IdentityRole.Trainer, RogueTrainer);
        foreach (var device in Devices)
        {
            identities.Add(IdentityRole.Device, Identity.DeviceName(Topics.DefaultSite, device), Topics.DefaultSite, device, Task);
        }

        _broker = await MosquittoBroker.StartAsync(accessFolder: identities.Folder);
        _relay = new TcpRelay(_broker.Port);
        _key = ModelSigningKey.Ensure(LoopIdentities.ModelSigningKeyPath(Data), LoopIdentities.TrustedModelKeysFolder(Data));

        // Devices stamp simulated time at 50 times the wall clock's pace.
        _ingest = Host(_broker.Port, identities, [new("Ingest:DataFolder", Data), new("Ingest:IdentitiesPath", identities.IdentitiesPath), new("Ingest:MaxFutureSkew", "365.00:00:00")],
            (services, configuration) =>
            {
                services.AddConfiguredTelemetryStore(configuration, Data, StoreAccess.ReadWrite);
                services.AddIngest(configuration);
            });
        await _ingest.StartAsync();

        // Paced so that a download takes about four seconds: long enough to tamper with its last chunk, or to cut it midway.
        using var untrained = ModelCatalog.CreateForInput(TaskRegistry.BuiltIn.Find(Task).Architecture, classCount: 9, TaskRegistry.BuiltIn.Find(Task).InputShape, seed: 1);
        var bytesPerSecond = ModelArtifacts.Save(untrained).Length / 4.0;
        var agents = Devices.SelectMany((device, i) => new KeyValuePair<string, string?>[]
        {
            new($"Agents:{i}:DeviceId", device),
            new($"Agents:{i}:Kind", DeviceKinds.Golf),
            new($"Agents:{i}:SpeedFactor", "50"),
            new($"Agents:{i}:MaxSessions", SessionsPerDevice.ToString(CultureInfo.InvariantCulture)),
            new($"Agents:{i}:Seed", (i + 1).ToString(CultureInfo.InvariantCulture)),
            new($"Agents:{i}:DataFolder", Path.Combine(Data, "edge", device)),
            new($"Agents:{i}:TrustedModelKeysFolder", LoopIdentities.TrustedModelKeysFolder(Data)),
            new($"Agents:{i}:ModelFetchChunksInFlight", "1"),
            new($"Agents:{i}:ModelFetchBytesPerSecond", bytesPerSecond.ToString(CultureInfo.InvariantCulture)),
        }).ToList();
        _edge = Host(_relay.Port, identities, agents, (services, configuration) => services.AddEdgeAgents(configuration));
        await _edge.StartAsync();

        var direct = new BrokerOptions { Host = _broker.Host, Port = _broker.Port, CredentialsFolder = identities.SecretsFolder };
        _trainerConnection = new MqttConnectionFactory(direct, _loggers).Create("pipeline-trainer");
        await _trainerConnection.ConnectAsync(CancellationToken.None);
        _registry = new ModelRegistry(Data, _loggers.CreateLogger("registry"));
        _announcer = new DecisionAnnouncer(_registry, new ModelPublisher(_trainerConnection, _key, ChunkBytes), TimeProvider.System, _loggers.CreateLogger("announcer"));
        _stopWatching = new CancellationTokenSource();
        _watching = _announcer.WatchAsync([Task], TimeSpan.FromMilliseconds(200), _stopWatching.Token);

        _rogue = new MqttConnectionFactory(direct, _loggers).Create(RogueTrainer);
        await _rogue.ConnectAsync(CancellationToken.None);
        await _rogue.SubscribeAsync(Topics.ModelManifest(Task), (message, _) =>
        {
            if (ControlMessageCodec.DecodeModelManifest(message.Payload) is { IsSuccess: true } decoded)
            {
                _seenByRogue.Enqueue(decoded.Value);
            }

            return System.Threading.Tasks.Task.CompletedTask;
        }, CancellationToken.None);
    }

    [Fact]
    public async Task ModelsAreBlessedSignedAndDeliveredInChunks_ForgeriesAreRefusedVisibly_AndARollbackReachesEveryDevice_ResumingACutDownload()
    {
        var store = _ingest!.Services.GetRequiredService<ITelemetryStore>();
        var agents = _edge!.Services.GetRequiredService<EdgeAgentRegistry>();
        var weak = Round(store, epochs: 1, learningRate: 1e-6, margin: 0);
        // Every session first: a later round with classes the current model lacks would be blessed without a comparison, and
        // rounds on whatever part of the data had arrived would judge the better model on a handful of held-out sessions.
        await Eventually.TrueAsync(async () => (await weak.ReadinessAsync(Task, CancellationToken.None)).Sessions == Devices.Length * SessionsPerDevice, Patience,
            "every device's labelled sessions are stored");

        // 1. A first model (barely trained) is blessed, signed and delivered in chunks to every device.
        var first = await weak.RunAsync(1, Task, CancellationToken.None);
        Assert.Equal(1, first.Version);
        var v1 = _registry!.Current(Task)!;
        await RunningEverywhereAsync(agents, 1);
        Assert.All(agents.Snapshots(), a => Assert.True(a.ModelChunksFetched >= ArtifactChunks.CountFor(v1.SizeBytes, ChunkBytes), $"{a.DeviceId} fetched {a.ModelChunksFetched} chunks"));

        // 2. A candidate short of the margin is recorded, not published.
        var refused = await Round(store, epochs: 1, learningRate: 1e-6, margin: 1).RunAsync(2, Task, CancellationToken.None);
        Assert.Null(refused.Version);
        Assert.Equal(1, _registry.RejectedCount(Task));
        Assert.Single(_registry.Decisions(Task));

        // 3. A better model, judged against v1 on the same held-out sessions, is blessed and reaches every device.
        var better = await Round(store, epochs: 24, learningRate: 0.02, margin: 0.05).RunAsync(3, Task, CancellationToken.None);
        output.WriteLine($"v1 accuracy {first.Accuracy:P0}; the better candidate {better.Accuracy:P0}");
        Assert.Equal(2, better.Version);
        await RunningEverywhereAsync(agents, 2);

        // 4. v1's genuine announcement, replayed: refused by its decision, although its signature holds.
        await PublishAsRogueAsync(_seenByRogue.First(m => m.Version == 1));
        await RefusedEverywhereAsync(1, "replayed");

        // 5. A manifest for a v3 nobody signed.
        var v2 = _registry.Current(Task)!;
        var artifact = _registry.ReadArtifact(v2);
        var unsigned = v2 with
        {
            Version = 3, ArtifactTopic = Topics.ModelArtifact(Task, 3), Chunks = ArtifactChunks.Of(artifact, ChunkBytes),
            Decision = new ModelDecision(long.MaxValue / 2, ModelDecision.Publish),
        };
        await PublishAsRogueAsync(unsigned);
        await RefusedEverywhereAsync(3, "not signed");
        Assert.All(agents.Snapshots(), a => Assert.Equal(2, a.ModelVersion));

        // 6. An operator rolls back; the rogue swaps the last chunk of v1 as soon as the rollback is announced.
        var lastChunk = (int)ArtifactChunks.CountFor(v1.SizeBytes, ChunkBytes) - 1;
        var tampering = TamperOnRollbackAsync(lastChunk);
        await ModelsAsync("rollback", "--task", Task, "--reason", "v2 misreads fades");
        await tampering.WaitAsync(Patience);
        await RefusedEverywhereAsync(1, $"chunk {lastChunk} of {lastChunk + 1}");
        Assert.All(agents.Snapshots(), a => Assert.Equal(2, a.ModelVersion));

        // 7. Announced again by a promotion (which republishes every chunk); the devices' link is cut a third of the way in.
        var fetchedBefore = agents.Snapshots().ToDictionary(a => a.DeviceId, a => a.ModelChunksFetched);
        await ModelsAsync("promote", "--task", Task, "1", "--reason", "announce v1 again, whole");
        await Eventually.TrueAsync(() => agents.Snapshots().Any(a => a.ModelChunksFetched - fetchedBefore[a.DeviceId] >= (lastChunk + 1) / 3), Patience, "a third of v1's chunks arrive");
        Assert.All(agents.Snapshots(), a => Assert.NotEqual(1, a.ModelVersion));
        _relay!.ResetAll();
        await RunningEverywhereAsync(agents, 1);
        foreach (var agent in agents.Snapshots())
        {
            Assert.Equal(lastChunk + 1, agent.ModelChunksFetched - fetchedBefore[agent.DeviceId]);
        }

        Assert.Empty((await RolloutAsync(1))!.Refused);
        var (_, status) = await ModelsAsync("status", "--task", Task);
        output.WriteLine(status);
        Assert.Contains("run v1 (promote", status);
        Assert.Contains("announced", status);
    }

    public async Task DisposeAsync()
    {
        if (_stopWatching is not null)
        {
            await _stopWatching.CancelAsync();
            await _watching.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }

        foreach (var host in new[] { _edge, _ingest })
        {
            if (host is not null)
            {
                await host.StopAsync();
                host.Dispose();
            }
        }

        foreach (var connection in new[] { _rogue, _trainerConnection })
        {
            if (connection is not null)
            {
                await connection.DisposeAsync();
            }
        }

        if (_relay is not null)
        {
            await _relay.DisposeAsync();
        }

        if (_broker is not null)
        {
            await _broker.DisposeAsync();
        }
    }

    /// <summary>After <see cref="DisposeAsync"/>: what needs no awaiting.</summary>
    public void Dispose()
    {
        _stopWatching?.Dispose();
        _announcer?.Dispose();
        _key?.Dispose();
        _loggers.Dispose();
        _data.Dispose();
    }

    private TrainingRound Round(ITelemetryStore store, int epochs, double learningRate, double margin) =>
        new(new TrainerOptions
        {
            DataFolder = Data, Epochs = epochs, LearningRate = learningRate, BlessingMinimumMargin = margin,
            MinExamplesPerClass = 2, MinClasses = GolfClubSimulator.ClassNames.Count, HeldOutFraction = 0.25, BatchSize = 16,
        }, store, _registry!, _announcer, TimeProvider.System, _loggers.CreateLogger("trainer"));

    /// <summary>Waits until every device runs <paramref name="version"/>, by its own account and by `pipeline models status`.</summary>
    private async Task RunningEverywhereAsync(EdgeAgentRegistry agents, int version)
    {
        await Eventually.TrueAsync(() => agents.Snapshots().All(a => a.ModelVersion == version), Patience, $"every device runs v{version}");
        await ExplainedAsync(Eventually.TrueAsync(async () => (await RolloutAsync(version)) is { } rollout && rollout.Current && rollout.Running.Order().SequenceEqual(Devices),
            Patience, $"`pipeline models status` shows v{version} current and running on every device"));
    }

    /// <summary>Waits until `pipeline models status` shows every device's refusal of <paramref name="version"/>, each naming <paramref name="why"/>.</summary>
    private Task RefusedEverywhereAsync(int version, string why) =>
        ExplainedAsync(Eventually.TrueAsync(async () => (await RolloutAsync(version)) is { } rollout
                && rollout.Refused.Count == Devices.Length && rollout.Refused.All(r => r.Reason.Contains(why, StringComparison.Ordinal)),
            Patience, $"`pipeline models status` shows every device refusing v{version} for \"{why}\""));

    /// <summary>A wait that, when it times out, says what `pipeline models status` showed last.</summary>
    private async Task ExplainedAsync(Task wait)
    {
        try
        {
            await wait;
        }
        catch (TimeoutException e)
        {
            var (_, status) = await ModelsAsync("status", "--task", Task);
            throw new TimeoutException($"{e.Message}; `pipeline models status` shows:\n{status}", e);
        }
    }

    private async Task<Rollout?> RolloutAsync(int version)
    {
        var (_, json) = await ModelsAsync("status", "--json", "--task", Task);
        return JsonSerializer.Deserialize<List<Rollout>>(json, Json)!.FirstOrDefault(r => r.Version == version);
    }

    private async Task<(int Code, string Output)> ModelsAsync(params string[] args)
    {
        using var console = new StringWriter();
        using var error = new StringWriter();
        var code = await new RootCommand { ModelsCommand.Create() }.Parse(["models", .. args, "--data", Data])
            .InvokeAsync(new InvocationConfiguration { Output = console, Error = error });
        Assert.True(code == ModelsCommand.ExitOk, $"pipeline models {string.Join(' ', args)}: {error}");
        return (code, console.ToString());
    }

    private Task PublishAsRogueAsync(ModelManifest manifest) =>
        _rogue!.PublishAsync(Topics.ModelManifest(Task), ControlMessageCodec.Encode(manifest), retain: true, CancellationToken.None);

    /// <summary>Once the rollback's manifest is out, replaces chunk <paramref name="index"/> of the version it names with one whose bytes differ.</summary>
    private async Task TamperOnRollbackAsync(int index)
    {
        await Eventually.TrueAsync(() => _seenByRogue.Any(m => m.Decision?.Kind == ModelDecision.Rollback), Patience, "the rollback is announced");
        var rollback = _seenByRogue.First(m => m.Decision?.Kind == ModelDecision.Rollback);
        var forged = new byte[rollback.Chunks!.Range(rollback.SizeBytes, index).Length];
        Random.Shared.NextBytes(forged);
        await _rogue!.PublishAsync(Topics.ModelArtifactChunk(Task, rollback.Version, index), forged, retain: true, CancellationToken.None);
    }

    private IHost Host(int port, IdentityStore identities, IEnumerable<KeyValuePair<string, string?>> settings, Action<IServiceCollection, IConfiguration> add)
    {
        var builder = ServiceDefaults.CreateBuilder([],
        [
            new("Broker:Host", "127.0.0.1"),
            new("Broker:Port", port.ToString(CultureInfo.InvariantCulture)),
            new("Broker:CredentialsFolder", identities.SecretsFolder),
            .. settings,
        ]);
        builder.Logging.ClearProviders();
        builder.Logging.AddProvider(new TestOutputLoggerProvider(output, LogLevel.Warning));
        add(builder.Services, builder.Configuration);
        return builder.Build();
    }
}
