using System.Globalization;
using System.Text;
using Pipeline.Models.Architecture;
using Pipeline.Trainer.Dataset;
using static TorchSharp.torch;

namespace Pipeline.Trainer.Reporting;

/// <summary>Held-out predictions counted by true class (rows) and predicted class (columns).</summary>
public sealed class ConfusionMatrix
{
    private readonly int[,] _counts;

    public ConfusionMatrix(IReadOnlyList<string> classes, int[,] counts)
    {
        if (counts.GetLength(0) != classes.Count || counts.GetLength(1) != classes.Count)
        {
            throw new ArgumentException($"a confusion matrix of {classes.Count} classes needs {classes.Count} × {classes.Count} counts", nameof(counts));
        }

        Classes = classes;
        _counts = counts;
    }

    public IReadOnlyList<string> Classes { get; }

    public int this[int truth, int predicted] => _counts[truth, predicted];

    public int Total => _counts.Cast<int>().Sum();

    /// <summary>The diagonal's share: what <see cref="Evaluation.Evaluator"/> reports as accuracy for the same model and examples.</summary>
    public double Accuracy => Total == 0 ? 0 : Enumerable.Range(0, Classes.Count).Sum(c => _counts[c, c]) / (double)Total;

    /// <summary>Each class's support (its row), precision (its column), recall and F1; 0 where a denominator is 0.</summary>
    public IReadOnlyList<ClassMetrics> PerClass() =>
    [
        .. Classes.Select((name, c) =>
        {
            var truePositives = _counts[c, c];
            var support = Enumerable.Range(0, Classes.Count).Sum(p => _counts[c, p]);
            var predicted = Enumerable.Range(0, Classes.Count).Sum(t => _counts[t, c]);
            var precision = predicted == 0 ? 0 : truePositives / (double)predicted;
            var recall = support == 0 ? 0 : truePositives / (double)support;
            var f1 = precision + recall == 0 ? 0 : 2 * precision * recall / (precision + recall);
            return new ClassMetrics(name, support, precision, recall, f1);
        }),
    ];

    /// <summary>Predicts every example (synchronously on the calling thread, grad mode off; the model is left in eval mode).</summary>
    public static ConfusionMatrix Compute(BlockSequence model, IReadOnlyList<Example> examples, IReadOnlyList<string> classes, int batchSize = 64)
    {
        var counts = new int[classes.Count, classes.Count];
        model.eval();
        using var noGrad = no_grad();
        for (var start = 0; start < examples.Count; start += batchSize)
        {
            var slice = examples.Skip(start).Take(batchSize).ToArray();
            using var scope = NewDisposeScope();
            using var batch = BatchProducer.Create(0, slice, model.InputShape);
            var device = model.ParameterSlots(0, 1)[0].Current.device;
            var predicted = model.forward(batch.Inputs.to(device), batch.Auxiliary.to(device))[.., ..model.ClassCount].argmax(1).cpu().data<long>().ToArray();
            for (var i = 0; i < slice.Length; i++)
            {
                counts[slice[i].ClassIndex, (int)predicted[i]]++;
            }
        }

        return new ConfusionMatrix(classes, counts);
    }

    /// <summary>A header row "true \ predicted" then the class names; one row per true class. Names are quoted when they hold a comma or quote.</summary>
    public string ToCsv()
    {
        var csv = new StringBuilder();
        csv.AppendJoin(',', [Quote("true \\ predicted"), .. Classes.Select(Quote)]).Append('\n');
        for (var truth = 0; truth < Classes.Count; truth++)
        {
            csv.AppendJoin(',', [Quote(Classes[truth]), .. Enumerable.Range(0, Classes.Count).Select(p => _counts[truth, p].ToString(CultureInfo.InvariantCulture))]).Append('\n');
        }

        return csv.ToString();
    }

    /// <summary>Reads what <see cref="ToCsv"/> wrote; throws <see cref="FormatException"/> naming what does not fit.</summary>
    public static ConfusionMatrix ParseCsv(string csv)
    {
        var rows = csv.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(SplitCsvLine).ToList();
        if (rows.Count < 1)
        {
            throw new FormatException("the confusion matrix has no header row");
        }

        var classes = rows[0].Skip(1).ToList();
        if (rows.Count != classes.Count + 1)
        {
            throw new FormatException($"the confusion matrix names {classes.Count} classes but has {rows.Count - 1} rows");
        }

        var counts = new int[classes.Count, classes.Count];
        for (var truth = 0; truth < classes.Count; truth++)
        {
            var row = rows[truth + 1];
            if (row.Count != classes.Count + 1)
            {
                throw new FormatException($"row {truth + 1} of the confusion matrix has {row.Count - 1} counts, not {classes.Count}");
            }

            for (var predicted = 0; predicted < classes.Count; predicted++)
            {
                counts[truth, predicted] = int.Parse(row[predicted + 1], NumberStyles.None, CultureInfo.InvariantCulture);
            }
        }

        return new ConfusionMatrix(classes, counts);
    }

    private static List<string> SplitCsvLine(string line)
    {
        var fields = new List<string>();
        var field = new StringBuilder();
        var quoted = false;
        for (var i = 0; i < line.Length; i++)
        {
            var c = line[i];
            if (quoted && c == '"' && i + 1 < line.Length && line[i + 1] == '"')
            {
                field.Append('"');
                i++;
            }
            else if (c == '"')
            {
                quoted = !quoted;
            }
            else if (c == ',' && !quoted)
            {
                fields.Add(field.ToString());
                field.Clear();
            }
            else if (c != '\r' || quoted)
            {
                field.Append(c);
            }
        }

        fields.Add(field.ToString());
        return fields;
    }

    private static string Quote(string field) =>
        field.IndexOfAny([',', '"', '\n', '\r']) < 0 ? field : $"\"{field.Replace("\"", "\"\"", StringComparison.Ordinal)}\"";
}
