using Pipeline.Trainer.UserData;

namespace Pipeline.Trainer.Tests.UserData;

public sealed class IdxDatasetReaderTests : IDisposable
{
    private readonly UserDataFiles _files = new();

    public void Dispose() => _files.Dispose();

    [Fact]
    public void Read_GzippedTrainAndTestFiles_GivesImagesInUnitRangeAndTheSetsOwnTestSplitAsHeldOut()
    {
        var (images, labels) = IdxFiles.Set(30, 4, i => (byte)(i % 3));
        var (testImages, testLabels) = IdxFiles.Set(3, 4, i => (byte)(2 - i));
        _files.Write("set/train-images-idx3-ubyte.gz", IdxFiles.Gzip(images));
        _files.Write("set/train-labels-idx1-ubyte.gz", IdxFiles.Gzip(labels));
        _files.Write("set/t10k-images-idx3-ubyte", testImages);
        _files.Write("set/t10k-labels-idx1-ubyte", testLabels);

        var dataset = UserDataReader.Read(Path.Combine(_files.Root, "set"));
        var data = dataset.Split(heldOutFraction: 0.2, validationFraction: 0.3);

        Assert.Equal(["0", "1", "2"], dataset.Classes);
        Assert.Equal([1, 4, 4], dataset.InputShape);
        Assert.Equal(30, dataset.Examples.Count);
        Assert.Equal(Enumerable.Range(0, 30).Select(i => i % 3), dataset.Examples.Select(e => e.ClassIndex));
        Assert.Equal((20 * 2) + 5, dataset.Examples[5].Input[0] * 255f, 3);
        Assert.All(dataset.Examples.SelectMany(e => e.Input), v => Assert.InRange(v, 0f, 1f));
        Assert.Equal(dataset.Test, data.HeldOut);
        Assert.Equal([2, 1, 0], data.HeldOut.Select(e => e.ClassIndex));
        Assert.Equal(30, data.Train.Count + data.Validation.Count);
        Assert.NotEmpty(data.Validation);
        Assert.Empty(data.Train.Intersect(data.Validation));
    }

    [Fact]
    public void Read_TruncatedImagesFile_NamesTheFileAndSaysTruncated()
    {
        var (images, labels) = IdxFiles.Set(4, 4, i => (byte)(i % 2));
        var path = _files.Write("set/train-images-idx3-ubyte", images[..^5]);
        _files.Write("set/train-labels-idx1-ubyte", labels);

        var error = Assert.Throws<UserDataFormatException>(() => UserDataReader.Read(Path.Combine(_files.Root, "set")));

        Assert.Equal($"{path}: holds 59 values, its header declares 64 (4 × 4 × 4): truncated", error.Message);
    }

    [Fact]
    public void Read_BadMagicNumber_NamesTheFileAndWhatItStartsWith()
    {
        var (images, labels) = IdxFiles.Set(4, 4, i => (byte)(i % 2));
        _files.Write("set/train-images-idx3-ubyte", images);
        var path = _files.Write("set/train-labels-idx1-ubyte.gz", IdxFiles.Gzip([0x50, 0x35, 0x0a, 0x34, .. labels]));

        var error = Assert.Throws<UserDataFormatException>(() => UserDataReader.Read(Path.Combine(_files.Root, "set")));

        Assert.Equal($"{path}: does not start with an IDX magic number (00 00 type dims; it starts 50350A34)", error.Message);
    }

    [Fact]
    public void Read_GzipFileCutShort_SaysItIsNotAReadableGzipStreamOrTruncated()
    {
        var (images, labels) = IdxFiles.Set(40, 8, i => (byte)(i % 2));
        var path = _files.Write("set/train-images-idx3-ubyte.gz", IdxFiles.Gzip(images)[..40]);
        _files.Write("set/train-labels-idx1-ubyte", labels);

        var error = Assert.Throws<UserDataFormatException>(() => UserDataReader.Read(Path.Combine(_files.Root, "set")));

        Assert.StartsWith($"{path}: ", error.Message, StringComparison.Ordinal);
        Assert.True(error.Message.Contains("truncated", StringComparison.Ordinal) || error.Message.Contains("gzip", StringComparison.Ordinal), error.Message);
    }

    [Theory]
    [InlineData(new byte[] { 0, 0, 0x0d, 1, 0, 0, 0, 1, 0, 0, 0, 0 }, "holds IDX values of type 0x0d; only unsigned bytes (0x08) are read")]
    [InlineData(new byte[] { 0, 0, 0x08, 1, 0, 0 }, "ends inside its header (dimension 1 of 1): truncated")]
    [InlineData(new byte[] { 0, 0, 0x08, 1, 0x80, 0, 0, 0 }, "declares dimension 1 as -2147483648; each must be at least 1")]
    [InlineData(new byte[] { 0, 0, 0x08, 2, 0x40, 0, 0, 0, 0x40, 0, 0, 0 }, "declares more than 1073741824 values (1073741824 × 1073741824…), more than this reader accepts")]
    [InlineData(new byte[] { 0, 0, 0x08, 1, 0, 0, 0, 1, 7, 7 }, "has bytes after the 1 values its header declares (1)")]
    public void Read_MalformedLabelsHeader_SaysWhatIsWrong(byte[] labels, string problem)
    {
        var (images, _) = IdxFiles.Set(1, 4, _ => 0);
        _files.Write("set/train-images-idx3-ubyte", images);
        var path = _files.Write("set/train-labels-idx1-ubyte", labels);

        var error = Assert.Throws<UserDataFormatException>(() => UserDataReader.Read(Path.Combine(_files.Root, "set")));

        Assert.Equal($"{path}: {problem}", error.Message);
    }

    [Fact]
    public void Read_LabelCountDiffersFromImageCount_SaysBoth()
    {
        var (images, _) = IdxFiles.Set(4, 4, i => (byte)(i % 2));
        var (_, labels) = IdxFiles.Set(3, 4, i => (byte)(i % 2));
        _files.Write("set/train-images-idx3-ubyte", images);
        var path = _files.Write("set/train-labels-idx1-ubyte", labels);

        var error = Assert.Throws<UserDataFormatException>(() => UserDataReader.Read(Path.Combine(_files.Root, "set")));

        Assert.Equal($"{path}: holds 3 labels for the 4 images of train-images-idx3-ubyte", error.Message);
    }

    [Fact]
    public void Read_TestLabelNoTrainingImageHas_IsRefused()
    {
        var (images, labels) = IdxFiles.Set(4, 4, i => (byte)(i % 2));
        var (testImages, testLabels) = IdxFiles.Set(2, 4, i => (byte)(i * 5));
        _files.Write("set/train-images-idx3-ubyte", images);
        _files.Write("set/train-labels-idx1-ubyte", labels);
        _files.Write("set/t10k-images-idx3-ubyte", testImages);
        var path = _files.Write("set/t10k-labels-idx1-ubyte", testLabels);

        var error = Assert.Throws<UserDataFormatException>(() => UserDataReader.Read(Path.Combine(_files.Root, "set")));

        Assert.Equal($"{path}: holds label 5, which no training image has", error.Message);
    }

    [Fact]
    public void Read_MoreThanTenLabels_NamesClassesSoOrdinalOrderIsNumericOrder()
    {
        var (images, labels) = IdxFiles.Set(12, 2, i => (byte)i);
        _files.Write("set/train-images-idx3-ubyte", images);
        _files.Write("set/train-labels-idx1-ubyte", labels);

        var dataset = UserDataReader.Read(Path.Combine(_files.Root, "set"));

        Assert.Equal(Enumerable.Range(0, 12).Select(i => i.ToString("00", System.Globalization.CultureInfo.InvariantCulture)), dataset.Classes);
        Assert.Equal(Enumerable.Range(0, 12), dataset.Examples.Select(e => e.ClassIndex));
        Assert.Null(dataset.Test);
    }
}
