using Pipeline.Models.Architecture;
using Pipeline.Protocol;

namespace Pipeline.Models;

/// <summary>
/// Reads and checks model artifacts against their manifest. An artifact is the TorchSharp state (module.save)
/// of the manifest's architecture built with <see cref="ModelManifest.Classes"/>.Length classes.
/// </summary>
public static class ModelArtifacts
{
    /// <summary>Lower-case hex SHA-256, as in <see cref="ModelManifest.Sha256"/>.</summary>
    public static string Sha256Hex(ReadOnlySpan<byte> bytes) => Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(bytes));

    /// <summary>As <see cref="Sha256Hex(ReadOnlySpan{byte})"/>, over the rest of a stream, without holding it all in memory.</summary>
    public static string Sha256Hex(Stream stream) => Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(stream));

    /// <summary>
    /// Checks size and SHA-256 against the manifest, builds the manifest's architecture and loads the weights.
    /// Throws <see cref="ModelArtifactException"/> naming the problem for a bad artifact.
    /// </summary>
    public static IInferenceModel Load(byte[] artifact, ModelManifest manifest)
    {
        var model = LoadBlocks(artifact, manifest);
        return new TorchInferenceModel(model, manifest);
    }

    /// <summary>Most values one input may hold (a 3 × 1024 × 1024 image is 3 M).</summary>
    public const long MaxInputElements = 4L * 1024 * 1024;

    /// <summary>As <see cref="Load"/>, but returns the block sequence itself (in eval mode), e.g. to evaluate it on a data set.</summary>
    public static BlockSequence LoadBlocks(byte[] artifact, ModelManifest manifest)
    {
        if (artifact.Length != manifest.SizeBytes)
        {
            throw new ModelArtifactException($"artifact for {manifest.Task} v{manifest.Version} is {artifact.Length} bytes but the manifest says {manifest.SizeBytes}");
        }

        var sha = Sha256Hex(artifact);
        if (!string.Equals(sha, manifest.Sha256, StringComparison.Ordinal))
        {
            throw new ModelArtifactException($"artifact for {manifest.Task} v{manifest.Version} has SHA-256 {sha} but the manifest says {manifest.Sha256}");
        }

        if (manifest.Classes is not { Length: >= 2 })
        {
            throw new ModelArtifactException($"manifest for {manifest.Task} v{manifest.Version} lists {manifest.Classes?.Length ?? 0} classes; a classifier needs at least 2");
        }

        // Bounded before anything is built: the smoke check feeds a zero input of this shape.
        // Saturating product: four dimensions of 65536 multiply to 2^64, which wraps a long to 0 and would pass.
        if (manifest.InputShape is not { Length: >= 1 } shape || shape.Any(d => d < 1) || shape.Aggregate(1L, (n, d) => Math.Min(n * d, MaxInputElements + 1)) > MaxInputElements)
        {
            throw new ModelArtifactException($"manifest input shape [{string.Join(", ", manifest.InputShape ?? [])}] is empty, has a dimension below 1, or holds more than {MaxInputElements} values");
        }

        // The fixed-shape task models keep their own check below; the others are built for the shape they were trained on.
        var model = manifest.Architecture is ModelCatalog.SwingCnn or ModelCatalog.DropletCnn
            ? ModelCatalog.Create(manifest.Architecture, manifest.Classes.Length)
            : ModelCatalog.CreateForInput(manifest.Architecture, manifest.Classes.Length, manifest.InputShape);
        try
        {
            if (!manifest.InputShape.SequenceEqual(model.InputShape))
            {
                throw new ModelArtifactException($"manifest input shape [{string.Join(", ", manifest.InputShape)}] does not match {manifest.Architecture}'s [{string.Join(", ", model.InputShape)}]");
            }

            using (var stream = new MemoryStream(artifact, writable: false))
            {
                try
                {
                    model.load(stream, strict: true);
                }
                catch (Exception e) when (e is not ModelArtifactException)
                {
                    throw new ModelArtifactException($"weights of {manifest.Task} v{manifest.Version} do not load into {manifest.Architecture} with {manifest.Classes.Length} classes: {e.Message}", e);
                }
            }

            model.eval();
            return model;
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    /// <summary>The artifact bytes of <paramref name="model"/>: what <see cref="Load"/> reads.</summary>
    public static byte[] Save(BlockSequence model)
    {
        using var stream = new MemoryStream();
        model.save(stream);
        return stream.ToArray();
    }

    /// <summary>
    /// The check an edge runs before swapping a model in: a prediction on an all-zero input must produce a
    /// known class and finite numbers. Throws <see cref="ModelArtifactException"/> otherwise.
    /// </summary>
    public static void SmokeCheck(IInferenceModel model)
    {
        var length = model.Manifest.InputShape.Aggregate(1, (a, b) => a * b);
        InferenceResult result;
        try
        {
            result = model.Predict(new float[length], 0f);
        }
        catch (Exception e) when (e is not ModelArtifactException)
        {
            throw new ModelArtifactException($"{model.Manifest.Task} v{model.Manifest.Version} failed to predict on a zero input: {e.Message}", e);
        }

        if (result.ClassIndex < 0 || result.ClassIndex >= model.Manifest.Classes.Length || !float.IsFinite(result.Confidence)
            || (result.ConcentrationPercent is { } c && !float.IsFinite(c)))
        {
            throw new ModelArtifactException($"{model.Manifest.Task} v{model.Manifest.Version} produced an invalid answer on a zero input: {result}");
        }
    }
}
