using System.CommandLine;
using Pipeline.Runner.Simulate;
using Pipeline.Trainer.UserData;

namespace Pipeline.EndToEnd.Tests;

public sealed class SimulateCommandTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("simulate-swings-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public async Task SimulateSwings_WritesWindowsThatPipelineTrainReads_WithOnlyTheChosenSensors()
    {
        var all = Path.Combine(_folder, "all.csv");
        var gyro = Path.Combine(_folder, "gyro.csv");

        Assert.Equal(SimulateCommand.ExitOk, await RunAsync("--out", all, "--sessions", "12", "--seed", "3"));
        Assert.Equal(SimulateCommand.ExitOk, await RunAsync("--out", gyro, "--sessions", "12", "--seed", "3", "--channels", "gyro_x,gyro_y,gyro_z"));

        var full = UserDataReader.Read(all);
        var subset = UserDataReader.Read(gyro);
        Assert.Equal([8, 512], full.InputShape);
        Assert.Equal([3, 512], subset.InputShape);
        Assert.Equal(12, full.Examples.Count);
        Assert.Equal(full.Classes, subset.Classes);
        Assert.All(full.Classes, c => Assert.Matches("^p[123]:(draw|fade|straight)$", c));
        Assert.Equal("window,label,gyro_x,gyro_y,gyro_z", File.ReadLines(gyro).First());

        // The same seed gives the same swings: the gyro columns of both files agree line by line.
        var fullGyro = File.ReadLines(all).Skip(1).Take(600).Select(l => string.Join(',', l.Split(',')[7..]));
        var subsetGyro = File.ReadLines(gyro).Skip(1).Take(600).Select(l => string.Join(',', l.Split(',')[2..]));
        Assert.Equal(fullGyro, subsetGyro);
    }

    [Theory]
    [InlineData("--channels", "gyro_q")]
    [InlineData("--channels", "gyro_x,gyro_x")]
    [InlineData("--sessions", "0")]
    public async Task SimulateSwings_BadArgument_ExitsWithTwoAndWritesNothing(string flag, string value)
    {
        var path = Path.Combine(_folder, "bad.csv");

        Assert.Equal(SimulateCommand.ExitBadArguments, await RunAsync("--out", path, flag, value));
        Assert.False(File.Exists(path));
    }

    [Fact]
    public async Task SimulateSwings_UnwritablePath_ExitsWithTwo()
    {
        Assert.Equal(SimulateCommand.ExitBadArguments, await RunAsync("--out", Path.Combine(_folder, "missing", "x.csv"), "--sessions", "1"));
    }

    private static Task<int> RunAsync(params string[] arguments) =>
        new RootCommand { SimulateCommand.Create() }.Parse(["simulate", "swings", .. arguments]).InvokeAsync();
}
