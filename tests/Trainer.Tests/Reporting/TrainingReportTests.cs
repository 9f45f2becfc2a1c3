using System.Buffers.Binary;
using System.Text.Json;
using Microsoft.Extensions.Logging.Abstractions;
using Pipeline.Models.Architecture;
using Pipeline.Trainer.Checkpoints;
using Pipeline.Trainer.Dataset;
using Pipeline.Trainer.Evaluation;
using Pipeline.Trainer.Reporting;
using Pipeline.Trainer.Schedules;
using static TorchSharp.torch;

namespace Pipeline.Trainer.Tests.Reporting;

public sealed class TrainingReportTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("report-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public async Task FinishedRun_WritesCurvesConfusionMatrixAndMetricsThatAgreeWithTheEvaluator()
    {
        var examples = SyntheticExamples.Swings(perClass: 12, classes: 3, seed: 5);
        var data = new TrainingData("swing", ["draw", "fade", "straight, low"], [.. examples.Where((_, i) => i % 3 != 0)], [.. examples.Where((_, i) => i % 3 == 0)]);
        using var model = ModelCatalog.Create(ModelCatalog.SwingCnn, data.Classes.Count, seed: 1);
        var schedule = new NonPipelinedSchedule(0.02, 0.9, CPU);
        var history = await new ResumableTraining(checkpointPath: null, NullLogger.Instance).TrainAsync(model, schedule, data, 8, 3, 1, "s", null, CancellationToken.None);
        var (metrics, confusion) = await Task.Factory.StartNew(
            () => (Evaluator.Evaluate(model, data.HeldOut), ConfusionMatrix.Compute(model, data.HeldOut, data.Classes)),
            CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);

        TrainingReport.Write(_folder, new ReportMetrics(schedule.Name, model.Architecture, metrics.Accuracy, metrics.MacroF1, metrics.HeldOutExamples, null, 1000, history), confusion);

        Assert.Equal(data.HeldOut.Count, confusion.Total);
        Assert.Equal(metrics.Accuracy, confusion.Accuracy, 12);
        foreach (var chart in new[] { TrainingReport.LossChart, TrainingReport.AccuracyChart, TrainingReport.ConfusionChart })
        {
            var (width, height) = PngSize(Path.Combine(_folder, chart));
            Assert.InRange(width, 400, 4000);
            Assert.InRange(height, 300, 4000);
            Assert.InRange(new FileInfo(Path.Combine(_folder, chart)).Length, 2_000, 5_000_000);
        }

        var rows = (await File.ReadAllLinesAsync(Path.Combine(_folder, TrainingReport.ConfusionCsv))).Select(l => l.Split(',')).ToArray();
        Assert.Equal("true \\ predicted,draw,fade,\"straight, low\"", string.Join(',', rows[0]));
        Assert.Equal(data.HeldOut.Count, rows.Skip(1).Sum(r => r[^3..].Sum(int.Parse)));
        using var json = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(_folder, TrainingReport.MetricsFile)));
        Assert.Equal(metrics.Accuracy, json.RootElement.GetProperty("accuracy").GetDouble(), 12);
        Assert.Equal(3, json.RootElement.GetProperty("epochs").GetArrayLength());
    }

    [Fact]
    public void EpochProgress_DescribesEpochLossAccuraciesAndThroughputOnOneLine()
    {
        var line = new EpochProgress(2, 12, 0.41274, 0.8312, 0.805, 2410.4).Describe();

        Assert.Equal("epoch 3/12 loss 0.4127 train 83.1 % held out 80.5 % 2410 samples/s", line);
    }

    /// <summary>Checks the PNG signature and reads width and height from the IHDR chunk, which must come first.</summary>
    private static (int Width, int Height) PngSize(string path)
    {
        var bytes = File.ReadAllBytes(path);
        Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A], bytes[..8]);
        Assert.Equal("IHDR"u8.ToArray(), bytes[12..16]);
        return (BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(16)), BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(20)));
    }
}
