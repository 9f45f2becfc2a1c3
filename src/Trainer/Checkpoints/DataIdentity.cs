using System.Security.Cryptography;
using System.Text;
using Pipeline.Trainer.Dataset;

namespace Pipeline.Trainer.Checkpoints;

/// <summary>
/// A hash of exactly what a round trains and evaluates on: the class list and, in order, every example's session, label,
/// auxiliary input and values. Session keys alone would not do: a session can gain windows or labels between restarts.
/// </summary>
internal static class DataIdentity
{
    public static string Of(TrainingData data)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(Encoding.UTF8.GetBytes(string.Join('\n', data.Classes)));
        foreach (var (side, examples) in new[] { ("train", data.Train), ("held-out", data.HeldOut) })
        {
            hash.AppendData(Encoding.UTF8.GetBytes($"\n{side} {examples.Count}\n"));
            foreach (var example in examples)
            {
                hash.AppendData(Encoding.UTF8.GetBytes($"{example.SessionKey}\n{example.ClassIndex}\n"));
                hash.AppendData(BitConverter.GetBytes(example.Auxiliary));
                hash.AppendData(BitConverter.GetBytes(example.ConcentrationPercent));
                hash.AppendData(System.Runtime.InteropServices.MemoryMarshal.AsBytes(example.Input.AsSpan()));
            }
        }

        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }
}
