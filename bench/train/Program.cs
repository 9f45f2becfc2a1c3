using Pipeline.Bench.Train;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Pipeline.Models.Architecture;
using Pipeline.Trainer.Schedules;
using Pipeline.Trainer.UserData;
using static TorchSharp.torch;

// bench/run.sh train. Without --variant: runs each variant in a child process of its own (so each peak RSS is
// its own), prints them and the summary JSON. With --variant NAME: trains that variant and prints one JSON line.
const int WarmUpEpochs = 1;
const int TimedEpochs = 3;
var arguments = args.Select((a, i) => (a, i)).ToDictionary(p => p.a, p => p.i);
string Argument(string name, string fallback) => arguments.TryGetValue(name, out var i) && i + 1 < args.Length ? args[i + 1] : fallback;
var sessions = int.Parse(Argument("--sessions", "2000"), CultureInfo.InvariantCulture);
var epochs = Math.Max(WarmUpEpochs + TimedEpochs, int.Parse(Argument("--epochs", "12"), CultureInfo.InvariantCulture));
var variants = new[] { "one-thread", "two-threads", "pipelined", "hybrid" };

if (arguments.ContainsKey("--findings"))
{
    return await SplitFindings.RunAsync(Argument("--model", ModelCatalog.SwingCnn), sessions, epochs,
        int.Parse(Argument("--seeds", "3"), CultureInfo.InvariantCulture), double.Parse(Argument("--hybrid-fraction", "0.75"), CultureInfo.InvariantCulture));
}

if (arguments.ContainsKey("--variant"))
{
    var variant = Argument("--variant", "");
    var data = SimulatedSwings.Generate(sessions, seed: 1);
    var settings = new UserTrainingSettings([CPU, CPU])
    {
        Epochs = epochs,
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
    var epochEnds = new double[epochs];
    var epochSamples = new int[epochs];
    var split = "";
    var resetPeak = ProcessMemory.TryResetPeak();
    var before = ProcessMemory.ResidentMegabytes();
    var clock = Stopwatch.StartNew();
    var outcome = await UserDataTraining.TrainAsync(data, [8, Pipeline.Models.SwingWindowing.WindowSamples], ModelCatalog.SwingCnn, schedule, settings, step =>
    {
        epochSamples[step.Epoch] += step.Samples;
        epochEnds[step.Epoch] = clock.Elapsed.TotalSeconds;
    }, plan =>
    {
        split = plan.ToString();
        // The planner's measurement is not training: time from here.
        clock.Restart();
    }, CancellationToken.None);
    var peak = ProcessMemory.PeakMegabytes() - (resetPeak ? before : 0);
    var rates = Enumerable.Range(WarmUpEpochs, TimedEpochs).Select(e => epochSamples[e] / (epochEnds[e] - epochEnds[e - 1])).Order().ToArray();
    Console.WriteLine(JsonSerializer.Serialize(new VariantResult(variant, rates[TimedEpochs / 2], peak, outcome.Metrics.Accuracy, outcome.Metrics.MacroF1, split)));
    return 0;
}

var self = Environment.ProcessPath!;
var dll = typeof(VariantResult).Assembly.Location;
var results = new Dictionary<string, VariantResult>();
Console.WriteLine($"swing-cnn on {sessions} simulated swing sessions (GolfClubSimulator seed 1, 80/20 split by session), batch 32, {epochs} epochs, seed 1;");
Console.WriteLine($"samples/s = median of epochs {WarmUpEpochs + 1}..{WarmUpEpochs + TimedEpochs} (epoch 1 is warm-up); peak memory = peak RSS during training minus RSS before (VmHWM after clear_refs);");
Console.WriteLine($"allocator: {(Environment.GetEnvironmentVariable("LD_PRELOAD") is { Length: > 0 } preload ? preload : "glibc malloc")} (the same for every variant)");
foreach (var variant in variants)
{
    var start = new ProcessStartInfo(self) { RedirectStandardOutput = true, UseShellExecute = false };
    if (!self.EndsWith("Train.Bench", StringComparison.Ordinal))
    {
        start.ArgumentList.Add(dll);
    }

    foreach (var a in new[] { "--variant", variant, "--sessions", sessions.ToString(CultureInfo.InvariantCulture), "--epochs", epochs.ToString(CultureInfo.InvariantCulture) })
    {
        start.ArgumentList.Add(a);
    }

    using var child = Process.Start(start)!;
    var output = await child.StandardOutput.ReadToEndAsync();
    await child.WaitForExitAsync();
    if (child.ExitCode != 0)
    {
        await Console.Error.WriteLineAsync($"variant {variant} failed with exit code {child.ExitCode}: {output}");
        return 1;
    }

    var result = JsonSerializer.Deserialize<VariantResult>(output.Trim().Split('\n')[^1])!;
    results[variant] = result;
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"{variant,-12} {result.SamplesPerSecond,8:F0} samples/s  peak +{result.PeakRssDeltaMegabytes,6:F0} MB  accuracy {result.Accuracy * 100,5:F1}%  macro F1 {result.MacroF1:F3}  {result.Split}"));
}

var one = results["one-thread"];
var best = Math.Max(one.SamplesPerSecond, results["two-threads"].SamplesPerSecond);
var pipelined = results["pipelined"];
Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"{{\"bench\":\"train\",\"speedup_vs_one_device\":{pipelined.SamplesPerSecond / one.SamplesPerSecond:F3},\"speedup_vs_best_baseline\":{pipelined.SamplesPerSecond / best:F3},"
    + $"\"memory_ratio\":{pipelined.PeakRssDeltaMegabytes / one.PeakRssDeltaMegabytes:F3},\"accuracy_drop_pp\":{(one.Accuracy - pipelined.Accuracy) * 100:F2},"
    + $"\"hybrid_accuracy_drop_pp\":{(one.Accuracy - results["hybrid"].Accuracy) * 100:F2}}}"));
return 0;
