using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text.Json;
using Pipeline.Durability.Files;

namespace Pipeline.Trainer.Checkpoints;

/// <summary>
/// The checkpoint file: "PIPECKPT", format version (int32), then length-prefixed parts (int32 little-endian lengths):
/// the JSON <see cref="CheckpointHeader"/>, the model state, and per optimiser its slot count and per slot its momentum
/// as float32 values (length −1 for none); last, the SHA-256 of every byte before it. The hash is checked before
/// anything is parsed, so a truncated or altered file is refused as a whole.
/// </summary>
internal static class CheckpointFile
{
    private const int FormatVersion = 1;
    private static readonly byte[] Magic = "PIPECKPT"u8.ToArray();

    /// <summary>Writes atomically: a temporary file beside <paramref name="path"/>, flushed to disk, then renamed over it,
    /// so a crash leaves either the previous checkpoint or the new one, never half of one.</summary>
    public static void Write(string path, TrainingCheckpoint checkpoint)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        var body = new MemoryStream();
        body.Write(Magic);
        WriteInt(body, FormatVersion);
        WritePart(body, JsonSerializer.SerializeToUtf8Bytes(checkpoint.Header, CheckpointJsonContext.Default.CheckpointHeader));
        WritePart(body, checkpoint.ModelState);
        WriteInt(body, checkpoint.Momentum.Count);
        foreach (var optimizer in checkpoint.Momentum)
        {
            WriteInt(body, optimizer.Count);
            foreach (var velocity in optimizer)
            {
                WriteInt(body, velocity?.Length ?? -1);
                if (velocity is not null)
                {
                    var bytes = new byte[velocity.Length * sizeof(float)];
                    for (var i = 0; i < velocity.Length; i++)
                    {
                        BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(i * sizeof(float)), velocity[i]);
                    }

                    body.Write(bytes);
                }
            }
        }

        body.Write(SHA256.HashData(body.GetBuffer().AsSpan(0, (int)body.Length)));
        AtomicFile.Write(path, body.GetBuffer().AsSpan(0, (int)body.Length));
    }

    /// <summary>Reads and checks a checkpoint; throws <see cref="CheckpointException"/> naming the problem for a bad file.</summary>
    public static TrainingCheckpoint Read(string path)
    {
        var bytes = File.ReadAllBytes(path);
        var minimum = Magic.Length + sizeof(int) + SHA256.HashSizeInBytes;
        if (bytes.Length < minimum)
        {
            throw new CheckpointException($"{path} is {bytes.Length} bytes, shorter than any checkpoint ({minimum}): truncated");
        }

        if (!bytes.AsSpan(0, Magic.Length).SequenceEqual(Magic))
        {
            throw new CheckpointException($"{path} does not start with \"PIPECKPT\": not a checkpoint");
        }

        var content = bytes.AsSpan(0, bytes.Length - SHA256.HashSizeInBytes);
        if (!SHA256.HashData(content).AsSpan().SequenceEqual(bytes.AsSpan(content.Length)))
        {
            throw new CheckpointException($"{path} fails its SHA-256 check: truncated or corrupt");
        }

        var reader = new PartReader(bytes, content.Length, path) { Position = Magic.Length };
        var version = reader.Int();
        if (version != FormatVersion)
        {
            throw new CheckpointException($"{path} has checkpoint format version {version}; this trainer reads version {FormatVersion}");
        }

        CheckpointHeader header;
        try
        {
            header = JsonSerializer.Deserialize(reader.Part(), CheckpointJsonContext.Default.CheckpointHeader)
                ?? throw new CheckpointException($"{path} has an empty header");
        }
        catch (JsonException e)
        {
            throw new CheckpointException($"{path} has an unreadable header: {e.Message}", e);
        }

        var model = reader.Part().ToArray();
        var optimizers = new List<IReadOnlyList<float[]?>>();
        for (var count = reader.Count(); optimizers.Count < count;)
        {
            var slots = new List<float[]?>();
            for (var slotCount = reader.Count(); slots.Count < slotCount;)
            {
                slots.Add(reader.Floats());
            }

            optimizers.Add(slots);
        }

        if (reader.Position != content.Length)
        {
            throw new CheckpointException($"{path} has {content.Length - reader.Position} unexpected bytes after its last part");
        }

        return new TrainingCheckpoint(header, model, optimizers);
    }

    private static void WriteInt(Stream stream, int value)
    {
        Span<byte> bytes = stackalloc byte[sizeof(int)];
        BinaryPrimitives.WriteInt32LittleEndian(bytes, value);
        stream.Write(bytes);
    }

    private static void WritePart(Stream stream, byte[] part)
    {
        WriteInt(stream, part.Length);
        stream.Write(part);
    }

    /// <summary>Bounds-checked reads of the hashed content, so even a file whose hash matches but whose lengths lie is refused.</summary>
    private sealed class PartReader(byte[] bytes, int end, string path)
    {
        public int Position { get; set; }

        public int Int()
        {
            Need(sizeof(int), "a length");
            var value = BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(Position));
            Position += sizeof(int);
            return value;
        }

        public int Count()
        {
            var count = Int();
            return count >= 0 ? count : throw new CheckpointException($"{path} has a negative count {count} at byte {Position - sizeof(int)}");
        }

        public ReadOnlySpan<byte> Part()
        {
            var length = Count();
            Need(length, "a part");
            var part = bytes.AsSpan(Position, length);
            Position += length;
            return part;
        }

        public float[]? Floats()
        {
            var length = Int();
            if (length == -1)
            {
                return null;
            }

            if (length < 0 || length > (end - Position) / sizeof(float))
            {
                throw new CheckpointException($"{path} declares {length} momentum values at byte {Position - sizeof(int)}, more than the file holds");
            }

            var values = new float[length];
            for (var i = 0; i < length; i++)
            {
                values[i] = BinaryPrimitives.ReadSingleLittleEndian(bytes.AsSpan(Position + (i * sizeof(float))));
            }

            Position += length * sizeof(float);
            return values;
        }

        private void Need(int count, string what)
        {
            if (count > end - Position)
            {
                throw new CheckpointException($"{path} declares {what} of {count} bytes at byte {Position}, past its end");
            }
        }
    }
}
