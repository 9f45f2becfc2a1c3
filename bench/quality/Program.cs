using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Pipeline.Bench.Quality;
using Pipeline.Models.Architecture;
using Pipeline.Trainer.Runs;
using Pipeline.Trainer.Schedules;
using Pipeline.Trainer.UserData;
using static TorchSharp.torch;

// bench/run.sh quality [--data DIR] [--seeds N] [--epochs N] [--batch-size N] [--lr X] [--subset N] [--jobs N] [--k N]:
// LeNet-5 on an IDX image set (fashion-mnist by default) with its own test split: non-pipelined, pipelined with the register
// at every block boundary and hybrid, each over the same seeds, data order and recipe, beside a k-nearest-neighbour
// baseline on raw pixels computed in the same run. The early split (register 1), the baseline and hybrid train on the whole
// training side; the per-split table trains every register (and its own baseline) on the first --subset training examples,
// so the deep splits fit the time budget. Every figure is test-split accuracy of the epoch kept by validation accuracy.
var arguments = args.Select((a, i) => (a, i)).Where(p => p.a.StartsWith("--", StringComparison.Ordinal)).ToDictionary(p => p.a, p => p.i);
string Argument(string name, string fallback) => arguments.TryGetValue(name, out var i) && i + 1 < args.Length ? args[i + 1] : fallback;
int IntArgument(string name, int fallback) => int.Parse(Argument(name, fallback.ToString(CultureInfo.InvariantCulture)), CultureInfo.InvariantCulture);
var folder = Argument("--data", "/usr/share/datasets/fashion-mnist");
var seeds = Math.Max(1, IntArgument("--seeds", 3));
var jobs = Math.Max(1, IntArgument("--jobs", 1));
var subset = IntArgument("--subset", 15000);
var k = IntArgument("--k", 5);
var defaults = new TrainingSettings([CPU, CPU]);
var recipe = defaults with
{
    LearningRateSchedule = LearningRateSchedule.Cosine,
    WeightDecay = 5e-4,
    Epochs = IntArgument("--epochs", 10),
    BatchSize = IntArgument("--batch-size", defaults.BatchSize),
    LearningRate = double.Parse(Argument("--lr", defaults.LearningRate.ToString("R", CultureInfo.InvariantCulture)), CultureInfo.InvariantCulture),
};
const double ValidationFraction = 0.1;
const string Model = ModelCatalog.LeNet5;

var clock = Stopwatch.StartNew();
var dataset = IdxDatasetReader.Read(folder);
if (dataset.Test is null)
{
    Console.Error.WriteLine($"bench quality: {folder} has no test split (t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte)");
    return 1;
}

var data = dataset.Split(heldOutFraction: 0.2, ValidationFraction);
var subsetData = data with { Train = [.. data.Train.Take(Math.Min(subset <= 0 ? data.Train.Count : subset, data.Train.Count))] };
using (var probe = ModelCatalog.CreateForInput(Model, data.Classes.Count, dataset.InputShape))
{
    Console.WriteLine($"{folder}: {data.Train.Count} training, {data.Validation.Count} validation (picks the epoch), {data.HeldOut.Count} test images of "
        + $"[{string.Join(" × ", dataset.InputShape)}], {data.Classes.Count} classes; {Model} blocks {string.Join(", ", probe.Blocks.Select(b => b.GetName()))}");
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"recipe: {recipe.Epochs} epochs, batch {recipe.BatchSize}, SGD lr {recipe.LearningRate} ({LearningRates.Name(recipe.LearningRateSchedule)}), momentum {recipe.Momentum}, "
        + $"weight decay {recipe.WeightDecay}, augmentation none, hybrid {recipe.HybridPipelinedFraction:P0} pipelined; seeds 1..{seeds}; {jobs} run(s) at a time; "
        + $"per-split table on the first {subsetData.Train.Count} training images"));
}

var knnClock = Stopwatch.StartNew();
var knn = NearestNeighbours.Accuracy([.. data.Train, .. data.Validation], data.HeldOut, data.Classes.Count, k);
Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{k}-nearest neighbours on raw pixels ({data.Train.Count + data.Validation.Count} training images): {knn * 100:F2} % ({knnClock.Elapsed.TotalSeconds:F0} s)"));

int blocks;
using (var probe = ModelCatalog.CreateForInput(Model, data.Classes.Count, dataset.InputShape))
{
    blocks = probe.Blocks.Count;
}

var variants = new List<QualityVariant>
{
    new("baseline", NonPipelinedSchedule.ScheduleName, 0, false),
    new("pipelined split 1", StaleWeightPipeline.ScheduleName, 1, false),
    new("hybrid split 1", HybridSchedule.ScheduleName, 1, false),
};
if (subsetData.Train.Count < data.Train.Count)
{
    variants.Add(new("subset baseline", NonPipelinedSchedule.ScheduleName, 0, true));
}

for (var split = subsetData.Train.Count < data.Train.Count ? 1 : 2; split < blocks; split++)
{
    variants.Add(new($"{(subsetData.Train.Count < data.Train.Count ? "subset " : "")}pipelined split {split}", StaleWeightPipeline.ScheduleName, split, subsetData.Train.Count < data.Train.Count));
}

var results = new List<QualityResult>();
using var slots = new SemaphoreSlim(jobs);
var runs = Enumerable.Range(1, seeds).SelectMany(seed => variants.Select(variant => (seed, variant))).Select(async run =>
{
    await slots.WaitAsync();
    try
    {
        var started = Stopwatch.StartNew();
        var settings = recipe with { Seed = run.seed, Split = Math.Max(1, run.variant.Split) };
        var outcome = await UserDataTraining.TrainAsync(run.variant.Subset ? subsetData : data, dataset.InputShape, Model, run.variant.Schedule, settings,
            null, null, CancellationToken.None);
        var result = new QualityResult(run.variant, run.seed, outcome.Metrics.Accuracy, outcome.KeptEpoch, outcome.SamplesPerSecond, started.Elapsed);
        lock (results)
        {
            results.Add(result);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  {run.variant.Name,-26} seed {run.seed}: test {result.Accuracy * 100:F2} % (epoch {result.KeptEpoch + 1} of {recipe.Epochs} by validation), "
                + $"{result.SamplesPerSecond:F0} samples/s, {result.Elapsed.TotalSeconds:F0} s"));
        }
    }
    finally
    {
        slots.Release();
    }
}).ToArray();
await Task.WhenAll(runs);

double Median(string name) => MedianOf([.. results.Where(r => r.Variant.Name == name).Select(r => r.Accuracy)]);
string Seeds(string name) => string.Join(", ", results.Where(r => r.Variant.Name == name).OrderBy(r => r.Seed).Select(r => (r.Accuracy * 100).ToString("F2", CultureInfo.InvariantCulture)));
var (baseline, pipelined, hybrid) = (Median("baseline"), Median("pipelined split 1"), Median("hybrid split 1"));

Console.WriteLine();
Console.WriteLine($"whole training side ({data.Train.Count} images), median over {seeds} seeds:");
Console.WriteLine($"| variant | test accuracy (median) | seeds 1..{seeds} | drop vs baseline (pp) |");
Console.WriteLine("|---|---|---|---|");
Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {k}-nearest neighbours | {knn * 100:F2} % | | {(baseline - knn) * 100:F2} |"));
foreach (var name in new[] { "baseline", "pipelined split 1", "hybrid split 1" })
{
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {name} | {Median(name) * 100:F2} % | {Seeds(name)} | {(baseline - Median(name)) * 100:F2} |"));
}

var perSplit = new Dictionary<string, object>();
if (subsetData.Train.Count < data.Train.Count)
{
    var subsetBaseline = Median("subset baseline");
    Console.WriteLine();
    Console.WriteLine($"per split, first {subsetData.Train.Count} training images, median over {seeds} seeds:");
    Console.WriteLine($"| register | stale blocks (stage 1) | pipelined accuracy | seeds 1..{seeds} | drop vs baseline (pp) |");
    Console.WriteLine("|---|---|---|---|---|");
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| baseline | — | {subsetBaseline * 100:F2} % | {Seeds("subset baseline")} | — |"));
    for (var split = 1; split < blocks; split++)
    {
        var name = $"subset pipelined split {split}";
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"| split {split} | {string.Join(", ", Enumerable.Range(0, split).Select(b => BlockName(b)))} | {Median(name) * 100:F2} % | {Seeds(name)} | {(subsetBaseline - Median(name)) * 100:F2} |"));
        perSplit[split.ToString(CultureInfo.InvariantCulture)] = new { accuracy = Round(Median(name)), drop_pp = Round((subsetBaseline - Median(name)) * 100) };
    }

    perSplit["baseline"] = new { accuracy = Round(subsetBaseline) };
}

Console.WriteLine();
Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"targets: baseline >= 90 % {(baseline >= 0.90 ? "met" : "NOT met")}; above k-NN {(baseline > knn ? "met" : "NOT met")}; "
    + $"pipelined within 0.5 pp {(baseline - pipelined <= 0.005 ? "met" : "NOT met")}; hybrid within 0.3 pp {(baseline - hybrid <= 0.003 ? "met" : "NOT met")}; "
    + $"{clock.Elapsed.TotalMinutes:F1} min"));
Console.WriteLine(JsonSerializer.Serialize(new Dictionary<string, object>
{
    ["bench"] = "quality",
    ["dataset"] = Path.GetFileName(Path.TrimEndingDirectorySeparator(folder)),
    ["model"] = Model,
    ["knn_accuracy"] = Round(knn),
    ["baseline_accuracy"] = Round(baseline),
    ["pipelined_accuracy"] = Round(pipelined),
    ["hybrid_accuracy"] = Round(hybrid),
    ["accuracy_drop_pp"] = Round((baseline - pipelined) * 100),
    ["hybrid_accuracy_drop_pp"] = Round((baseline - hybrid) * 100),
    ["seeds"] = seeds,
    ["epochs"] = recipe.Epochs,
    ["subset"] = subsetData.Train.Count,
    ["per_split"] = perSplit,
    ["minutes"] = Math.Round(clock.Elapsed.TotalMinutes, 1),
}));
return 0;

static double MedianOf(double[] values)
{
    Array.Sort(values);
    return values.Length == 0 ? double.NaN : values.Length % 2 == 1 ? values[values.Length / 2] : (values[(values.Length / 2) - 1] + values[values.Length / 2]) / 2;
}

static double Round(double value) => Math.Round(value, 4);

static string BlockName(int index) => index switch { 0 => "conv1", 1 => "conv2", 2 => "fc1", 3 => "fc2", _ => $"block {index}" };
