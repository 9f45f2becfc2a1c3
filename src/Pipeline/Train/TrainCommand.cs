using System.CommandLine;
using System.Globalization;
using Microsoft.Extensions.Logging;
using Pipeline.Models;
using Pipeline.Models.Architecture;
using Pipeline.Runner.Terminal;
using Pipeline.Trainer.Dataset.Augmentations;
using Pipeline.Trainer.Reporting;
using Pipeline.Trainer.Runs;
using Pipeline.Trainer.Schedules;
using Pipeline.Trainer.UserData;
using Pipeline.Tasks.Droplet;
using Pipeline.Tasks;

namespace Pipeline.Runner.Train;

/// <summary>`pipeline train --data PATH`: trains on a user's labelled data alone (no broker, store or agents) and prints held-out accuracy and macro F1 per schedule.</summary>
internal static class TrainCommand
{
    public const int ExitOk = 0;
    public const int ExitBadData = 1;
    public const int ExitBadArguments = 2;

    private const string AllSchedules = "all";

    public static Command Create()
    {
        var defaults = new TrainingSettings([]);
        var data = new Option<string>("--data") { Description = "A CSV file of labelled windows, a folder with one subfolder of images (PNG, JPEG, PGM, PPM) per class, or a folder of IDX files (MNIST, fashion-mnist); see docs/TRAINING.md.", Required = true };
        var schedule = new Option<string>("--schedule") { Description = "pipelined, non-pipelined, hybrid, or all (each in turn, same seed and data order).", DefaultValueFactory = _ => AllSchedules };
        var split = new Option<int>("--split") { Description = "Pipeline register: stage 1 holds the blocks before it; 0 picks the boundary that balances the stages' measured times.", DefaultValueFactory = _ => defaults.Split };
        var epochs = new Option<int>("--epochs") { Description = "Passes over the training examples.", DefaultValueFactory = _ => defaults.Epochs };
        var model = new Option<string?>("--model") { Description = $"Architecture: {string.Join(", ", ModelCatalog.UserDataArchitectures)} (default: {ModelCatalog.WindowCnn} for CSV, {ModelCatalog.ImageCnn} for image folders, {ModelCatalog.LeNet5} for IDX sets)." };
        var devices = new Option<string>("--devices") { Description = "The two pipeline stages' devices, e.g. cpu,cpu or cuda:0,cuda:1.", DefaultValueFactory = _ => "cpu,cpu" };
        var batchSize = new Option<int>("--batch-size") { Description = "Minibatch size.", DefaultValueFactory = _ => defaults.BatchSize };
        var heldOut = new Option<double>("--held-out") { Description = "Fraction of windows or images held out for evaluation (chosen by a stable hash of their id or file name); an IDX set's own test split replaces it.", DefaultValueFactory = _ => 0.2 };
        var validation = new Option<double>("--validation") { Description = "Fraction of the examples taken from the training side to pick the best epoch (0: keep the last epoch).", DefaultValueFactory = _ => DefaultValidationFraction };
        var augment = new Option<string>("--augment") { Description = $"What varies the training examples: {string.Join(", ", AugmentationNames.All)}.", DefaultValueFactory = _ => AugmentationNames.Name(Augmentation.None) };
        var learningRate = new Option<double>("--lr") { Description = "Base learning rate.", DefaultValueFactory = _ => defaults.LearningRate };
        var learningRateSchedule = new Option<string>("--lr-schedule") { Description = $"How the learning rate changes by epoch: {string.Join(", ", LearningRates.Names)}.", DefaultValueFactory = _ => LearningRates.Name(LearningRateSchedule.Cosine) };
        var weightDecay = new Option<double>("--weight-decay") { Description = "L2 weight decay.", DefaultValueFactory = _ => DefaultWeightDecay };
        var hybridFraction = new Option<double>("--hybrid-fraction") { Description = "Hybrid: the fraction of minibatches trained pipelined before switching to non-pipelined.", DefaultValueFactory = _ => defaults.HybridPipelinedFraction };
        var seed = new Option<int>("--seed") { Description = "Seed for the weights and the data order.", DefaultValueFactory = _ => defaults.Seed };
        var output = new Option<string?>("--out") { Description = "Folder for each schedule's report (NAME/loss.png, accuracy.png, confusion.csv, confusion.png, metrics.json); default ./train-runs/<UTC time>." };
        var checkpoints = new Option<string?>("--checkpoint-folder") { Description = "Write a checkpoint per schedule after every epoch and resume from it when the data and settings match." };
        var plain = new Option<bool>("--plain") { Description = "Plain lines even in a terminal, instead of a live progress bar per schedule." };

        var command = new Command("train", "Train on your own labelled data (CSV windows or image folders) and compare schedules.")
        {
            data, schedule, split, epochs, model, devices, batchSize, heldOut, validation, augment, learningRate, learningRateSchedule, weightDecay,
            hybridFraction, seed, output, checkpoints, plain,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var error = Console.Error;
            var scheduleName = parse.GetValue(schedule)!;
            if (scheduleName != AllSchedules && !ScheduleFactory.Names.Contains(scheduleName))
            {
                await error.WriteLineAsync($"pipeline train: --schedule \"{scheduleName}\" is unknown (expected {string.Join(", ", ScheduleFactory.Names)} or {AllSchedules})");
                return ExitBadArguments;
            }

            if (!DeviceList.TryParse(parse.GetValue(devices)!, out var stageDevices, out var deviceError))
            {
                await error.WriteLineAsync($"pipeline train: --devices {deviceError}");
                return ExitBadArguments;
            }

            if (!AugmentationNames.TryParse(parse.GetValue(augment)!, out var augmentation))
            {
                await error.WriteLineAsync($"pipeline train: --augment \"{parse.GetValue(augment)}\" is unknown (expected {string.Join(", ", AugmentationNames.All)})");
                return ExitBadArguments;
            }

            if (!LearningRates.TryParse(parse.GetValue(learningRateSchedule)!, out var rateSchedule))
            {
                await error.WriteLineAsync($"pipeline train: --lr-schedule \"{parse.GetValue(learningRateSchedule)}\" is unknown (expected {string.Join(", ", LearningRates.Names)})");
                return ExitBadArguments;
            }

            var settings = new TrainingSettings(stageDevices)
            {
                Augmentation = augmentation,
                LearningRate = parse.GetValue(learningRate),
                LearningRateSchedule = rateSchedule,
                WeightDecay = parse.GetValue(weightDecay),
                Epochs = parse.GetValue(epochs),
                BatchSize = parse.GetValue(batchSize),
                Split = parse.GetValue(split),
                HybridPipelinedFraction = parse.GetValue(hybridFraction),
                Seed = parse.GetValue(seed),
            };
            var heldOutFraction = parse.GetValue(heldOut);
            var validationFraction = parse.GetValue(validation);
            if (RangeProblem(settings, heldOutFraction, validationFraction) is { } problem)
            {
                await error.WriteLineAsync($"pipeline train: {problem}");
                return ExitBadArguments;
            }

            try
            {
                var dataset = UserDataReader.Read(parse.GetValue(data)!, skipped => error.WriteLine($"pipeline train: skipped {skipped}"));
                var architecture = parse.GetValue(model) ?? DefaultArchitecture(dataset);
                if (ExampleAugmenter.Problem(augmentation, dataset.InputShape) is { } augmentProblem)
                {
                    await error.WriteLineAsync($"pipeline train: --augment {augmentProblem}");
                    return ExitBadArguments;
                }

                var split = dataset.Split(heldOutFraction, validationFraction);
                Console.WriteLine($"{dataset.Source}: {dataset.Examples.Count + (dataset.Test?.Count ?? 0)} examples of [{string.Join(" × ", dataset.InputShape)}], "
                    + $"{dataset.Classes.Count} classes ({string.Join(", ", dataset.Classes)}); {split.Train.Count} train, {split.Validation.Count} validation, "
                    + $"{split.HeldOut.Count} held out{(dataset.Test is null ? "" : " (the set's own test split)")}; model {architecture}");
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"augmentation {AugmentationNames.Name(augmentation)}; learning rate {settings.LearningRate} ({LearningRates.Name(settings.LearningRateSchedule)}), weight decay {settings.WeightDecay}, ")
                    + (split.Validation.Count > 0 ? "keeping the best epoch by validation accuracy" : "keeping the last epoch"));
                var schedules = scheduleName == AllSchedules ? ScheduleFactory.Names : [scheduleName];
                var outcomes = new List<ScheduleOutcome>();
                var reports = parse.GetValue(output) ?? Path.Combine("train-runs", DateTime.UtcNow.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture));
                var live = ConsoleModeChoice.ForThisProcess(parse.GetValue(plain)) == ConsoleMode.Live;
                // Under a live bar only warnings reach the terminal: information lines would tear the bar.
                using var logs = LoggerFactory.Create(b => b.AddSimpleConsole(o => o.SingleLine = true).SetMinimumLevel(live ? LogLevel.Warning : LogLevel.Information));
                foreach (var name in schedules)
                {
                    var plans = new List<string>();
                    Task<ScheduleOutcome> Train(Action<EpochProgress> onEpoch) =>
                        UserDataTraining.TrainAsync(split, dataset.InputShape, architecture, name, settings, onStep: null,
                            plan => { if (live) { plans.Add(plan.ToString()!); } else { Console.WriteLine($"  {name}: {plan}"); } }, cancellationToken,
                            onEpoch, parse.GetValue(checkpoints), logs.CreateLogger("pipeline train"));
                    outcomes.Add(live
                        ? await EpochProgressDisplay.RunAsync(name, settings.Epochs, Train)
                        : await Train(progress => Console.WriteLine($"  {name} {progress.Describe()}")));
                    foreach (var plan in plans)
                    {
                        Console.WriteLine($"  {name}: {plan}");
                    }

                    var outcome = outcomes[^1];
                    Console.WriteLine($"  {name}: accuracy {outcome.Metrics.Accuracy:P1}, macro F1 {outcome.Metrics.MacroF1:F3} (epoch {outcome.KeptEpoch + 1}), {outcome.SamplesPerSecond:F0} samples/s{Stages(outcome)}");
                    var folder = Path.Combine(reports, name);
                    TrainingReport.Write(folder, new ReportMetrics(name, architecture, outcome.Metrics.Accuracy, outcome.Metrics.MacroF1, outcome.Metrics.HeldOutExamples,
                        outcome.Metrics.ConcentrationMae, outcome.SamplesPerSecond, outcome.History, AugmentationNames.Name(augmentation), outcome.KeptEpoch + 1), outcome.Confusion);
                    Console.WriteLine($"  {name}: report in {folder}");
                }

                Console.WriteLine();
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{"schedule",-14} {"accuracy",9} {"macro F1",9} {"samples/s",10}"));
                foreach (var outcome in outcomes)
                {
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{outcome.Schedule,-14} {outcome.Metrics.Accuracy * 100,8:F1}% {outcome.Metrics.MacroF1,9:F3} {outcome.SamplesPerSecond,10:F0}"));
                }

                return ExitOk;
            }
            catch (UserDataFormatException e)
            {
                await error.WriteLineAsync($"pipeline train: {e.Message}");
                return ExitBadData;
            }
            catch (ModelArtifactException e)
            {
                await error.WriteLineAsync($"pipeline train: --model: {e.Message}");
                return ExitBadArguments;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                await error.WriteLineAsync($"pipeline train: cannot write a report or checkpoint (--out, --checkpoint-folder): {e.Message}");
                return ExitBadArguments;
            }
        });
        return command;
    }

    /// <summary>A tenth of the examples picks the best epoch: on fashion-mnist 6,000 images, enough to rank epochs a few tenths of a point apart.</summary>
    private const double DefaultValidationFraction = 0.1;

    /// <summary>With the cosine schedule, the recipe measured on fashion-mnist (docs/TRAINING.md, "Training recipe").</summary>
    private const double DefaultWeightDecay = 5e-4;

    private static string DefaultArchitecture(UserDataset dataset) =>
        dataset.Kind == UserDataKind.Windows ? ModelCatalog.WindowCnn
        : dataset.InputShape is [1, DropletImaging.Side, DropletImaging.Side] ? ModelCatalog.ImageCnn
        : ModelCatalog.LeNet5;

    private static string? RangeProblem(TrainingSettings settings, double heldOutFraction, double validationFraction) =>
        settings.Epochs is < 1 or > 1000 ? "--epochs must be 1..1000"
        : settings.LearningRate is <= 0 or > 10 ? "--lr must be above 0 and at most 10"
        : settings.WeightDecay is < 0 or > 1 ? "--weight-decay must be 0..1"
        : validationFraction is < 0 or > 0.5 ? "--validation must be 0..0.5"
        : settings.BatchSize is < 1 or > 4096 ? "--batch-size must be 1..4096"
        : settings.Split is < 0 or > 16 ? "--split must be 0 (automatic) or a block index 1..16"
        : heldOutFraction is < 0.05 or > 0.5 ? "--held-out must be 0.05..0.5"
        : settings.HybridPipelinedFraction is < 0 or > 1 ? "--hybrid-fraction must be 0..1"
        : null;

    private static string Stages(ScheduleOutcome outcome) =>
        outcome.StageBusyTimes is [var stage1, var stage2] ? $", stage 1 busy {stage1.TotalSeconds:F2} s, stage 2 busy {stage2.TotalSeconds:F2} s" : "";
}
