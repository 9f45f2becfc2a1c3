using Pipeline.Trainer.UserData;

namespace Pipeline.Trainer.Tests.UserData;

/// <summary>
/// Debian's dataset-fashion-mnist, read once for the tests that train on real images. Missing, it fails every such test
/// with how to install it (test.sh installs it), never skips.
/// </summary>
public sealed class FashionMnist
{
    public const string Folder = "/usr/share/datasets/fashion-mnist";

    private readonly Lazy<UserDataset> _dataset = new(() => File.Exists(Path.Combine(Folder, "train-images-idx3-ubyte.gz"))
        ? IdxDatasetReader.Read(Folder)
        : throw new InvalidOperationException($"{Folder}/train-images-idx3-ubyte.gz is missing: install Debian's dataset-fashion-mnist (apt-get install dataset-fashion-mnist; test.sh does)"));

    public UserDataset Dataset => _dataset.Value;
}
