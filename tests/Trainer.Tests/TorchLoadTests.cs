using static TorchSharp.torch;

namespace Pipeline.Trainer.Tests;

public class TorchLoadTests
{
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
        var path = NativeLocations.Select(p => Path.Combine(AppContext.BaseDirectory, p)).FirstOrDefault(File.Exists) ?? "libLibTorchSharp.so";
        Assert.True(File.Exists(path), $"{path} is missing");
        var cache = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget/packages/torchsharp/0.107.0/runtimes/linux-x64/native/libLibTorchSharp.so");
        var patched = File.ReadAllBytes(path);
        if (File.Exists(cache))
        {
            var original = File.ReadAllBytes(cache);
            var differences = Enumerable.Range(0, original.Length).Count(i => original[i] != patched[i]);
            Assert.Equal(original.Length, patched.Length);
            Assert.Equal(1, differences);
        }
    }
}
