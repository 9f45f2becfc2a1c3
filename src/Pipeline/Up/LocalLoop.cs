using System.Diagnostics;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Pipeline.EdgeAgent.Agent;
using Pipeline.Hosting;
using Pipeline.Hosting.Access;
using Pipeline.Hosting.Mqtt;
using Pipeline.Ingest;
using Pipeline.Ingest.Observability;
using Pipeline.Ingest.Status;
using Pipeline.Protocol;
using Pipeline.Runner.Registry;
using Pipeline.Storage;
using Pipeline.Trainer.Registry;
using Pipeline.Trainer.Service;

namespace Pipeline.Runner.Up;

/// <summary>
/// `pipeline up`: broker (embedded unless one is given), embedded store, ingest, trainer and one simulated
/// device of each kind in one process. A finite run (rounds &gt; 0) stops once the trainer has done its rounds
/// and every agent has predicted with its task's newest model, then writes report.json.
/// </summary>
public sealed class LocalLoop(UpSettings settings, TextWriter console, ILoggerProvider? extraLogs = null)
{
    private static readonly TimeSpan ProgressInterval = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan DeliveryDrainTimeout = TimeSpan.FromSeconds(30);

    public async Task<RunOutcome> RunAsync(CancellationToken cancellationToken)
    {
        var startedAt = DateTimeOffset.UtcNow;
        var clock = Stopwatch.StartNew();
        var folder = RunFolder.Create(settings.DataFolder, startedAt);
        using var bootstrapLogs = LoggerFactory.Create(b => b.AddSimpleConsole(o => o.SingleLine = true));

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
        await console.WriteLineAsync($"pipeline up: broker {host}:{port}{(embedded is null ? "" : " (embedded, TLS, identities in " + identities.Folder + ")")}, data {folder.DataFolder}, run folder {folder.Path}");

        // Ingest admits only registered devices: the broker's rules are one gate, this is the second.
        var builder = ServiceDefaults.CreateBuilder([], [new("Broker:CredentialsFolder", identities.SecretsFolder), new("Broker:CaCertificate", tls?.CaPath ?? ""),
            new("Ingest:IdentitiesPath", identities.IdentitiesPath), .. LoopComposition.Settings(settings, folder.DataFolder, host, port)]);
        var created = LoopIdentities.Ensure(identities, builder.Configuration, tls);
        if (created.Count > 0)
        {
            await console.WriteLineAsync($"pipeline up: created identities {string.Join(", ", created)} (secrets in {identities.SecretsFolder})");
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
        var trainer = app.Services.GetRequiredService<TrainerService>();
        var agents = app.Services.GetRequiredService<EdgeAgentRegistry>();
        var ingest = app.Services.GetRequiredService<IngestTelemetry>();
        var store = app.Services.GetRequiredService<ITelemetryStore>();
        trainer.RoundCompleted += round => console.WriteLine(Describe(round));

        await app.StartAsync(cancellationToken);
        var completed = false;
        string? problem = null;
        try
        {
            (completed, problem) = await WatchAsync(trainer, agents, ingest, folder, cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            await console.WriteLineAsync("pipeline up: stopping (Ctrl-C)");
        }

        // Devices stop first, then ingest takes what the in-memory broker still holds for it, so a stop loses nothing
        // that a device was told had arrived; what devices had not sent yet waits in their outboxes for the next run.
        foreach (var agent in agents.Agents)
        {
            await agent.StopAsync(CancellationToken.None);
        }

        if (embedded is not null && !await embedded.WaitForDeliveryAsync(DeliveryDrainTimeout, CancellationToken.None))
        {
            await console.WriteLineAsync($"pipeline up: the broker still held undelivered messages after {DeliveryDrainTimeout.TotalSeconds:0} s");
        }

        // The report reads the store's own counts, which are exact, before the host disposes the store.
        var counts = await store.CountAsync(CancellationToken.None);
        var report = BuildReport(folder, trainer, agents.Snapshots(), ingest, app.Services.GetRequiredService<DeviceStatusBoard>(), counts, startedAt, clock.Elapsed, $"{host}:{port}");
        await app.StopAsync(CancellationToken.None);
        await File.WriteAllTextAsync(folder.ReportPath, JsonSerializer.Serialize(report, RunReportJsonContext.Default.RunReport), CancellationToken.None);
        await console.WriteLineAsync($"pipeline up: report written to {folder.ReportPath}");
        if (problem is not null)
        {
            await console.WriteLineAsync($"pipeline up: {problem}");
        }

        return new RunOutcome(report, folder.ReportPath, completed, problem);
    }

    private async Task<(bool Completed, string? Problem)> WatchAsync(
        TrainerService trainer, EdgeAgentRegistry agents, IngestTelemetry ingest, RunFolder folder, CancellationToken cancellationToken)
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
            await console.WriteLineAsync(Progress(ingest.Totals, agents.Snapshots()));

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
                var newest = LearningTasks.All.Select(registry.Current).OfType<ModelManifest>().ToDictionary(m => m.Task, m => m.Version);
                settlement = new LoopSettlement(newest);
                settling.Restart();
                settleDeadline = settings.SettleTimeout;
                await console.WriteLineAsync($"pipeline up: {settings.Rounds} rounds done; waiting for every agent to predict with the newest model ({string.Join(", ", newest.Select(n => $"{n.Key} v{n.Value}"))})");
            }

            var snapshots = agents.Snapshots();
            if (settlement.IsSettled(snapshots))
            {
                return (true, null);
            }

            if (settling.Elapsed > settleDeadline)
            {
                return (false, $"agents did not close the loop within {settleDeadline.TotalSeconds:0} s: {string.Join("; ", settlement.Pending(snapshots))}");
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

    private static RunReport BuildReport(RunFolder folder, TrainerService trainer, IReadOnlyList<AgentSnapshot> agents, IngestTelemetry ingest,
        DeviceStatusBoard statuses, StoreCounts counts, DateTimeOffset startedAt, TimeSpan elapsed, string broker)
    {
        var registry = new ModelRegistry(folder.DataFolder);
        var models = LearningTasks.All.Select(registry.Current).OfType<ModelManifest>()
            .Select(m => new ModelReport(m.Task, m.Version, m.Metrics.Accuracy, m.Metrics.MacroF1, m.Schedule))
            .ToList();
        var rounds = trainer.Results
            .Select(r => r.Failure is null
                ? new RoundReport(r.Round, r.Task, r.Version, r.Accuracy, r.MacroF1, r.Examples, r.Duration.TotalSeconds)
                : new RoundReport(r.Round, r.Task, null, null, null, 0, r.Duration.TotalSeconds, r.Failure))
            .ToList();
        var agentReports = agents
            .Select(a => new AgentReport(a.DeviceId, a.Task, a.ModelVersion, a.Predictions, a.CorrectPredictions,
                a.Predictions > 0 ? (double)a.CorrectPredictions / a.Predictions : null))
            .ToList();
        return new RunReport(
            new IngestedReport(counts.MotionSamples, counts.MotionBatches, counts.Frames, counts.Labels, ingest.Totals.Quarantined),
            models, agentReports, rounds, startedAt, elapsed.TotalSeconds, broker, folder.DataFolder,
            Rollout.Of([.. statuses.Snapshot().Values], LearningTasks.All, t => registry.Current(t)?.Version));
    }

    private static string Describe(RoundResult round) => round.Failure is { } failure
        ? $"round {round.Round} {round.Task}: failed and skipped ({failure}); the current model stays"
        : $"round {round.Round} {round.Task}: {round.Examples} examples, {round.Schedule}, held-out accuracy {round.Accuracy:P1}, macro F1 {round.MacroF1:0.000}"
        + (round.ConcentrationMae is { } mae ? $", concentration MAE {mae:0.00} % v/v" : "")
        + $", {round.SamplesPerSecond:0} samples/s, {round.Duration.TotalSeconds:0.0} s -> "
        + (round.Version is { } v ? $"published v{v}" : "not better than the current model; kept it");

    private static string Progress(IngestTotals ingest, IReadOnlyList<AgentSnapshot> agents) =>
        $"ingested {ingest.MotionSamples} samples, {ingest.Frames} frames, {ingest.Labels} labels, {ingest.Quarantined} quarantined | "
        + string.Join(" | ", agents.Select(a => $"{a.DeviceId}: model v{a.ModelVersion?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "-"}, {a.Predictions} predictions"
            + (a.Predictions > 0 ? $" ({(double)a.CorrectPredictions / a.Predictions:P0} right)" : "")));
}
