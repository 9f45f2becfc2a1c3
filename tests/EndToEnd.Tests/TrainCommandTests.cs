using System.CommandLine;
using System.Text.Json;
using Pipeline.Runner.Train;
using Pipeline.TestSupport;
using Pipeline.Trainer.Reporting;

namespace Pipeline.EndToEnd.Tests;

/// <summary>`pipeline train` through the CLI's own parsing, on small files written here: what a user runs on their data.</summary>
public sealed class TrainCommandTests : IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromMinutes(5);
    private static readonly string[] ReportFiles =
        [TrainingReport.LossChart, TrainingReport.AccuracyChart, TrainingReport.ConfusionCsv, TrainingReport.ConfusionChart, TrainingReport.MetricsFile];

    private readonly TemporaryFolder _folder = new("train-command");

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task Train_CsvWindows_EverySchedule_ExitsZeroAndWritesEachSchedulesReport()
    {
        var csv = _folder.Combine("windows.csv");
        await File.WriteAllTextAsync(csv, LabelledWindowsCsv.Create(windows: 60, samples: 32, classes: 2, seed: 2));
        var reports = _folder.Combine("reports");

        var exit = await RunAsync("--data", csv, "--epochs", "2", "--batch-size", "8", "--out", reports);

        Assert.Equal(TrainCommand.ExitOk, exit);
        foreach (var schedule in new[] { "non-pipelined", "pipelined", "hybrid" })
        {
            Assert.All(ReportFiles, file => Assert.True(File.Exists(Path.Combine(reports, schedule, file)), $"{schedule}/{file} is missing"));
            using var metrics = JsonDocument.Parse(await File.ReadAllBytesAsync(Path.Combine(reports, schedule, TrainingReport.MetricsFile)));
            var root = metrics.RootElement;
            Assert.Equal(schedule, root.GetProperty("schedule").GetString());
            Assert.InRange(root.GetProperty("accuracy").GetDouble(), 0, 1);
            Assert.Equal(2, root.GetProperty("epochs").GetArrayLength());
        }
    }

    [Fact]
    public async Task Train_ImageFolder_OneScheduleWithItsModel_ExitsZeroAndWritesItsReport()
    {
        var images = _folder.Combine("images");
        foreach (var (label, level) in new[] { ("dark", (byte)20), ("bright", (byte)230) })
        {
            Directory.CreateDirectory(Path.Combine(images, label));
            for (var i = 0; i < 12; i++)
            {
                var shade = (byte)(level + (i % 5));
                await File.WriteAllBytesAsync(Path.Combine(images, label, $"{i}.png"), ImageFiles.RgbPng(16, 16, (_, _) => (shade, shade, shade)));
            }
        }

        var reports = _folder.Combine("image-reports");

        var exit = await RunAsync("--data", images, "--schedule", "non-pipelined", "--epochs", "2", "--batch-size", "4", "--held-out", "0.25", "--out", reports);

        Assert.Equal(TrainCommand.ExitOk, exit);
        Assert.All(ReportFiles, file => Assert.True(File.Exists(Path.Combine(reports, "non-pipelined", file)), $"non-pipelined/{file} is missing"));
        Assert.False(Directory.Exists(Path.Combine(reports, "pipelined")), "--schedule non-pipelined trained another schedule too");
        using var metrics = System.Text.Json.JsonDocument.Parse(await File.ReadAllBytesAsync(Path.Combine(reports, "non-pipelined", "metrics.json")));
        Assert.Equal("none", metrics.RootElement.GetProperty("augmentation").GetString());
    }

    [Fact]
    public async Task Train_CsvWithoutWindows_ExitsWithBadData()
    {
        var csv = _folder.Combine("empty.csv");
        await File.WriteAllTextAsync(csv, "window,label,accel\n");

        Assert.Equal(TrainCommand.ExitBadData, await RunAsync("--data", csv, "--out", _folder.Combine("none")));
    }

    [Theory]
    [InlineData("--schedule", "sideways")]
    [InlineData("--epochs", "0")]
    [InlineData("--held-out", "0.9")]
    [InlineData("--devices", "cpu")]
    [InlineData("--augment", "spin")]
    [InlineData("--augment", "flips")]
    [InlineData("--lr-schedule", "linear")]
    [InlineData("--validation", "0.9")]
    public async Task Train_BadArgument_ExitsWithTwo(string flag, string value)
    {
        var csv = _folder.Combine("windows.csv");
        await File.WriteAllTextAsync(csv, LabelledWindowsCsv.Create(windows: 10, samples: 8, classes: 2, seed: 2));

        Assert.Equal(TrainCommand.ExitBadArguments, await RunAsync("--data", csv, flag, value, "--out", _folder.Combine("none")));
        Assert.False(Directory.Exists(_folder.Combine("none")), "a refused run must not write reports");
    }

    private static Task<int> RunAsync(params string[] arguments) =>
        Bounded.WithinAsync(new RootCommand { TrainCommand.Create() }.Parse(["train", .. arguments]).InvokeAsync(), Patience, $"`pipeline train {string.Join(' ', arguments)}`");
}
