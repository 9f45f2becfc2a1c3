using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Pipeline.EdgeAgent.Agent;
using Pipeline.EdgeAgent.Devices;
using Pipeline.Hosting;
using Pipeline.Hosting.Access;
using Pipeline.Hosting.Mqtt;
using Pipeline.Ingest;
using Pipeline.Ingest.Observability;
using Pipeline.Ingest.Status;
using Pipeline.Protocol;
using Pipeline.Runner.Terminal;
using Pipeline.Runner.Dashboard;
using Pipeline.Runner.Observing;
using Pipeline.Runner.Registry;
using Pipeline.Storage;
using Pipeline.Storage.Predictions;
using Pipeline.Tasks;
using Pipeline.Trainer.Registry;
using Pipeline.Trainer.Service;

namespace Pipeline.Runner.Up;

/// <summary>
/// `pipeline up`: broker (embedded unless one is given), embedded store, ingest, trainer and one simulated
/// device of each kind in one process. A finite run (rounds &gt; 0) stops once the trainer has done its rounds
/// and every agent has predicted with its task's newest model, then writes report.json. While it runs, an observer
/// watches the broker (devices, announced models, predictions per version) for the dashboard and the live display; the
/// report's live accuracy is counted from the predictions ingest stored. In <see cref="ConsoleMode.Live"/> the console shows a display redrawn in place and the logs go to the run
/// folder's pipeline.log; in <see cref="ConsoleMode.Plain"/> everything is a line on <paramref name="console"/> or the log.
/// </summary>
internal sealed class LocalLoop(UpSettings settings, TextWriter console, ILoggerProvider? extraLogs = null, ConsoleMode mode = ConsoleMode.Plain)
{
    private static readonly TimeSpan ProgressInterval = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan DeliveryDrainTimeout = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan ObserverConnectTimeout = TimeSpan.FromSeconds(15);

    private readonly TaskCompletionSource<Uri?> _dashboard = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource<string> _broker = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TextWriter _console = console;
    private TextWriter _output = console;

    /// <summary>Completes with the dashboard's address once it serves, or with null when it is off or could not start.</summary>
    public Task<Uri?> Dashboard => _dashboard.Task;

    /// <summary>Completes with the broker's host:port once it is known (the embedded one started, or the one given).</summary>
    public Task<string> Broker => _broker.Task;

    public async Task<RunOutcome> RunAsync(CancellationToken cancellationToken)
    {
        try
        {
            return await RunLoopAsync(cancellationToken);
        }
        finally
        {
            _dashboard.TrySetResult(null);
            _broker.TrySetCanceled(CancellationToken.None);
        }
    }

    private async Task<RunOutcome> RunLoopAsync(CancellationToken cancellationToken)
    {
        var startedAt = DateTimeOffset.UtcNow;
        var clock = Stopwatch.StartNew();
        var folder = RunFolder.Create(settings.DataFolder, startedAt);
        var live = mode == ConsoleMode.Live;
        using var logFile = live ? new LogFile(Path.Combine(folder.Path, "pipeline.log")) : null;
        using var bootstrapLogs = LoggerFactory.Create(b =>
        {
            if (logFile is not null)
            {
                b.AddProvider(logFile);
            }
            else
            {
                b.AddSimpleConsole(o => o.SingleLine = true);
            }
        });
        var progressLog = bootstrapLogs.CreateLogger("pipeline up");
        var recent = live ? new RecentLines(line => progressLog.LogInformation("{Line}", line)) : null;
        _output = recent ?? _console;

        var identities = IdentityStore.Open(LoopIdentities.Folder(folder.DataFolder));

        // The embedded broker speaks only TLS, with a certificate from the loop's own authority, which its clients trust
        // alone. An external broker is the user's to configure (Broker:CaCertificate when it speaks TLS).
        var tls = settings.ExternalBroker is null ? BrokerCertificates.Ensure(LoopIdentities.TlsFolder(folder.DataFolder)) : null;
        using var serverCertificate = tls?.LoadServerCertificate();
        using var clientAuthority = tls is null ? null : BrokerCertificates.LoadAuthority(tls.CaPath);
        await using var embedded = settings.ExternalBroker is null
            ? await EmbeddedBroker.StartAsync(new EmbeddedBrokerSettings
                {
                    Port = settings.BrokerPort,
                    IdentitiesPath = identities.IdentitiesPath,
                    TlsCertificate = serverCertificate,
                    ClientAuthority = clientAuthority,
                    StateFolder = Path.Combine(folder.DataFolder, "broker"),
                },
                bootstrapLogs.CreateLogger("broker"), cancellationToken)
            : null;
        var (host, port) = BrokerEndpoint(embedded);
        _broker.TrySetResult($"{host}:{port}");
        await _console.WriteLineAsync($"pipeline up: broker {host}:{port}{(embedded is null ? "" : " (embedded, TLS, identities in " + identities.Folder + ")")}, data {folder.DataFolder}, run folder {folder.Path}");

        // Ingest admits only registered devices: the broker's rules are one gate, this is the second.
        var builder = ServiceDefaults.CreateBuilder([], [new("Broker:CredentialsFolder", identities.SecretsFolder), new("Broker:CaCertificate", tls?.CaPath ?? ""),
            new("Ingest:IdentitiesPath", identities.IdentitiesPath), .. LoopComposition.Settings(settings, folder.DataFolder, host, port)]);
        if (logFile is not null)
        {
            // The live display owns the terminal: log lines written there would tear it.
            builder.Logging.ClearProviders();
            builder.Logging.AddProvider(logFile);
        }

        if (extraLogs is not null)
        {
            builder.Logging.AddProvider(extraLogs);
        }

        builder.Services.AddConfiguredTelemetryStore(builder.Configuration, folder.DataFolder, StoreAccess.ReadWrite);
        builder.Services.AddIngest(builder.Configuration);
        builder.Services.AddTrainer(builder.Configuration);
        builder.Services.AddEdgeAgents(builder.Configuration);

        using var app = builder.Build();

        // Before anything connects: every component's identity, each device's naming the task its kind feeds (from the host's device kinds).
        var created = LoopIdentities.Ensure(identities, builder.Configuration, tls, app.Services.GetRequiredService<DeviceKindRegistry>());
        if (created.Count > 0)
        {
            await _console.WriteLineAsync($"pipeline up: created identities {string.Join(", ", created)} (secrets in {identities.SecretsFolder})");
        }

        var trainer = app.Services.GetRequiredService<TrainerService>();
        var agents = app.Services.GetRequiredService<EdgeAgentRegistry>();
        var ingest = app.Services.GetRequiredService<IngestTelemetry>();
        var store = app.Services.GetRequiredService<ITelemetryStore>();
        trainer.RoundCompleted += round => _output.WriteLine(Describe(round));

        var (observer, observerProblem) = await StartObserverAsync(app.Services.GetRequiredService<IOptions<BrokerOptions>>().Value, bootstrapLogs, cancellationToken);
        await using var observing = observer;
        using var ingestMeter = new IngestMeterReader(app.Services.GetRequiredService<IMeterFactory>(), TimeProvider.System);
        var training = new TrainingProgress();
        training.Attach(trainer);
        var pictures = new FleetPictureSource("pipeline up (everything in this process)", observer, TimeProvider.System, ingestMeter,
            app.Services.GetRequiredService<IOptions<IngestOptions>>().Value.ResolvedQuarantineFolder, training,
            new RegistryReader(folder.DataFolder, TimeProvider.System), observerProblem);
        await using var dashboard = await StartDashboardAsync(pictures, bootstrapLogs, cancellationToken);

        await app.StartAsync(cancellationToken);
        using var stopDisplay = new CancellationTokenSource();
        var display = recent is null ? Task.CompletedTask : LiveLoopDisplay.RunAsync(pictures.Take, recent, stopDisplay.Token);
        var completed = false;
        string? problem = null;
        try
        {
            (completed, problem) = await WatchAsync(trainer, agents, ingest, folder, ct => ReadStoredLiveAccuracyAsync(store, identities, agents, ct), cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            await _output.WriteLineAsync("pipeline up: stopping (Ctrl-C)");
        }

        // Devices stop first, then ingest takes what the in-memory broker still holds for it, so a stop loses nothing
        // that a device was told had arrived; what devices had not sent yet waits in their outboxes for the next run.
        foreach (var agent in agents.Agents)
        {
            await agent.StopAsync(CancellationToken.None);
        }

        if (embedded is not null && !await embedded.WaitForDeliveryAsync(DeliveryDrainTimeout, CancellationToken.None))
        {
            await _output.WriteLineAsync($"pipeline up: the broker still held undelivered messages after {DeliveryDrainTimeout.TotalSeconds:0} s");
        }

        await stopDisplay.CancelAsync();
        await display;
        _output = _console;
        await app.StopAsync(CancellationToken.None);

        // The report reads the store's own counts and stored predictions, which are exact, once ingest has stopped and
        // drained what it held into the store (an external broker keeps the rest for its next run), and before the host
        // disposes the store.
        var counts = await store.CountAsync(CancellationToken.None);
        var storedLive = await ReadStoredLiveAccuracyAsync(store, identities, agents, CancellationToken.None);
        if (storedLive.Unreadable > 0)
        {
            await _console.WriteLineAsync($"pipeline up: {storedLive.Unreadable} stored predictions do not decode; live accuracy leaves them out");
        }

        var report = BuildReport(folder, trainer, agents.Snapshots(), ingest, app.Services.GetRequiredService<DeviceStatusBoard>(), counts, startedAt, clock.Elapsed,
            $"{host}:{port}", storedLive.Versions, dashboard?.Url);
        await File.WriteAllTextAsync(folder.ReportPath, JsonSerializer.Serialize(report, RunReportJsonContext.Default.RunReport), CancellationToken.None);
        await _console.WriteLineAsync($"pipeline up: report written to {folder.ReportPath}");
        if (problem is not null)
        {
            await _console.WriteLineAsync($"pipeline up: {problem}");
        }

        await _console.WriteAsync(WhereToLookNext.Describe(report, folder.ReportPath, logFile?.Path));
        return new RunOutcome(report, folder.ReportPath, completed, problem);
    }

    /// <summary>
    /// The observer that watches the broker for the dashboard and the live display. A broker that does not admit it (an
    /// external one set up without the observer identities) costs those views, not the run.
    /// </summary>
    private async Task<(FleetObserver? Observer, string? Problem)> StartObserverAsync(BrokerOptions broker, ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(ObserverConnectTimeout);
        try
        {
            return (await FleetObserver.StartAsync(broker, ObserverIdentities.Loop, loggers, TimeProvider.System, timeout.Token), null);
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            var problem = e is OperationCanceledException ? $"no connection within {ObserverConnectTimeout.TotalSeconds:0} s" : e.Message;
            await _output.WriteLineAsync($"pipeline up: the observer \"{ObserverIdentities.Loop}\" cannot watch the broker ({problem}); the dashboard and the live display go without devices and live accuracy");
            return (null, problem);
        }
    }

    private async Task<DashboardServer?> StartDashboardAsync(FleetPictureSource pictures, ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        if (settings.DashboardPort is not { } port)
        {
            return null;
        }

        try
        {
            var dashboard = await DashboardServer.StartAsync(port, "Pipeline: pipeline up", pictures, TimeProvider.System, loggers, cancellationToken);
            await _output.WriteLineAsync($"pipeline up: dashboard at {dashboard.Url}");
            _dashboard.TrySetResult(dashboard.Url);
            return dashboard;
        }
        catch (IOException e)
        {
            // Kestrel reports a port in use as an IOException; the loop matters more than its dashboard.
            await _output.WriteLineAsync($"pipeline up: no dashboard: {e.Message}; pass --dashboard-port with a free port, or 0 to turn it off");
            return null;
        }
    }

    private async Task<(bool Completed, string? Problem)> WatchAsync(
        TrainerService trainer, EdgeAgentRegistry agents, IngestTelemetry ingest, RunFolder folder,
        Func<CancellationToken, ValueTask<StoredLiveAccuracy>> storedLiveAccuracy, CancellationToken cancellationToken)
    {
        var trainerTask = trainer.ExecuteTask ?? Task.CompletedTask;
        LoopSettlement? settlement = null;
        var settleDeadline = TimeSpan.Zero;
        var settling = Stopwatch.StartNew();
        while (true)
        {
            var tick = Task.Delay(ProgressInterval, cancellationToken);
            await (trainerTask.IsCompleted ? tick : Task.WhenAny(tick, trainerTask));
            cancellationToken.ThrowIfCancellationRequested();
            await _output.WriteLineAsync(Progress(ingest.Totals, agents.Snapshots()));

            if (trainerTask.IsFaulted)
            {
                return (false, $"the trainer failed: {trainerTask.Exception!.GetBaseException().Message}");
            }

            if (settings.Rounds == 0 || !trainerTask.IsCompleted)
            {
                continue;
            }

            if (settlement is null)
            {
                var registry = new ModelRegistry(folder.DataFolder);
                var newest = TaskRegistry.BuiltIn.Names.Select(registry.Current).OfType<ModelManifest>().ToDictionary(m => m.Task, m => m.Version);
                settlement = new LoopSettlement(newest);
                settling.Restart();
                settleDeadline = settings.SettleTimeout;
                await _output.WriteLineAsync($"pipeline up: {settings.Rounds} rounds done; waiting for every agent to predict with the newest model ({string.Join(", ", newest.Select(n => $"{n.Key} v{n.Value}"))})");
            }

            // The report's live accuracy counts what ingest stored: a prediction still in an agent's outbox when it stops
            // is published next run, so the loop waits until the store holds a labelled prediction of each newest version.
            var snapshots = agents.Snapshots();
            var unseen = settlement.UnseenVersions((await storedLiveAccuracy(cancellationToken)).Versions);
            if (settlement.IsSettled(snapshots) && unseen.Count == 0)
            {
                return (true, null);
            }

            if (settling.Elapsed > settleDeadline)
            {
                return (false, $"agents did not close the loop within {settleDeadline.TotalSeconds:0} s: {string.Join("; ", settlement.Pending(snapshots).Concat(unseen.Select(u => $"no labelled prediction of {u} reached the store")))}");
            }
        }
    }

    private (string Host, int Port) BrokerEndpoint(EmbeddedBroker? embedded)
    {
        if (embedded is not null)
        {
            return (embedded.Host, embedded.Port);
        }

        // UpSettings.Validate has already refused an endpoint that does not parse.
        return BrokerOptions.TryParseEndpoint(settings.ExternalBroker!, out var host, out var port, out var error)
            ? (host, port)
            : throw new ArgumentException(error);
    }

    /// <summary>
    /// Live accuracy from the predictions the store holds for every registered device (the loop's agents among them),
    /// this run's and earlier runs' on the same data folder alike.
    /// </summary>
    private static ValueTask<StoredLiveAccuracy> ReadStoredLiveAccuracyAsync(ITelemetryStore store, IdentityStore identities, EdgeAgentRegistry agents, CancellationToken cancellationToken)
    {
        var devices = identities.Load().Where(i => i.Role == IdentityRole.Device && i.Problem() is null).Select(i => i.DeviceId!)
            .Concat(agents.Snapshots().Select(a => a.DeviceId));
        return LiveAccuracyReader.ReadAsync(store, devices, 1, long.MaxValue, cancellationToken);
    }

    private static RunReport BuildReport(RunFolder folder, TrainerService trainer, IReadOnlyList<AgentSnapshot> agents, IngestTelemetry ingest,
        DeviceStatusBoard statuses, StoreCounts counts, DateTimeOffset startedAt, TimeSpan elapsed, string broker, IReadOnlyList<VersionLiveAccuracy> live, Uri? dashboard)
    {
        var registry = new ModelRegistry(folder.DataFolder);
        var models = TaskRegistry.BuiltIn.Names.Select(registry.Current).OfType<ModelManifest>()
            .Select(m =>
            {
                var versionFolder = Path.Combine(registry.TaskFolder(m.Task), $"v{m.Version}");
                return new ModelReport(m.Task, m.Version, m.Metrics.Accuracy, m.Metrics.MacroF1, m.Metrics.HeldOutExamples,
                    Trainer.Reporting.ModelCardFile.Read(versionFolder)?.Data.TrainExamples, m.Schedule, versionFolder);
            })
            .ToList();
        var heldOut = TaskRegistry.BuiltIn.Names.SelectMany(registry.Versions).Where(v => v.Manifest is not null)
            .ToDictionary(v => (v.Manifest!.Task, v.Version), v => v.Manifest!.Metrics);
        var latest = LatestHeldOutScores.Of(trainer.Results);
        var liveReports = live
            .Select(l =>
            {
                var blessedWith = heldOut.GetValueOrDefault((l.Task, l.Version));
                var (latestAccuracy, latestExamples) = latest.TryGetValue((l.Task, l.Version), out var score) ? score : ((double?)null, (int?)null);
                return new LiveAccuracyReport(l.Task, l.Version, l.Predictions, l.Labelled, l.Correct, l.Accuracy,
                    blessedWith?.Accuracy, blessedWith?.HeldOutExamples, latestAccuracy, latestExamples);
            })
            .ToList();
        var rounds = trainer.Results.Select(Report).ToList();
        var agentReports = agents.Select(a => new AgentReport(a.DeviceId, a.Task, a.ModelVersion, a.Predictions)).ToList();
        return new RunReport(
            new IngestedReport(counts.MotionSamples, counts.MotionBatches, counts.Frames, counts.Labels, ingest.Totals.Quarantined),
            models, liveReports, agentReports, rounds, startedAt, elapsed.TotalSeconds, broker, folder.DataFolder, dashboard?.ToString(),
            Rollout.Of([.. statuses.Snapshot().Values], TaskRegistry.BuiltIn.Names, t => registry.Current(t)?.Version));
    }

    private static RoundReport Report(RoundResult r) => r.Failure is { } failure
        ? new RoundReport(r.Round, r.Task, RoundReport.Failed, null, null, null, null, 0, 0, null, r.Duration.TotalSeconds, failure)
        : new RoundReport(r.Round, r.Task, r.Version is null ? RoundReport.NotBlessed : RoundReport.Blessed, r.Version, r.RejectedAs, r.Accuracy, r.MacroF1,
            r.TrainExamples, r.HeldOutExamples, r.Blessing, r.Duration.TotalSeconds, ConcentrationMae: r.ConcentrationMae,
            DropletAccuracy: r.DropletAccuracy, DropletMacroF1: r.DropletMacroF1, DropletConcentrationMae: r.DropletConcentrationMae);

    private static string Describe(RoundResult round) => round.Failure is { } failure
        ? $"round {round.Round} {round.Task}: failed and skipped ({failure}); the current model stays"
        : $"round {round.Round} {round.Task}: trained on {round.TrainExamples} examples, {round.Schedule}, held-out accuracy {round.Accuracy:P1} on {round.HeldOutExamples}, macro F1 {round.MacroF1:0.000}"
        + (round.ConcentrationMae is { } mae ? $", concentration MAE {mae:0.00} % v/v" : "")
        + $", {round.SamplesPerSecond:0} samples/s, {round.Duration.TotalSeconds:0.0} s -> "
        + (round.Version is { } v ? $"published v{v}" : $"not better than the current model; kept it (candidate kept as rejected/{round.RejectedAs})");

    private static string Progress(IngestTotals ingest, IReadOnlyList<AgentSnapshot> agents) =>
        $"ingested {ingest.MotionSamples} samples, {ingest.Frames} frames, {ingest.Labels} labels, {ingest.Quarantined} quarantined | "
        + string.Join(" | ", agents.Select(a => $"{a.DeviceId}: model v{a.ModelVersion?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "-"}, {a.Predictions} predictions"
            + (a.Predictions > 0 ? $" ({(double)a.CorrectPredictions / a.Predictions:P0} right)" : "")));
}
