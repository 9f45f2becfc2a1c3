using static TorchSharp.torch;

namespace Pipeline.Trainer.Tests;

public class TorchLoadTests
{
    private const string MissingVersion = "GLIBCXX_3.4.32";
    private static readonly float[] Values = [1f, 2f, 3f];
    private static readonly string[] NativeLocations = ["libLibTorchSharp.so", "runtimes/linux-x64/native/libLibTorchSharp.so"];

    [Fact]
    public void Torch_OnThisMachine_CreatesTensorAndRunsBackward()
    {
        using var x = tensor(Values).requires_grad_(true);
        using var y = (x * x).sum();
        y.backward();
        Assert.Equal([2f, 4f, 6f], x.grad!.data<float>().ToArray());
    }

    [Fact]
    public void NativeLibraryInTestOutput_MarksGlibcxx3432Weak()
    {
        var path = NativeLocations.Select(p => Path.Combine(AppContext.BaseDirectory, p)).FirstOrDefault(File.Exists);
        Assert.True(path is not null, $"libLibTorchSharp.so is in none of {string.Join(", ", NativeLocations)} under {AppContext.BaseDirectory}");

        var requirement = ElfVersionRequirements.Read(File.ReadAllBytes(path)).SingleOrDefault(r => r.Name == MissingVersion);

        Assert.True(requirement is not null, $"{path} no longer requires {MissingVersion}: build/TorchSharpOnDebian.targets may go");
        Assert.True(requirement.Weak, $"{path} requires {MissingVersion} strongly: build/TorchSharpOnDebian.targets did not patch it");
    }

    [Fact]
    public void NativeLibraryInTestOutput_DiffersFromTheNuGetCacheCopyInOneByteOnly()
    {
        var path = NativeLocations.Select(p => Path.Combine(AppContext.BaseDirectory, p)).First(File.Exists);
        var packages = Environment.GetEnvironmentVariable("NUGET_PACKAGES")
            ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        var cache = Path.Combine(packages, "torchsharp/0.107.0/runtimes/linux-x64/native/libLibTorchSharp.so");
        Assert.True(File.Exists(cache), $"the restored TorchSharp package is not at {cache}");

        var original = File.ReadAllBytes(cache);
        var patched = File.ReadAllBytes(path);

        Assert.Equal(original.Length, patched.Length);
        Assert.Equal(1, Enumerable.Range(0, original.Length).Count(i => original[i] != patched[i]));
        Assert.False(ElfVersionRequirements.Read(original).Single(r => r.Name == MissingVersion).Weak, "the NuGet cache copy was patched too");
    }
}
