namespace Pipeline.Bench.Train;

/// <summary>One variant's measurements, as a child process reports them on its last line.</summary>
internal sealed record VariantResult(string Variant, double SamplesPerSecond, double PeakRssDeltaMegabytes, double Accuracy, double MacroF1, string Split);
