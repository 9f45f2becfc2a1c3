using System.CommandLine;
using System.Globalization;
using Pipeline.Models;
using Pipeline.Models.Architecture;
using Pipeline.Models.Explaining;
using Pipeline.Protocol;
using Pipeline.Tasks;
using Pipeline.Trainer.Explaining;
using Pipeline.Trainer.Registry;
using Pipeline.Trainer.UserData;

namespace Pipeline.Runner.Explain;

/// <summary>
/// `pipeline explain --model TASK[:VERSION] --data PATH`: saliency maps of a registry model on a user's data, as PNGs
/// (an overlay per droplet crop, a channel-by-time heat map per swing window) and explanations.csv (docs/EXPLAIN.md).
/// </summary>
internal static class ExplainCommand
{
    public const int ExitOk = 0;
    public const int ExitBadData = 1;
    public const int ExitBadArguments = 2;

    public const int MaxInputs = 1000;

    public static Command Create()
    {
        var model = new Option<string>("--model") { Description = $"The model: TASK ({string.Join(" or ", TaskRegistry.BuiltIn.Names)}) for its current version, TASK:VERSION for another.", Required = true };
        var data = new Option<string>("--data")
        {
            Description = "Droplet: a microscopy frame image (PNG, JPEG, PGM, PPM) or a folder of them (subfolders name their class); each droplet is explained. "
                + "Swing: a club recording CSV (timestamp_us,strain1,…,gyro_z,session,player,shape) or a CSV of windows (window,label,8 channels); see docs/EXPLAIN.md.",
            Required = true,
        };
        var registryFolder = new Option<string>("--registry") { Description = "The data folder whose models/ holds the registry (as pipeline models --data).", DefaultValueFactory = _ => "data" };
        var output = new Option<string?>("--out") { Description = "Folder for the PNGs and explanations.csv; default ./explain-runs/<task>-v<version>-<UTC time>." };
        var explained = new Option<string?>("--class") { Description = "Explain this class for every input; default: the class the model predicts for each." };
        var max = new Option<int>("--max") { Description = $"Explain at most this many inputs (droplets or windows), the first in file order (1..{MaxInputs}).", DefaultValueFactory = _ => 32 };
        var steps = new Option<int>("--steps") { Description = $"Points on the integrated-gradients path from the baseline to the input (1..{IntegratedGradients.MaxSteps}); 1 is plain gradient × input.", DefaultValueFactory = _ => IntegratedGradients.DefaultSteps };

        var command = new Command("explain", "Saliency maps: which parts of a droplet crop or which channels and moments of a swing a model's answer rests on.")
        {
            model, data, registryFolder, output, explained, max, steps,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var error = parse.InvocationConfiguration.Error;
            var console = parse.InvocationConfiguration.Output;
            if (!ModelReference.TryParse(parse.GetValue(model)!, out var reference, out var referenceProblem))
            {
                await error.WriteLineAsync($"pipeline explain: --model {referenceProblem}");
                return ExitBadArguments;
            }

            var (inputLimit, stepCount) = (parse.GetValue(max), parse.GetValue(steps));
            if (inputLimit is < 1 or > MaxInputs || stepCount is < 1 or > IntegratedGradients.MaxSteps)
            {
                await error.WriteLineAsync(inputLimit is < 1 or > MaxInputs
                    ? $"pipeline explain: --max {inputLimit} is outside 1..{MaxInputs}"
                    : $"pipeline explain: --steps {stepCount} is outside 1..{IntegratedGradients.MaxSteps}");
                return ExitBadArguments;
            }

            var folder = parse.GetValue(registryFolder)!;
            if (!Directory.Exists(folder))
            {
                await error.WriteLineAsync($"pipeline explain: --registry {folder}: no such folder");
                return ExitBadArguments;
            }

            var registry = new ModelRegistry(folder);
            var (manifest, manifestProblem) = Find(registry, reference, folder);
            if (manifest is null)
            {
                await error.WriteLineAsync($"pipeline explain: --model {reference}: {manifestProblem}");
                return ExitBadArguments;
            }

            int? explainedClass = null;
            if (parse.GetValue(explained) is { } className)
            {
                var index = Array.IndexOf(manifest.Classes, className);
                if (index < 0)
                {
                    await error.WriteLineAsync($"pipeline explain: --class \"{className}\" is not a class of {manifest.Task} v{manifest.Version} (its classes: {string.Join(", ", manifest.Classes)})");
                    return ExitBadArguments;
                }

                explainedClass = index;
            }

            try
            {
                using var network = Load(registry, manifest);
                var skipped = new List<string>();
                var inputs = (manifest.Task == LearningTasks.Droplet ? DropletInputs.Read(parse.GetValue(data)!, skipped.Add) : SwingInputs.Read(parse.GetValue(data)!, skipped.Add))
                    .Take(inputLimit).ToList();
                foreach (var skip in skipped)
                {
                    await error.WriteLineAsync($"pipeline explain: skipped {skip}");
                }

                if (inputs.Count == 0)
                {
                    await error.WriteLineAsync($"pipeline explain: --data {parse.GetValue(data)} gave no {manifest.Task} input to explain");
                    return ExitBadData;
                }

                var outFolder = parse.GetValue(output)
                    ?? Path.Combine("explain-runs", string.Create(CultureInfo.InvariantCulture, $"{manifest.Task}-v{manifest.Version}-{DateTime.UtcNow:yyyyMMdd-HHmmss}"));
                Directory.CreateDirectory(outFolder);
                await console.WriteLineAsync($"{manifest.Task} v{manifest.Version} ({manifest.Architecture}, classes {string.Join(", ", manifest.Classes)}): explaining {inputs.Count} inputs, {stepCount} steps each");
                var index = new ExplanationIndex();
                var channelNames = SaliencyPicture.ChannelNames(manifest.Task, network.InputShape);
                foreach (var input in inputs)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    var map = IntegratedGradients.Explain(network, input.Input, input.Auxiliary, explainedClass, stepCount);
                    var (predicted, target) = (manifest.Classes[map.PredictedClass], manifest.Classes[map.ExplainedClass]);
                    var confidence = map.Probabilities[map.PredictedClass];
                    var file = string.Create(CultureInfo.InvariantCulture, $"{index.Count + 1:000}-{SaliencyPicture.FileNamePart(input.Name)}.png");
                    var title = string.Create(CultureInfo.InvariantCulture,
                        $"{manifest.Task} v{manifest.Version}: {input.Name}{(input.Label is null ? "" : $" ({input.Label})")}, predicted {predicted} ({confidence:P0}); saliency for {target}");
                    SaliencyPicture.Write(Path.Combine(outFolder, file), map, input.Input, channelNames, title);
                    index.Add(file, input.Source, input.Label, predicted, confidence, target);
                    await console.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                        $"  {file}: {(input.Label is null ? "" : $"{input.Label}, ")}predicted {predicted} ({confidence:P0}), saliency for {target}{Strongest(map, channelNames)}"));
                }

                index.Write(outFolder);
                await console.WriteLineAsync($"{index.Count} saliency maps and {ExplanationIndex.FileName} in {outFolder}");
                return ExitOk;
            }
            catch (UserDataFormatException e)
            {
                await error.WriteLineAsync($"pipeline explain: --data {e.Message}");
                return ExitBadData;
            }
            catch (ModelArtifactException e)
            {
                await error.WriteLineAsync($"pipeline explain: --model {reference}: {e.Message}");
                return ExitBadData;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                await error.WriteLineAsync($"pipeline explain: cannot read the model or write the maps (--registry, --out): {e.Message}");
                return ExitBadData;
            }
        });
        return command;
    }

    private static (ModelManifest? Manifest, string? Problem) Find(ModelRegistry registry, ModelReference reference, string folder)
    {
        if (reference.Version is { } version)
        {
            return registry.Manifest(reference.Task, version);
        }

        return registry.Current(reference.Task) is { } current ? (current, null) : (null, $"the registry in {folder} holds no current {reference.Task} model");
    }

    /// <summary>The registry's model, refused unless it takes the inputs its task cuts (an artifact of another shape would be fed nonsense).</summary>
    private static BlockSequence Load(ModelRegistry registry, ModelManifest manifest)
    {
        var network = ModelArtifacts.LoadBlocks(registry.ReadArtifact(manifest), manifest);
        var taskShape = TaskRegistry.BuiltIn.Find(manifest.Task).InputShape;
        if (!network.InputShape.SequenceEqual(taskShape))
        {
            network.Dispose();
            throw new ModelArtifactException($"{manifest.Task} v{manifest.Version} takes [{string.Join(" × ", manifest.InputShape)}], not the [{string.Join(" × ", taskShape)}] inputs the {manifest.Task} task cuts");
        }

        return network;
    }

    /// <summary>For a window: the channel with the largest share of the map, which a reader looks at first.</summary>
    private static string Strongest(SaliencyMap map, IReadOnlyList<string> channelNames)
    {
        if (map.Shape.Count != 2)
        {
            return "";
        }

        var shares = map.ChannelShares();
        var top = Array.IndexOf(shares, shares.Max());
        return string.Create(CultureInfo.InvariantCulture, $"; most from {channelNames[top]} ({shares[top]:P0})");
    }
}
