using System.Globalization;
using Microsoft.Extensions.Logging.Abstractions;
using Pipeline.EdgeAgent.Replay;
using Pipeline.TestSupport;

namespace Pipeline.EdgeAgent.Tests.Replay;

public sealed class MotionRecordingReaderTests : IDisposable
{
    private readonly TemporaryFolder _folder = new("motion-replay-test");

    public void Dispose() => _folder.Dispose();

    /// <summary>One row: channel values are the sample index times the channel number, so a test can tell rows apart.</summary>
    internal static string Row(long time, string session, string player, string shape) =>
        string.Join(',', [time.ToString(CultureInfo.InvariantCulture), .. Enumerable.Range(1, 8).Select(c => (time * c % 397).ToString(CultureInfo.InvariantCulture)), session, player, shape]);

    internal static string WriteRecording(string path, IEnumerable<string> rows, string firstColumn = MotionRecordingReader.TimestampColumn)
    {
        File.WriteAllLines(path, [MotionRecordingReader.Header(firstColumn), .. rows]);
        return path;
    }

    [Fact]
    public void ReadSessions_GroupsConsecutiveRowsBySession_WithTheirLabels()
    {
        var path = WriteRecording(_folder.Combine("swings.csv"),
            [.. Enumerable.Range(0, 5).Select(i => Row(i, "s1", "ann", "draw")), "", "# a comment", .. Enumerable.Range(5, 3).Select(i => Row(i, "s2", "bob", "fade"))],
            MotionRecordingReader.SampleColumn);
        var reader = new MotionRecordingReader(path, 500, NullLogger.Instance);

        var sessions = reader.ReadSessions().ToList();

        Assert.Equal([5, 3], sessions.Select(s => s.SampleCount));
        Assert.Equal(["ann:draw", "bob:fade"], sessions.Select(s => s.ClassName));
        Assert.Equal(2f, sessions[0].Samples[8 * 1 + 1]);
        Assert.Equal(0, reader.Problems.Skipped);
    }

    [Fact]
    public void ReadSessions_SkipsAndCountsBadRows_NamingFileAndLine()
    {
        var path = WriteRecording(_folder.Combine("bad.csv"),
        [
            Row(0, "s1", "ann", "draw"),                                   // line 2
            "1,2,3",                                                       // line 3: too few fields
            Row(2, "s1", "ann", "draw").Replace(",4,", ",NaN,"),           // line 4: not finite
            Row(3, "s1", "ann", "draw").Replace(",3,", ",99999,"),         // line 5: beyond the strain limit
            Row(4, "s1", "ann", "dr/aw"),                                  // line 6: not an identifier
            Row(0, "s1", "ann", "draw"),                                   // line 7: time goes back
            Row(6, "s1", "ann", "fade"),                                   // line 8: label changes inside a session
            Row(7, "s1", "ann", "draw"),                                   // line 9: fine
        ]);
        var reader = new MotionRecordingReader(path, 500, NullLogger.Instance);

        var sessions = reader.ReadSessions().ToList();

        Assert.Equal(2, Assert.Single(sessions).SampleCount);
        Assert.Equal(6, reader.Problems.Skipped);
        Assert.Equal(["bad.csv:3:", "bad.csv:4:", "bad.csv:5:", "bad.csv:6:", "bad.csv:7:", "bad.csv:8:"], reader.Problems.Kept.Select(p => p[..(p.IndexOf(':', 8) + 1)]));
        Assert.Contains("not a finite number", reader.Problems.Kept[1]);
        Assert.Contains("broken sensor", reader.Problems.Kept[2]);
        Assert.Contains("does not come after", reader.Problems.Kept[4]);
    }

    [Fact]
    public void ReadSessions_WrongHeader_FailsNamingFileAndLineOne()
    {
        var path = _folder.Combine("noheader.csv");
        File.WriteAllLines(path, [Row(0, "s1", "ann", "draw")]);

        var error = Assert.Throws<ReplayFileException>(() => new MotionRecordingReader(path, 500, NullLogger.Instance).ReadSessions().ToList());

        Assert.Contains("noheader.csv:1:", error.Message);
        Assert.Contains("strain1", error.Message);
    }

    [Fact]
    public void ReadSessions_MissingFile_FailsNamingIt()
    {
        var error = Assert.Throws<ReplayFileException>(() => new MotionRecordingReader(_folder.Combine("absent.csv"), 500, NullLogger.Instance).ReadSessions().ToList());
        Assert.Contains("absent.csv", error.Message);
    }

    [Fact]
    public void ReadSessions_BinaryGarbage_IsAHeaderError_NotACrash()
    {
        var path = _folder.Combine("garbage.csv");
        File.WriteAllBytes(path, [.. Enumerable.Range(0, 5000).Select(i => (byte)(i * 37))]);
        Assert.Throws<ReplayFileException>(() => new MotionRecordingReader(path, 500, NullLogger.Instance).ReadSessions().ToList());
    }
}
