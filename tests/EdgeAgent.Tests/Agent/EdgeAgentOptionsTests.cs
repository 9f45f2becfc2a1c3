using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Pipeline.EdgeAgent.Agent;
using Pipeline.Hosting;

namespace Pipeline.EdgeAgent.Tests.Agent;

public sealed class EdgeAgentOptionsTests
{
    [Fact]
    public void Validate_BadValues_NamesEverySetting()
    {
        var options = new EdgeAgentOptions { DeviceId = "club/1", Kind = "toaster", SpeedFactor = 0, BatchSamples = 0 };
        var errors = options.Problems("Agent", AgentFactory.Kinds);
        Assert.Contains(errors, e => e.StartsWith("Agent:DeviceId") && e.Contains("club/1"));
        Assert.Contains(errors, e => e.StartsWith("Agent:Kind") && e.Contains("toaster"));
        Assert.Contains(errors, e => e.StartsWith("Agent:SpeedFactor"));
        Assert.Contains(errors, e => e.StartsWith("Agent:BatchSamples"));
    }

    [Fact]
    public void Validate_OutboxCapBelowItsMinimum_AndNoStatusInterval_NameTheirSettings()
    {
        var options = new EdgeAgentOptions { DeviceId = "club-1", OutboxMaxBytes = 1000, StatusInterval = TimeSpan.Zero };
        var errors = options.Problems("Agent", AgentFactory.Kinds);
        Assert.Contains(errors, e => e.StartsWith("Agent:OutboxMaxBytes") && e.Contains("1000"));
        Assert.Contains(errors, e => e.StartsWith("Agent:StatusInterval 00:00:00 is outside"));
        Assert.Equal(Path.Combine("edge-data", "club-1", "outbox"), options.OutboxFolder);
    }

    [Theory]
    [InlineData("golf", true, "is not a file (a golf replay reads a motion CSV file)")]
    [InlineData("microscope", false, "is not a folder (a microscope replay reads a folder of frames with labels.csv)")]
    public void Validate_ReplayPathOfTheWrongSort_NamesTheSettingAndWhatTheKindReads(string kind, bool recordingIsFile, string expected)
    {
        var folder = Directory.CreateTempSubdirectory("replay-path-").FullName;
        try
        {
            var file = Path.Combine(folder, "recording.csv");
            File.WriteAllText(file, "");
            var (right, wrong) = recordingIsFile ? (file, folder) : (folder, file);

            var refused = new EdgeAgentOptions { DeviceId = "dev-1", Kind = kind, ReplayPath = wrong }.Problems("Agent", AgentFactory.Kinds);
            var accepted = new EdgeAgentOptions { DeviceId = "dev-1", Kind = kind, ReplayPath = right }.Problems("Agent", AgentFactory.Kinds);

            Assert.Contains(refused, e => e.StartsWith("Agent:ReplayPath", StringComparison.Ordinal) && e.Contains($"\"{wrong}\" {expected}", StringComparison.Ordinal));
            Assert.DoesNotContain(accepted, e => e.StartsWith("Agent:ReplayPath", StringComparison.Ordinal));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1001)]
    public void Validate_OutboxInFlightOutOfRange_NamesTheSetting(int inFlight)
    {
        var errors = new EdgeAgentOptions { DeviceId = "club-1", OutboxInFlight = inFlight }.Problems("Agent", AgentFactory.Kinds);
        Assert.Contains(errors, e => e.StartsWith("Agent:OutboxInFlight", StringComparison.Ordinal));
    }

    [Fact]
    public void Bind_AgentsList_GivesOneAgentPerEntry_AndRefusesDuplicateDevices()
    {
        var configuration = Configuration(
            ("Agents:0:DeviceId", "club-1"), ("Agents:0:Kind", "golf"),
            ("Agents:1:DeviceId", "scope-1"), ("Agents:1:Kind", "microscope"), ("Agents:1:FrameSize", "64"));
        var fleet = EdgeAgentFleetOptions.Bind(configuration);
        Assert.Equal(["club-1", "scope-1"], fleet.Agents.Select(a => a.DeviceId));
        Assert.Equal(["swing", "droplet"], fleet.Agents.Select(a => AgentFactory.Kinds.TaskOf(a.Kind).Name));
        Assert.Equal(64, fleet.Agents[1].FrameSize);
        Assert.Empty(fleet.Problems(AgentFactory.Kinds));

        fleet.Agents[1].DeviceId = "club-1";
        Assert.Contains(fleet.Problems(AgentFactory.Kinds), e => e.Contains("configured 2 times"));
    }

    [Fact]
    public void Bind_NumberThatIsNotANumber_FailsNamingTheSetting()
    {
        var error = Assert.Throws<OptionsValidationException>(() => EdgeAgentFleetOptions.Bind(Configuration(("Agent:DeviceId", "club-1"), ("Agent:SpeedFactor", "fast"))));
        Assert.Contains("SpeedFactor", error.Message);
    }

    [Fact]
    public void Bind_DurationKeyOfAnEarlierRelease_IsRefusedNamingTheKeyThatReplacedIt()
    {
        var fleet = EdgeAgentFleetOptions.Bind(Configuration(("Agents:0:DeviceId", "club-1"), ("Agents:0:StatusIntervalSeconds", "10")));

        var problem = Assert.Single(fleet.Problems(AgentFactory.Kinds));
        Assert.StartsWith("Agents:0:StatusIntervalSeconds was renamed: set Agents:0:StatusInterval", problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Bind_Durations_AreReadAsTimeSpans()
    {
        var fleet = EdgeAgentFleetOptions.Bind(Configuration(("Agent:DeviceId", "scope-1"), ("Agent:Kind", "microscope"), ("Agent:FrameInterval", "00:00:00.500")));

        Assert.Equal(TimeSpan.FromMilliseconds(500), Assert.Single(fleet.Agents).FrameInterval);
        Assert.Empty(fleet.Problems(AgentFactory.Kinds));
    }

    [Fact]
    public async Task AddEdgeAgents_InvalidOptions_FailHostStartNamingTheProblem()
    {
        var builder = ServiceDefaults.CreateBuilder([], [new("Agent:DeviceId", "bad id"), new("Agent:Kind", "golf")]);
        builder.Services.AddEdgeAgents(builder.Configuration);
        using var host = builder.Build();
        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());
        Assert.Contains("Agent:DeviceId", error.Message);
    }

    [Fact]
    public void AddEdgeAgents_TwoConfiguredAgents_RegistersTwoWorkersInTheRegistry()
    {
        var builder = ServiceDefaults.CreateBuilder([],
        [
            new("Agents:0:DeviceId", "club-1"), new("Agents:0:Kind", "golf"),
            new("Agents:1:DeviceId", "scope-1"), new("Agents:1:Kind", "microscope"),
        ]);
        builder.Services.AddEdgeAgents(builder.Configuration);
        using var host = builder.Build();
        var workers = host.Services.GetServices<IHostedService>().OfType<EdgeAgentWorker>().ToList();
        var registry = host.Services.GetRequiredService<EdgeAgentRegistry>();
        Assert.Equal(2, workers.Count);
        Assert.Equal(["club-1", "scope-1"], registry.Snapshots().Select(s => s.DeviceId));
        Assert.All(registry.Snapshots(), s => Assert.Equal(0, s.Predictions));
    }

    private static IConfiguration Configuration(params (string Key, string Value)[] pairs) =>
        new ConfigurationBuilder().AddInMemoryCollection(pairs.Select(p => new KeyValuePair<string, string?>(p.Key, p.Value))).Build();
}
