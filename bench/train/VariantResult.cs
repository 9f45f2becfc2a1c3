namespace Pipeline.Bench.Train;

/// <summary>
/// One variant's measurements, as a child process reports them on its last line: samples/s of every timed epoch (schedule
/// time only), peak RSS growth, held-out metrics, the split plan, each pipeline stage's busy time per minibatch (empty
/// without stages), the fraction of training time each stage was busy, the cores the process kept busy over the timed
/// epochs and its CPU time per minibatch there, and the garbage collector's pauses during training.
/// </summary>
internal sealed record VariantResult(
    string Variant, double[] EpochSamplesPerSecond, double PeakRssDeltaMegabytes, double Accuracy, double MacroF1, string Split,
    double[] StageBusyMillisecondsPerMinibatch, double[] StageUtilisation, double CoresBusy, double CpuMillisecondsPerMinibatch, double GcPauseMilliseconds, int Gen0Collections);
