using Pipeline.Protocol;
using Pipeline.Trainer.UserData;
using Pipeline.Imaging;
using Pipeline.TestSupport;

namespace Pipeline.Trainer.Tests;

public class UserDataImageFolderTests
{
    [Fact]
    public void Read_FolderPerClass_GivesGrayscale64x64ExamplesLabelledByFolder()
    {
        using var files = new UserDataFiles();
        for (var i = 0; i < 3; i++)
        {
            files.Write($"dark/{i}.pgm", UserDataFiles.Pgm(32, 32, (_, _) => 10));
            files.Write($"bright/{i}.png", ImageFiles.RgbPng(80, 80, (_, _) => (250, 250, 250)));
        }

        files.Write("dark/notes.txt", "not an image");
        var reader = new ImageFolderReader();

        var data = reader.Read(files.Root);

        Assert.Equal(["bright", "dark"], data.Classes);
        Assert.Equal([1, 64, 64], data.InputShape);
        Assert.Equal(6, data.Examples.Count);
        Assert.All(data.Examples.Where(e => e.ClassIndex == 0), e => Assert.All(e.Input, v => Assert.Equal(250 / 255f, v, 3)));
        Assert.All(data.Examples.Where(e => e.ClassIndex == 1), e => Assert.All(e.Input, v => Assert.Equal(10 / 255f, v, 3)));
        Assert.Single(reader.Skipped);
    }

    [Fact]
    public void Read_JpegImages_AreDecodedLikeTheOthers()
    {
        using var files = new UserDataFiles();
        files.Write("a/1.pgm", UserDataFiles.Pgm(8, 8, (_, _) => 10));
        files.Write("b/1.jpg", ImageFiles.Jpeg(16, 16, PixelFormat.Rgb24, [.. Enumerable.Repeat<byte>(200, 16 * 16 * 3)]));

        var data = new ImageFolderReader().Read(files.Root);

        var jpeg = Assert.Single(data.Examples, e => e.ClassIndex == 1);
        Assert.All(jpeg.Input, v => Assert.Equal(200 / 255f, v, 1));
    }

    [Fact]
    public void Read_TruncatedJpeg_NamesTheFile()
    {
        using var files = new UserDataFiles();
        files.Write("a/1.pgm", UserDataFiles.Pgm(8, 8, (_, _) => 1));
        var jpeg = files.Write("b/1.jpg", [0xFF, 0xD8, 0xFF]);

        var error = Assert.Throws<UserDataFormatException>(() => new ImageFolderReader().Read(files.Root));

        Assert.StartsWith(jpeg, error.Message, StringComparison.Ordinal);
        Assert.Contains("JPEG", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_CorruptImage_NamesTheFile()
    {
        using var files = new UserDataFiles();
        files.Write("a/1.pgm", UserDataFiles.Pgm(8, 8, (_, _) => 1));
        var corrupt = files.Write("b/1.pgm", "P5\n8 8\n255\nshort");

        var error = Assert.Throws<UserDataFormatException>(() => new ImageFolderReader().Read(files.Root));

        Assert.StartsWith(corrupt, error.Message, StringComparison.Ordinal);
        Assert.Contains("where 64 were expected", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_ClassFolderWithoutImages_NamesTheClass()
    {
        using var files = new UserDataFiles();
        files.Write("a/1.pgm", UserDataFiles.Pgm(8, 8, (_, _) => 1));
        files.Write("b/readme.txt", "nothing here");

        var error = Assert.Throws<UserDataFormatException>(() => new ImageFolderReader().Read(files.Root));

        Assert.Contains("class \"b\" holds no", error.Message, StringComparison.Ordinal);
    }
}
