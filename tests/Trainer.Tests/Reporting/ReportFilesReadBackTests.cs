using Pipeline.Trainer.Reporting;

namespace Pipeline.Trainer.Tests.Reporting;

/// <summary>What the dashboard and `pipeline status` read back of a round's report: confusion.csv and metrics.json, as written.</summary>
public sealed class ReportFilesReadBackTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("report-read-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public void ConfusionCsv_RoundTrips_ClassNamesWithCommasAndQuotes()
    {
        var written = new ConfusionMatrix(["draw", "straight, low", "say \"fade\""], new[,] { { 5, 1, 0 }, { 0, 7, 2 }, { 3, 0, 9 } });

        var read = ConfusionMatrix.ParseCsv(written.ToCsv());

        Assert.Equal(written.Classes, read.Classes);
        for (var truth = 0; truth < 3; truth++)
        {
            for (var predicted = 0; predicted < 3; predicted++)
            {
                Assert.Equal(written[truth, predicted], read[truth, predicted]);
            }
        }
    }

    [Theory]
    [InlineData("")]
    [InlineData("true \\ predicted,a,b\na,1,2\n")]
    [InlineData("true \\ predicted,a,b\na,1,2\nb,3\n")]
    [InlineData("true \\ predicted,a,b\na,1,2\nb,3,-4\n")]
    [InlineData("true \\ predicted,a,b\na,1,2\nb,3,x\n")]
    public void ConfusionCsv_Malformed_IsAFormatException(string csv) =>
        Assert.Throws<FormatException>(() => ConfusionMatrix.ParseCsv(csv));

    [Fact]
    public void ReadMetrics_GivesBackTheEpochHistory_AndNullForAMissingOrDamagedFile()
    {
        var metrics = new ReportMetrics("pipelined", "swing-cnn", 0.75, 0.7, 40, null, 1234,
            [new EpochProgress(0, 2, 1.5, 0.4, 0.5, 1000), new EpochProgress(1, 2, 0.9, 0.6, null, 1100)]);
        TrainingReport.Write(_folder, metrics, new ConfusionMatrix(["a", "b"], new[,] { { 1, 0 }, { 0, 1 } }));

        var read = TrainingReport.ReadMetrics(_folder);

        Assert.NotNull(read);
        Assert.Equal(metrics.Epochs, read.Epochs);
        Assert.Equal(2, TrainingReport.ReadConfusion(_folder)!.Total);
        File.WriteAllText(Path.Combine(_folder, TrainingReport.MetricsFile), "{ not json");
        Assert.Null(TrainingReport.ReadMetrics(_folder));
        Assert.Null(TrainingReport.ReadMetrics(Path.Combine(_folder, "missing")));
    }
}
