using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Pipeline.Hosting.Mqtt;
using Pipeline.Storage;
using Pipeline.Trainer.Publishing;
using Pipeline.Trainer.Registry;

namespace Pipeline.Trainer.Service;

/// <summary>
/// The continuous trainer: for each task, waits until the store holds enough labelled data, trains a round,
/// evaluates, blesses and publishes. With Rounds &gt; 0 it completes after that many rounds per task.
/// </summary>
public sealed class TrainerService(IOptions<TrainerOptions> options, ITelemetryStore store, MqttConnectionFactory connections, TimeProvider time, ILogger<TrainerService> logger)
    : BackgroundService
{
    private readonly List<RoundResult> _results = [];

    /// <summary>Raised after each round, on the trainer's loop.</summary>
    public event Action<RoundResult>? RoundCompleted;

    public IReadOnlyList<RoundResult> Results
    {
        get
        {
            lock (_results)
            {
                return [.. _results];
            }
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var settings = options.Value;
        await using var connection = connections.Create($"trainer-{Environment.MachineName}-{Environment.ProcessId}");
        await connection.ConnectAsync(stoppingToken);
        var round = new TrainingRound(settings, store, new ModelRegistry(settings.DataFolder), new ModelPublisher(connection), time, logger);
        for (var number = 1; settings.Rounds == 0 || number <= settings.Rounds; number++)
        {
            foreach (var task in settings.Tasks)
            {
                while (!await round.HasEnoughDataAsync(task, stoppingToken))
                {
                    logger.LogInformation("round {Round} {Task}: waiting for {Min} labelled sessions in each of {Classes} classes", number, task, settings.MinExamplesPerClass, settings.MinClasses);
                    await Task.Delay(TimeSpan.FromSeconds(settings.PollSeconds), time, stoppingToken);
                }

                var result = await round.RunAsync(number, task, stoppingToken);
                lock (_results)
                {
                    _results.Add(result);
                }

                RoundCompleted?.Invoke(result);
            }
        }

        logger.LogInformation("trainer finished {Rounds} rounds", settings.Rounds);
    }
}
