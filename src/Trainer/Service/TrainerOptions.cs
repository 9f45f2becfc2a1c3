using Microsoft.Extensions.Configuration;
using Pipeline.Protocol;
using Pipeline.Settings;
using Pipeline.Tasks;
using Pipeline.Trainer.Partitioning;
using Pipeline.Trainer.Runs;
using Pipeline.Trainer.Schedules;
using static TorchSharp.torch;

namespace Pipeline.Trainer.Service;

/// <summary>The trainer's settings, bound from the "Trainer" configuration section and validated at start.</summary>
public sealed class TrainerOptions : ICheckedSettings
{
    public const string Section = "Trainer";

    static string ICheckedSettings.Section => Section;

    void ICheckedSettings.BindFrom(IConfigurationSection section) => section.Bind(this);

    static IReadOnlyDictionary<string, string> ICheckedSettings.RenamedKeys { get; } = new Dictionary<string, string>
    {
        ["PollSeconds"] = nameof(PollInterval),
        ["DecisionPollSeconds"] = nameof(DecisionPollInterval),
    };

    /// <summary>The tasks to train, in order; empty trains every task. (An empty default, because configuration binding
    /// merges list entries into a non-empty default instead of replacing it.)</summary>
    public string[] Tasks { get; set; } = [];

    /// <summary>The tasks this trainer trains: <see cref="Tasks"/>, or every registered task when it is empty.</summary>
    public IReadOnlyList<string> ResolvedTasks(TaskRegistry registered) => Tasks.Length == 0 ? registered.Names : Tasks;

    /// <summary>A task's next round waits until its labelled sessions have grown by this fraction since its last round,
    /// so continuous training spends time on new data rather than retraining on the same sessions.</summary>
    public double MinGrowthBetweenRounds { get; set; } = 0.25;

    public int Epochs { get; set; } = 12;

    public int BatchSize { get; set; } = 32;

    public double LearningRate { get; set; } = 0.02;

    public double Momentum { get; set; } = 0.9;

    /// <summary>"pipelined", "non-pipelined" or "hybrid".</summary>
    public string Schedule { get; set; } = StaleWeightPipeline.ScheduleName;

    /// <summary>For the hybrid schedule: the fraction of a round's minibatches trained pipelined before it switches to
    /// non-pipelined for the rest (0 trains all of it non-pipelined, 1 all of it pipelined).</summary>
    public double HybridPipelinedFraction { get; set; } = 0.75;

    /// <summary>Block index of the pipeline register: stage 1 holds blocks before it; a value past the model's last
    /// boundary means that boundary. Early splits keep accuracy (the paper's finding). 0 (<see cref="SplitPlanner.Automatic"/>)
    /// measures the blocks and picks the boundary that balances the two stages' times.</summary>
    public int Split { get; set; } = 1;

    /// <summary>Comma-separated stage devices, e.g. "cpu,cpu" or "cuda:0,cuda:1".</summary>
    public string Devices { get; set; } = "cpu,cpu";

    public double HeldOutFraction { get; set; } = 0.2;

    /// <summary>At most this many training examples per round (0: all): a class-stratified sample drawn afresh each round
    /// (<see cref="Dataset.RoundSample"/>), so a round's time stops growing with the store. The held-out side is never sampled.</summary>
    public int MaxTrainExamples { get; set; }

    /// <summary>Start each round from the current version's weights (when it has this round's classes, architecture and
    /// input) instead of a fresh initialisation, so what earlier rounds learnt carries over; with <see cref="MaxTrainExamples"/>
    /// each round then adds a new sample to what the model knows.</summary>
    public bool WarmStart { get; set; }

    /// <summary>Saliency maps (PNG) stored beside each blessed version, per class, of held-out examples (docs/EXPLAIN.md);
    /// 0 stores none. Each costs about one training minibatch of 16 examples, forward and backward.</summary>
    public int ExplainedExamplesPerClass { get; set; } = 2;

    public int MinExamplesPerClass { get; set; } = 4;

    public int MinClasses { get; set; } = 2;

    /// <summary>Rounds per task; 0 trains until stopped.</summary>
    public int Rounds { get; set; }

    public string DataFolder { get; set; } = "data";

    /// <summary>The trainer's MQTT client id, which is also its identity's name on a broker that checks identities.</summary>
    public string ClientId { get; set; } = "pipeline-trainer";

    public int Seed { get; set; } = 1;

    /// <summary>The held-out measure a candidate must not lose on: accuracy, macro-f1 or concentration-mae (droplet models; others fall back to accuracy).</summary>
    public string BlessingMetric { get; set; } = Registry.BlessingMetric.Accuracy;

    /// <summary>
    /// How much better than the current model, on the same held-out data, a candidate must score to be blessed; 0 blesses
    /// a tie, a negative margin tolerates a loss of up to that much (-100 blesses every candidate).
    /// </summary>
    public double BlessingMinimumMargin { get; set; }

    /// <summary>
    /// The private key (ECDSA P-256, PKCS#8 PEM, readable by the trainer only) every published manifest is signed with;
    /// devices run only models signed by a key they trust. Created on first start when missing, with its public key in
    /// <see cref="TrustedModelKeysFolderBeside"/>. Empty publishes unsigned manifests, which devices refuse.
    /// </summary>
    public string SigningKeyPath { get; set; } = "";

    /// <summary>Where the public half of the key at <paramref name="signingKeyPath"/> is put for devices ("&lt;key id&gt;.pub"): "trusted-model-keys" beside it.</summary>
    public static string TrustedModelKeysFolderBeside(string signingKeyPath) =>
        Path.Combine(Path.GetDirectoryName(Path.GetFullPath(signingKeyPath)) ?? ".", "trusted-model-keys");

    /// <summary>
    /// The size of the chunks a model artifact is announced in (docs/PROTOCOL.md, "Model artifact"); an artifact that
    /// would need more than 512 chunks travels in larger ones.
    /// </summary>
    public int ModelChunkBytes { get; set; } = ArtifactChunks.DefaultChunkBytes;

    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// How often the trainer looks for a decision recorded by `pipeline models rollback|promote` in the registry's
    /// decision log; it announces a new one within this time.
    /// </summary>
    public TimeSpan DecisionPollInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>What a round's training run uses, on <paramref name="devices"/> (<see cref="Devices"/>, parsed).</summary>
    public TrainingSettings TrainingSettings(IReadOnlyList<Device> devices) => new(devices)
    {
        Epochs = Epochs,
        BatchSize = BatchSize,
        LearningRate = LearningRate,
        Momentum = Momentum,
        Split = Split,
        HybridPipelinedFraction = HybridPipelinedFraction,
        Seed = Seed,
    };

    public void Check(SettingProblems problems)
    {
        problems.Range(nameof(MinGrowthBetweenRounds), MinGrowthBetweenRounds, 0, 100);
        problems.Range(nameof(Epochs), Epochs, 1, 1000);
        problems.Range(nameof(BatchSize), BatchSize, 1, 4096);
        problems.Range(nameof(LearningRate), LearningRate, 1e-6, 10);
        problems.Range(nameof(Momentum), Momentum, 0, 0.999);
        problems.Require(Schedule is StaleWeightPipeline.ScheduleName or NonPipelinedSchedule.ScheduleName or HybridSchedule.ScheduleName, nameof(Schedule),
            $"\"{Schedule}\" is unknown (expected {StaleWeightPipeline.ScheduleName}, {NonPipelinedSchedule.ScheduleName} or {HybridSchedule.ScheduleName})");
        problems.Range(nameof(HybridPipelinedFraction), HybridPipelinedFraction, 0, 1);
        problems.Range(nameof(Split), Split, SplitPlanner.Automatic, 16);
        problems.Require(DeviceList.TryParse(Devices, out _, out var deviceError), nameof(Devices), $"\"{Devices}\": {deviceError}");
        problems.Range(nameof(HeldOutFraction), HeldOutFraction, 0.05, 0.5);
        problems.Range(nameof(MaxTrainExamples), MaxTrainExamples, 0, int.MaxValue);
        problems.Range(nameof(ExplainedExamplesPerClass), ExplainedExamplesPerClass, 0, 16);
        problems.Range(nameof(MinExamplesPerClass), MinExamplesPerClass, 1, 100_000);
        problems.Range(nameof(MinClasses), MinClasses, 2, 1024);
        problems.Range(nameof(Rounds), Rounds, 0, 1_000_000);
        problems.NotEmpty(nameof(DataFolder), DataFolder);
        problems.Identifier(nameof(ClientId), ClientId);
        problems.Require(Registry.BlessingMetric.All.Contains(BlessingMetric), nameof(BlessingMetric),
            $"\"{BlessingMetric}\" is unknown (expected {string.Join(", ", Registry.BlessingMetric.All)})");
        problems.Range(nameof(BlessingMinimumMargin), BlessingMinimumMargin, -100, 100);
        problems.Range(nameof(ModelChunkBytes), ModelChunkBytes, ArtifactChunks.MinChunkBytes, ArtifactChunks.MaxChunkBytes);
        problems.Range(nameof(PollInterval), PollInterval, TimeSpan.FromMilliseconds(10), TimeSpan.FromHours(1));
        problems.Range(nameof(DecisionPollInterval), DecisionPollInterval, TimeSpan.FromMilliseconds(50), TimeSpan.FromMinutes(1));
    }

    /// <summary>What this trainer's tasks must be: each one a task <paramref name="registered"/> knows.</summary>
    public void CheckTasks(TaskRegistry registered, SettingProblems problems)
    {
        foreach (var unknown in Tasks.Where(t => !registered.TryFind(t, out _)))
        {
            problems.Add(nameof(Tasks), $"names unknown task \"{unknown}\" (expected {string.Join(", ", registered.Names)})");
        }
    }
}
