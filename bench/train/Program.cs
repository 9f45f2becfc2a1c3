using Pipeline.Bench.Train;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Pipeline.Models.Architecture;
using Pipeline.Trainer.Runs;
using Pipeline.Trainer.Schedules;
using Pipeline.Trainer.UserData;
using static TorchSharp.torch;
using Pipeline.Tasks.Swing;

// bench/run.sh train [--sessions N] [--epochs N] [--repeats N] [--model NAME]. Without --variant: runs each variant in a
// child process of its own (so each peak RSS is its own), --repeats times in alternating order (so a change of load on a
// shared machine hits every variant alike), prints them and the summary JSON. With --variant NAME: trains that variant
// and prints one JSON line.
const int WarmUpEpochs = 1;
const int BatchSize = 32;
var arguments = args.Select((a, i) => (a, i)).ToDictionary(p => p.a, p => p.i);
string Argument(string name, string fallback) => arguments.TryGetValue(name, out var i) && i + 1 < args.Length ? args[i + 1] : fallback;
var sessions = int.Parse(Argument("--sessions", "2000"), CultureInfo.InvariantCulture);
var epochs = Math.Max(WarmUpEpochs + 2, int.Parse(Argument("--epochs", "12"), CultureInfo.InvariantCulture));
var model = Argument("--model", ModelCatalog.SwingCnn);
var repeats = Math.Max(1, int.Parse(Argument("--repeats", "2"), CultureInfo.InvariantCulture));
var variants = new[] { "one-thread", "two-threads", "pipelined", "hybrid" };

if (arguments.ContainsKey("--findings"))
{
    return await SplitFindings.RunAsync(model, sessions, epochs,
        int.Parse(Argument("--seeds", "3"), CultureInfo.InvariantCulture), double.Parse(Argument("--hybrid-fraction", "0.75"), CultureInfo.InvariantCulture),
        double.Parse(Argument("--lr", "0.02"), CultureInfo.InvariantCulture));
}

if (arguments.ContainsKey("--variant"))
{
    var variant = Argument("--variant", "");
    var data = SimulatedSwings.Generate(sessions, seed: 1);
    var settings = new TrainingSettings([CPU, CPU])
    {
        Epochs = epochs,
        BatchSize = BatchSize,
        Split = variant is "pipelined" or "hybrid" ? 0 : 1,
        TorchThreads = variant == "two-threads" ? 2 : 1,
    };
    var schedule = variant switch
    {
        "one-thread" or "two-threads" => NonPipelinedSchedule.ScheduleName,
        "pipelined" => StaleWeightPipeline.ScheduleName,
        "hybrid" => HybridSchedule.ScheduleName,
        _ => throw new ArgumentException($"unknown variant {variant}"),
    };
    var rates = new List<double>();
    var split = "";
    var process = Process.GetCurrentProcess();
    var (timedCpu, timedWall) = (TimeSpan.Zero, TimeSpan.Zero);
    var wall = Stopwatch.StartNew();
    var resetPeak = ProcessMemory.TryResetPeak();
    var before = ProcessMemory.ResidentMegabytes();
    var (gcPause, gen0) = (GC.GetTotalPauseDuration(), GC.CollectionCount(0));
    var outcome = await UserDataTraining.TrainAsync(data, [8, Pipeline.Tasks.Swing.SwingWindowing.WindowSamples], model, schedule, settings, null,
        plan => split = plan.ToString(), CancellationToken.None, onEpoch: progress =>
        {
            // Each epoch's own rate: its samples over the time spent in the schedule, so the held-out evaluation after
            // every epoch (the same work in every variant) is not counted as training.
            process.Refresh();
            if (progress.Epoch == WarmUpEpochs - 1)
            {
                (timedCpu, timedWall) = (process.TotalProcessorTime, wall.Elapsed);
            }
            else if (progress.Epoch >= WarmUpEpochs)
            {
                rates.Add(progress.SamplesPerSecond);
            }

            if (progress.Epoch == epochs - 1)
            {
                (timedCpu, timedWall) = (process.TotalProcessorTime - timedCpu, wall.Elapsed - timedWall);
            }
        });
    var peak = ProcessMemory.PeakMegabytes() - (resetPeak ? before : 0);
    var minibatches = epochs * (int)Math.Ceiling(data.Train.Count / (double)BatchSize);
    var trainingSeconds = epochs * data.Train.Count / outcome.SamplesPerSecond;
    Console.WriteLine(JsonSerializer.Serialize(new VariantResult(variant, [.. rates], peak, outcome.Metrics.Accuracy, outcome.Metrics.MacroF1, split,
        [.. outcome.StageBusyTimes.Select(t => t.TotalMilliseconds / minibatches)],
        [.. outcome.StageBusyTimes.Select(t => t.TotalSeconds / trainingSeconds)],
        timedCpu / timedWall, timedCpu.TotalMilliseconds / ((epochs - WarmUpEpochs) * Math.Ceiling(data.Train.Count / (double)BatchSize)), (GC.GetTotalPauseDuration() - gcPause).TotalMilliseconds, GC.CollectionCount(0) - gen0)));
    return 0;
}

Console.WriteLine($"{model} on {sessions} simulated swing sessions (GolfClubSimulator seed 1, 80/20 split by session), batch {BatchSize}, {epochs} epochs, seed 1;");
Console.WriteLine($"each variant in a process of its own, {repeats} time(s), in alternating order ({string.Join(' ', variants)}, then reversed, ...);");
Console.WriteLine($"samples/s = median over the runs of every epoch {WarmUpEpochs + 1}..{epochs} (epoch 1 is warm-up) of its samples / its time in the schedule (the held-out evaluation after each epoch is not training);");
Console.WriteLine("peak memory = peak RSS during training minus RSS before (VmHWM after clear_refs), the largest over the runs;");
Console.WriteLine("per run: each timed epoch's samples/s; cores busy and process CPU time per minibatch over the timed epochs (held-out evaluation included; CPU time");
Console.WriteLine("barely depends on other load, so it shows whether a schedule adds work); stage busy time per minibatch against the planner's estimate;");
Console.WriteLine($"allocator: {(Environment.GetEnvironmentVariable("LD_PRELOAD") is { Length: > 0 } preload ? preload : "glibc malloc")} (the same for every variant)");
Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"stage hand-off round trip (two threads, one item there and back, median of 5 x 2000): channel read by blocking on WaitToReadAsync (before) {HandoffLatency.ChannelMicroseconds(2000, 5):F1} µs, BlockingCollection (now) {HandoffLatency.BlockingCollectionMicroseconds(2000, 5):F1} µs"));

var runs = variants.ToDictionary(v => v, _ => new List<VariantResult>());
for (var repeat = 0; repeat < repeats; repeat++)
{
    foreach (var variant in repeat % 2 == 0 ? variants : variants.Reverse())
    {
        var result = await RunVariantAsync(variant);
        if (result is null)
        {
            return 1;
        }

        runs[variant].Add(result);
        var stages = result.StageBusyMillisecondsPerMinibatch.Length == 2
            ? string.Create(CultureInfo.InvariantCulture,
                $"; stages busy {result.StageBusyMillisecondsPerMinibatch[0]:F2} / {result.StageBusyMillisecondsPerMinibatch[1]:F2} ms per minibatch ({result.StageUtilisation[0] * 100:F0} % / {result.StageUtilisation[1] * 100:F0} % of training time)")
            : "";
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  run {repeat + 1} {variant,-12} epochs {string.Join(' ', result.EpochSamplesPerSecond.Select(r => r.ToString("F0", CultureInfo.InvariantCulture)))} samples/s; {result.CoresBusy:F2} cores busy, {result.CpuMillisecondsPerMinibatch:F1} CPU ms per minibatch; GC {result.Gen0Collections} gen0, {result.GcPauseMilliseconds:F0} ms paused{stages}"));
    }
}

var summary = variants.ToDictionary(v => v, v => (
    Rate: Median([.. runs[v].SelectMany(r => r.EpochSamplesPerSecond)]),
    Peak: runs[v].Max(r => r.PeakRssDeltaMegabytes),
    First: runs[v][0]));
foreach (var variant in variants)
{
    var (rate, peak, first) = summary[variant];
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"{variant,-12} {rate,8:F0} samples/s  peak +{peak,6:F0} MB  accuracy {first.Accuracy * 100,5:F1}%  macro F1 {first.MacroF1:F3}  {first.Split}"));
}

var one = summary["one-thread"];
var best = Math.Max(one.Rate, summary["two-threads"].Rate);
var pipelined = summary["pipelined"];
Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"{{\"bench\":\"train\",\"speedup_vs_one_device\":{pipelined.Rate / one.Rate:F3},\"speedup_vs_best_baseline\":{pipelined.Rate / best:F3},"
    + $"\"memory_ratio\":{pipelined.Peak / one.Peak:F3},\"accuracy_drop_pp\":{(one.First.Accuracy - pipelined.First.Accuracy) * 100:F2},"
    + $"\"hybrid_accuracy_drop_pp\":{(one.First.Accuracy - summary["hybrid"].First.Accuracy) * 100:F2}}}"));
return 0;

async Task<VariantResult?> RunVariantAsync(string variant)
{
    var self = Environment.ProcessPath!;
    var start = new ProcessStartInfo(self) { RedirectStandardOutput = true, UseShellExecute = false };
    if (!self.EndsWith("Train.Bench", StringComparison.Ordinal))
    {
        start.ArgumentList.Add(typeof(VariantResult).Assembly.Location);
    }

    foreach (var a in new[] { "--variant", variant, "--sessions", sessions.ToString(CultureInfo.InvariantCulture), "--epochs", epochs.ToString(CultureInfo.InvariantCulture), "--model", model })
    {
        start.ArgumentList.Add(a);
    }

    using var child = Process.Start(start)!;
    var output = await child.StandardOutput.ReadToEndAsync();
    await child.WaitForExitAsync();
    if (child.ExitCode != 0)
    {
        await Console.Error.WriteLineAsync($"variant {variant} failed with exit code {child.ExitCode}: {output}");
        return null;
    }

    return JsonSerializer.Deserialize<VariantResult>(output.Trim().Split('\n')[^1]);
}

static double Median(double[] values)
{
    var sorted = values.Order().ToArray();
    return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
}
