using Pipeline.Trainer.Dataset;
using static TorchSharp.torch;

namespace Pipeline.Bench.Quality;

/// <summary>
/// The k-nearest-neighbour baseline on raw pixels: Euclidean distance, a majority vote of the k nearest training images,
/// a tie going to the class of the nearest among the tied. Distances through one matrix product per block of test
/// images (‖t‖² − 2 t·x + ‖x‖²), so the whole test split against 60,000 training images takes about a minute on one core.
/// </summary>
public static class NearestNeighbours
{
    public static double Accuracy(IReadOnlyList<Example> train, IReadOnlyList<Example> test, int classCount, int k, int blockSize = 500)
    {
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var features = train[0].Input.Length;
        var trainMatrix = tensor(train.SelectMany(e => e.Input).ToArray(), [train.Count, features]);
        var trainNorms = trainMatrix.square().sum(1);
        var trainLabels = train.Select(e => e.ClassIndex).ToArray();
        var correct = 0;
        for (var start = 0; start < test.Count; start += blockSize)
        {
            using var block = NewDisposeScope();
            var slice = test.Skip(start).Take(blockSize).ToArray();
            var queries = tensor(slice.SelectMany(e => e.Input).ToArray(), [slice.Length, features]);
            var distances = queries.square().sum(1, keepdim: true) - (2 * queries.mm(trainMatrix.t())) + trainNorms.unsqueeze(0);
            var nearest = distances.topk(k, dim: 1, largest: false, sorted: true).indexes.contiguous().data<long>().ToArray();
            for (var i = 0; i < slice.Length; i++)
            {
                var neighbours = nearest.AsSpan(i * k, k).ToArray().Select(n => trainLabels[n]).ToArray();
                if (Vote(neighbours, classCount) == slice[i].ClassIndex)
                {
                    correct++;
                }
            }
        }

        return correct / (double)test.Count;
    }

    /// <summary>The most frequent class among <paramref name="neighbours"/> (nearest first); a tie goes to the nearer.</summary>
    private static int Vote(int[] neighbours, int classCount)
    {
        var votes = new int[classCount];
        foreach (var label in neighbours)
        {
            votes[label]++;
        }

        var most = votes.Max();
        return neighbours.First(label => votes[label] == most);
    }
}
