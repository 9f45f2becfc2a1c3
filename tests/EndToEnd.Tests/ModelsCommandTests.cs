using System.CommandLine;
using System.Text.Json;
using Pipeline.Ingest.Status;
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
        registry.Reject(LearningTasks.Swing, 2, 1_700_000_000_000_004, [4]);
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

    [Fact]
    public async Task Status_ShowsPerVersion_WhoRunsIt_WhoFetchesIt_AndWhoRefusedItAndWhy()
    {
        var registry = new ModelRegistry(_data.Path);
        registry.Store(Manifest(1, 0.6, [1]), [1]);
        registry.Store(Manifest(2, 0.7, [2]), [2]);
        const long Now = 1_700_000_000_000_000;
        DeviceStatusFile.Write(_data.Path,
        [
            new DeviceStatus("club-1", LearningTasks.Swing, DeviceState.Online, Now, 0, ModelVersion: 2),
            new DeviceStatus("club-2", LearningTasks.Swing, DeviceState.Online, Now, 0, ModelVersion: 1, FetchingVersion: 2),
            new DeviceStatus("club-3", LearningTasks.Swing, DeviceState.Online, Now, 0, ModelVersion: 1, LastRefusal: new ModelRefusal("refused model v2: the manifest is not signed", 2)),
            new DeviceStatus("club-4", LearningTasks.Swing, DeviceState.Offline, Now, 0),
            new DeviceStatus("scope-1", LearningTasks.Droplet, DeviceState.Online, Now, 0),
        ]);

        var (code, output, _) = await RunAsync("status", "--json", "--task", LearningTasks.Swing, "--data", _data.Path);

        Assert.Equal(ModelsCommand.ExitOk, code);
        var rollouts = JsonDocument.Parse(output).RootElement.EnumerateArray().ToList();
        var current = Assert.Single(rollouts, r => r.GetProperty("current").GetBoolean());
        Assert.Equal(2, current.GetProperty("version").GetInt32());
        Assert.Equal(["club-1"], Names(current, "running"));
        Assert.Equal(["club-2"], Names(current, "fetching"));
        var refused = Assert.Single(current.GetProperty("refused").EnumerateArray());
        Assert.Equal("club-3", refused.GetProperty("deviceId").GetString());
        Assert.Contains("not signed", refused.GetProperty("reason").GetString());
        var previous = Assert.Single(rollouts, r => r.TryGetProperty("version", out var v) && v.GetInt32() == 1);
        Assert.Equal(["club-2", "club-3"], Names(previous, "running"));
        // Devices that run no model: the entry without a version.
        var none = Assert.Single(rollouts, r => !r.TryGetProperty("version", out _));
        Assert.Equal(["club-4"], Names(none, "offline"));

        var (tableCode, table, _) = await RunAsync("status", "--data", _data.Path);
        Assert.Equal(ModelsCommand.ExitOk, tableCode);
        Assert.Contains("club-3: refused model v2", table);
    }

    [Fact]
    public async Task Rollback_WithoutATarget_GoesToTheVersionBelowTheCurrent_AndAgainFurther_AndPromoteGoesForward()
    {
        var registry = new ModelRegistry(_data.Path);
        for (var version = 1; version <= 3; version++)
        {
            registry.Store(Manifest(version, 0.5 + version / 10.0, [(byte)version]), [(byte)version]);
        }

        var (code, output, _) = await RunAsync("rollback", "--task", LearningTasks.Swing, "--data", _data.Path, "--reason", "v3 misreads drivers");
        Assert.Equal(ModelsCommand.ExitOk, code);
        Assert.Contains("run v2 (rollback from v3)", output);
        Assert.Equal(2, registry.Current(LearningTasks.Swing)!.Version);

        Assert.Equal(ModelsCommand.ExitOk, (await RunAsync("rollback", "--task", LearningTasks.Swing, "--data", _data.Path)).Code);
        Assert.Equal(1, registry.Current(LearningTasks.Swing)!.Version);

        Assert.Equal(ModelsCommand.ExitOk, (await RunAsync("promote", "--task", LearningTasks.Swing, "3", "--data", _data.Path)).Code);
        Assert.Equal(3, registry.Current(LearningTasks.Swing)!.Version);

        var decisions = registry.Decisions(LearningTasks.Swing);
        Assert.Equal([(2, ModelDecision.Rollback), (1, ModelDecision.Rollback), (3, ModelDecision.Promote)], decisions.Select(d => (d.Version, d.Kind)));
        Assert.Equal("v3 misreads drivers", decisions[0].Reason);
        Assert.Equal(decisions.Select(d => d.Sequence).Order(), decisions.Select(d => d.Sequence));

        var (_, list, _) = await RunAsync("list", "--json", "--task", LearningTasks.Swing, "--data", _data.Path);
        Assert.Equal([false, false, true], JsonDocument.Parse(list).RootElement.EnumerateArray().Select(r => r.GetProperty("current").GetBoolean()));
        var (_, status, _) = await RunAsync("status", "--task", LearningTasks.Swing, "--data", _data.Path);
        Assert.Contains($"latest decision {decisions[^1].Sequence}: run v3 (promote at", status);
        Assert.Contains("not announced yet", status);
    }

    [Fact]
    public async Task RollbackAndPromote_RefuseWhatCannotBeRun_NamingWhy_AndRecordNothing()
    {
        var registry = new ModelRegistry(_data.Path);
        registry.Store(Manifest(1, 0.6, [1]), [1]);
        registry.Store(Manifest(2, 0.7, [2]), [2]);
        File.WriteAllBytes(Path.Combine(registry.TaskFolder(LearningTasks.Swing), "v1", "model.bin"), [9, 9]);

        var refusals = new[]
        {
            (await RunAsync("rollback", "--task", LearningTasks.Swing, "--data", _data.Path), "no whole swing version older than the current v2"),
            (await RunAsync("rollback", "--task", LearningTasks.Swing, "--to", "1", "--data", _data.Path), "swing v1 cannot be run"),
            (await RunAsync("rollback", "--task", LearningTasks.Swing, "--to", "2", "--data", _data.Path), "not older than the current swing v2"),
            (await RunAsync("promote", "--task", LearningTasks.Swing, "1", "--data", _data.Path), "swing v1 cannot be run"),
            (await RunAsync("promote", "--task", LearningTasks.Swing, "9", "--data", _data.Path), "holds no swing v9"),
            (await RunAsync("rollback", "--task", LearningTasks.Droplet, "--data", _data.Path), "no current droplet model"),
        };

        foreach (var ((code, _, error), expected) in refusals)
        {
            Assert.Equal(ModelsCommand.ExitFailed, code);
            Assert.Contains(expected, error);
        }

        Assert.Empty(registry.Decisions(LearningTasks.Swing));
    }

    private static string[] Names(JsonElement rollout, string property) => [.. rollout.GetProperty(property).EnumerateArray().Select(e => e.GetString()!)];

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
