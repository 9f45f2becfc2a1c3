using System.CommandLine;
using System.Text.Json;
using Pipeline.Models;
using Pipeline.Protocol;
using Pipeline.Runner.Registry;
using Pipeline.TestSupport;
using Pipeline.Trainer.Registry;

namespace Pipeline.EndToEnd.Tests;

public sealed class ModelsCommandTests : IDisposable
{
    private readonly TemporaryFolder _data = new("models-command");

    public void Dispose() => _data.Dispose();

    [Fact]
    public async Task List_ShowsEveryVersion_MarksTheCurrentOne_AndNamesWhatIsWrongWithADamagedOne()
    {
        var registry = new ModelRegistry(_data.Path);
        registry.Store(Manifest(1, 0.6, [1]), [1]);
        registry.Store(Manifest(2, 0.7, [2]), [2]);
        registry.Store(Manifest(3, 0.8, [3]), [3]);
        registry.Reject(Manifest(4, 0.5, [4]), [4]);
        File.WriteAllBytes(Path.Combine(registry.TaskFolder(LearningTasks.Swing), "v3", "model.bin"), [9, 9]);

        var (code, output, _) = await RunAsync("list", "--json", "--data", _data.Path);

        Assert.Equal(ModelsCommand.ExitOk, code);
        var rows = JsonDocument.Parse(output).RootElement.EnumerateArray().ToList();
        Assert.Equal([1, 2, 3], rows.Select(r => r.GetProperty("version").GetInt32()));
        Assert.Equal([false, true, false], rows.Select(r => r.GetProperty("current").GetBoolean()));
        Assert.Equal(0.7, rows[1].GetProperty("accuracy").GetDouble());
        Assert.Contains("bytes", rows[2].GetProperty("problem").GetString());

        var (tableCode, table, _) = await RunAsync("list", "--data", _data.Path, "--task", LearningTasks.Swing);
        Assert.Equal(ModelsCommand.ExitOk, tableCode);
        Assert.Contains("damaged", table);
        Assert.Contains("1 candidates not blessed", table);
    }

    [Fact]
    public async Task Show_PrintsTheCurrentManifest_AndFailsNamingAVersionThatIsNotThere()
    {
        var registry = new ModelRegistry(_data.Path);
        registry.Store(Manifest(1, 0.6, [1]), [1]);

        var (code, output, _) = await RunAsync("show", "--task", LearningTasks.Swing, "--data", _data.Path);
        Assert.Equal(ModelsCommand.ExitOk, code);
        Assert.Contains("\"version\": 1", output);
        Assert.Contains("model.bin", output);

        var (missingCode, _, error) = await RunAsync("show", "--task", LearningTasks.Swing, "--version", "7", "--data", _data.Path);
        Assert.Equal(ModelsCommand.ExitFailed, missingCode);
        Assert.Contains("v7", error);
    }

    private static ModelManifest Manifest(int version, double accuracy, byte[] artifact) =>
        new(LearningTasks.Swing, version, "swing-cnn", 1_700_000_000_000_000 + version, Topics.ModelArtifact(LearningTasks.Swing, version),
            artifact.Length, ModelArtifacts.Sha256Hex(artifact), [8, 512], ["a:x", "b:y"], new ModelMetrics(accuracy, accuracy, 5), "pipelined");

    private static async Task<(int Code, string Output, string Error)> RunAsync(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var code = await new RootCommand { ModelsCommand.Create() }.Parse(["models", .. args]).InvokeAsync(new InvocationConfiguration { Output = output, Error = error });
        return (code, output.ToString(), error.ToString());
    }
}
