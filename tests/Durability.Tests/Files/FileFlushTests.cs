using Pipeline.Durability.Files;
using Pipeline.TestSupport;

namespace Pipeline.Durability.Tests.Files;

public sealed class FileFlushTests : IDisposable
{
    private readonly TemporaryFolder _folder = new("file-flush");

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task ToDisk_WhenTheFsyncFails_ThrowsNamingTheFile_WhereDotNetsOwnFlushReturnsAsIfDurable()
    {
        var path = _folder.Combine("data.bin");
        using var handle = File.OpenHandle(path, FileMode.Create, FileAccess.ReadWrite);
        RandomAccess.Write(handle, new byte[] { 1, 2, 3 }, 0);
        var threadName = $"ff-{Guid.NewGuid():N}"[..15];
        using var attached = new ManualResetEventSlim();
        using var go = new ManualResetEventSlim();
        Exception? ours = null, dotNets = null;
        var flusher = new Thread(() =>
        {
            attached.Set();
            go.Wait();
            dotNets = Record.Exception(() => RandomAccess.FlushToDisk(handle));
            ours = Record.Exception(() => FileFlush.ToDisk(handle, path));
        }) { Name = threadName };
        flusher.Start();
        attached.Wait();

        using (await FailingFsyncs.AttachAsync(threadName))
        {
            go.Set();
            flusher.Join();
        }

        Assert.Null(dotNets);
        var error = Assert.IsType<IOException>(ours);
        Assert.Contains(path, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ToDisk_OfAStream_WritesOutItsBufferFirst()
    {
        var path = _folder.Combine("buffered.bin");
        using (var stream = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.Read, bufferSize: 4096))
        {
            stream.Write([7, 8, 9]);
            FileFlush.ToDisk(stream);
            Assert.Equal([7, 8, 9], File.ReadAllBytes(path));
        }
    }
}
