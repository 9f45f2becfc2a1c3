using System.CommandLine;
using System.Globalization;
using System.Text;
using Pipeline.EdgeAgent.Replay;
using Pipeline.Models;
using Pipeline.Models.Architecture;
using Pipeline.Protocol;
using Pipeline.Runner.Explain;
using Pipeline.Runner.Simulate;
using Pipeline.Simulation.Golf;
using Pipeline.Tasks.Swing;
using Pipeline.TestSupport;
using Pipeline.Trainer.Registry;

namespace Pipeline.EndToEnd.Tests;

/// <summary>`pipeline explain` through the CLI's own parsing, against a registry holding a swing and a droplet model, on files written here.</summary>
public sealed class ExplainCommandTests : IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromMinutes(3);
    private static readonly string[] DropletClasses = ["acetone", "ethanol"];
    private static readonly string[] SwingClasses = ["alice:draw", "bob:fade"];

    private readonly TemporaryFolder _folder = new("explain-command");
    private readonly string _registry;

    public ExplainCommandTests()
    {
        _registry = _folder.Combine("data");
        var registry = new ModelRegistry(_registry);
        Store(registry, LearningTasks.Droplet, ModelCatalog.DropletCnn, DropletClasses);
        Store(registry, LearningTasks.Swing, ModelCatalog.SwingCnn, SwingClasses);
    }

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task Explain_DropletFramesInClassFolders_WritesAnOverlayPerDropletAndTheIndex()
    {
        var frames = _folder.Combine("frames");
        Directory.CreateDirectory(Path.Combine(frames, "ethanol"));
        await File.WriteAllBytesAsync(Path.Combine(frames, "ethanol", "f1.png"), TwoDropletFrame());
        await File.WriteAllTextAsync(Path.Combine(frames, "notes.txt"), "not a frame");
        var output = _folder.Combine("droplet-maps");

        var (code, console, error) = await RunAsync("--model", $"{LearningTasks.Droplet}:1", "--data", frames, "--registry", _registry, "--out", output, "--steps", "8");

        Assert.True(code == ExplainCommand.ExitOk, error);
        Assert.Contains("notes.txt", error, StringComparison.Ordinal);
        var rows = IndexRows(output);
        Assert.Equal(2, rows.Count);
        Assert.All(rows, row =>
        {
            Assert.Equal("ethanol", row[2]);
            Assert.Contains(row[3], DropletClasses);
            Assert.Equal(row[3], row[5]);
            AssertPng(Path.Combine(output, row[0]));
        });
        Assert.Contains("droplet1", rows[0][0], StringComparison.Ordinal);
        Assert.Contains("2 saliency maps", console, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Explain_SwingWindowsCsv_CurrentVersionAndGivenClass_WritesAHeatMapPerWindowUpToMax()
    {
        var csv = _folder.Combine("swings.csv");
        await using (var writer = new StreamWriter(csv))
        {
            SwingWindowCsv.Write(writer, sessions: 4, seed: 1, [.. Enumerable.Range(0, MotionChannels.Count)]);
        }

        var output = _folder.Combine("swing-maps");

        var (code, console, error) = await RunAsync("--model", LearningTasks.Swing, "--data", csv, "--registry", _registry, "--out", output, "--max", "2", "--class", "bob:fade", "--steps", "4");

        Assert.True(code == ExplainCommand.ExitOk, error);
        var rows = IndexRows(output);
        Assert.Equal(2, rows.Count);
        Assert.All(rows, row =>
        {
            Assert.Equal("bob:fade", row[5]);
            Assert.Contains(row[2], GolfClubSimulator.ClassNames);
            AssertPng(Path.Combine(output, row[0]));
        });
        Assert.Contains("most from", console, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Explain_SwingRecording_ExplainsEachSessionsWindow()
    {
        var recording = _folder.Combine("recording.csv");
        var (text, swings) = Recording(sessions: 2);
        await File.WriteAllTextAsync(recording, text);
        var output = _folder.Combine("recording-maps");

        var (code, _, error) = await RunAsync("--model", "swing:1", "--data", recording, "--registry", _registry, "--out", output, "--steps", "4");

        Assert.True(code == ExplainCommand.ExitOk, error);
        var rows = IndexRows(output);
        Assert.Equal(swings, rows.Count);
        Assert.All(rows, row => Assert.Contains(row[2], GolfClubSimulator.ClassNames));
    }

    [Theory]
    [InlineData("--model", "golf", "names no task")]
    [InlineData("--model", "swing:0", "not a whole number of 1 or more")]
    [InlineData("--model", "swing:two", "not a whole number of 1 or more")]
    [InlineData("--model", "swing:9", "holds no swing v9")]
    [InlineData("--class", "carol:draw", "--class \"carol:draw\" is not a class of swing v1")]
    [InlineData("--max", "0", "--max 0 is outside")]
    [InlineData("--steps", "100000", "--steps 100000 is outside")]
    [InlineData("--registry", "missing-folder", "--registry")]
    public async Task Explain_BadArgument_ExitsWithTwoNamingIt(string flag, string value, string expected)
    {
        var csv = _folder.Combine("swings.csv");
        await using (var writer = new StreamWriter(csv))
        {
            SwingWindowCsv.Write(writer, sessions: 1, seed: 1, [.. Enumerable.Range(0, MotionChannels.Count)]);
        }

        string[] defaults = ["--model", "swing", "--registry", _registry];
        var arguments = new List<string> { "--data", csv, "--out", _folder.Combine("none"), flag, flag == "--registry" ? _folder.Combine(value) : value };
        for (var i = 0; i < defaults.Length; i += 2)
        {
            if (defaults[i] != flag)
            {
                arguments.AddRange([defaults[i], defaults[i + 1]]);
            }
        }

        var (code, _, error) = await RunAsync([.. arguments]);

        Assert.Equal(ExplainCommand.ExitBadArguments, code);
        Assert.Contains(expected, error, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", error, StringComparison.Ordinal);
        Assert.False(Directory.Exists(_folder.Combine("none")), "a refused run must not write maps");
    }

    [Fact]
    public async Task Explain_DataTheTaskCannotRead_ExitsWithOneNamingIt()
    {
        var threeChannels = _folder.Combine("three.csv");
        await File.WriteAllTextAsync(threeChannels, "window,label,a,b,c\nw1,x,1,2,3\nw1,x,1,2,3\n");

        var (missing, _, missingError) = await RunAsync("--model", "droplet", "--data", _folder.Combine("nowhere"), "--registry", _registry, "--out", _folder.Combine("none"));
        var (folder, _, folderError) = await RunAsync("--model", "swing", "--data", _folder.Path, "--registry", _registry, "--out", _folder.Combine("none"));
        var (shape, _, shapeError) = await RunAsync("--model", "swing", "--data", threeChannels, "--registry", _registry, "--out", _folder.Combine("none"));

        Assert.Equal((ExplainCommand.ExitBadData, ExplainCommand.ExitBadData, ExplainCommand.ExitBadData), (missing, folder, shape));
        Assert.Contains("no such file or folder", missingError, StringComparison.Ordinal);
        Assert.Contains("is a folder", folderError, StringComparison.Ordinal);
        Assert.Contains("windows of 3 channels × 2 samples", shapeError, StringComparison.Ordinal);
        Assert.False(Directory.Exists(_folder.Combine("none")), "a refused run must not write maps");
    }

    private static void Store(ModelRegistry registry, string task, string architecture, string[] classes)
    {
        using var model = ModelCatalog.Create(architecture, classes.Length, seed: 3);
        var artifact = ModelArtifacts.Save(model);
        registry.Store(new ModelManifest(task, 1, architecture, 1_700_000_000_000_000, Topics.ModelArtifact(task, 1), artifact.Length, ModelArtifacts.Sha256Hex(artifact),
            [.. model.InputShape], classes, new ModelMetrics(0.5, 0.5, 10), "non-pipelined"), artifact);
    }

    /// <summary>A dim film with two bright droplets, which the segmenter finds apart.</summary>
    private static byte[] TwoDropletFrame() =>
        ImageFiles.RgbPng(128, 128, (x, y) =>
        {
            var inside = Math.Pow(x - 34, 2) + Math.Pow(y - 34, 2) < 14 * 14 || Math.Pow(x - 92, 2) + Math.Pow(y - 90, 2) < 14 * 14;
            var shade = inside ? (byte)(150 + ((x * 7) % 50)) : (byte)(30 + ((x + y) % 3));
            return (shade, shade, shade);
        });

    /// <summary>Simulated swing sessions in the club-recording format, one row per sample, and how many hold a swing window.</summary>
    private static (string Csv, int Swings) Recording(int sessions)
    {
        var swings = 0;
        var simulator = new GolfClubSimulator(1);
        var csv = new StringBuilder(MotionRecordingReader.Header(MotionRecordingReader.SampleColumn)).Append('\n');
        var row = 0;
        for (var s = 0; s < sessions; s++)
        {
            var session = simulator.NextSession();
            swings += SwingWindowing.FindWindowStart(session.Samples) >= 0 ? 1 : 0;
            for (var i = 0; i < session.SampleCount; i++)
            {
                csv.Append(row++.ToString(CultureInfo.InvariantCulture));
                for (var c = 0; c < MotionChannels.Count; c++)
                {
                    csv.Append(',').Append(session.Samples[(i * MotionChannels.Count) + c].ToString("R", CultureInfo.InvariantCulture));
                }

                csv.Append(CultureInfo.InvariantCulture, $",s{s},{session.Player},{session.Shape}\n");
            }
        }

        return (csv.ToString(), swings);
    }

    private static List<string[]> IndexRows(string folder) =>
        [.. File.ReadAllLines(Path.Combine(folder, ExplanationIndex.FileName)).Skip(1).Select(line => line.Split("\",\"").Select(f => f.Trim('"')).ToArray())];

    private static void AssertPng(string path)
    {
        var bytes = File.ReadAllBytes(path);
        Assert.True(bytes.Length > 100 && Encoding.ASCII.GetString(bytes, 1, 3) == "PNG", $"{path} is not a PNG");
    }

    private static async Task<(int Code, string Output, string Error)> RunAsync(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var code = await Bounded.WithinAsync(new RootCommand { ExplainCommand.Create() }.Parse(["explain", .. args]).InvokeAsync(new InvocationConfiguration { Output = output, Error = error }),
            Patience, $"`pipeline explain {string.Join(' ', args)}`");
        return (code, output.ToString(), error.ToString());
    }
}
