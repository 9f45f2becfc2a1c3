using System.Text;

namespace Pipeline.Trainer.Tests;

/// <summary>Writes users' data files for the reader tests into a temporary folder it deletes.</summary>
internal sealed class UserDataFiles : IDisposable
{
    public UserDataFiles() => Directory.CreateDirectory(Root);

    public string Root { get; } = Path.Combine(Path.GetTempPath(), "userdata-" + Guid.NewGuid().ToString("N"));

    public string Write(string relativePath, string text) => Write(relativePath, Encoding.UTF8.GetBytes(text));

    public string Write(string relativePath, byte[] bytes)
    {
        var path = Path.Combine(Root, relativePath);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    public static byte[] Pgm(int width, int height, Func<int, int, byte> pixel)
    {
        var header = Encoding.ASCII.GetBytes($"P5\n# a comment\n{width} {height}\n255\n");
        var pixels = new byte[width * height];
        for (var y = 0; y < height; y++)
        {
            for (var x = 0; x < width; x++)
            {
                pixels[(y * width) + x] = pixel(x, y);
            }
        }

        return [.. header, .. pixels];
    }

    public void Dispose() => Directory.Delete(Root, recursive: true);
}
