using Pipeline.TestSupport;
using Pipeline.Trainer.UserData;

namespace Pipeline.Trainer.Tests;

public class UserDataCsvReaderTests
{
    [Fact]
    public void Read_WellFormedCsv_GivesChannelMajorWindowsAndSortedClasses()
    {
        using var files = new UserDataFiles();
        var path = files.Write("w.csv", "window,label,a,b\nw1,zebra,1,10\nw1,zebra,2,20\nw1,zebra,3,30\nw2,ant,4,40\nw2,ant,5,50\nw2,ant,6,60\n");

        var data = LabelledWindowCsvReader.Read(path);

        Assert.Equal(UserDataKind.Windows, data.Kind);
        Assert.Equal(["ant", "zebra"], data.Classes);
        Assert.Equal([2, 3], data.InputShape);
        Assert.Equal([1f, 2f, 3f, 10f, 20f, 30f], data.Examples[0].Input);
        Assert.Equal(1, data.Examples[0].ClassIndex);
        Assert.Equal("w2", data.Examples[1].SessionKey);
        Assert.Equal(0, data.Examples[1].ClassIndex);
    }

    [Theory]
    [InlineData("window,label,a\nw1,x,1\nw1,x,zz\nw2,y,1\nw2,y,2\n", 3, "column \"a\" holds \"zz\"")]
    [InlineData("window,label,a\nw1,x,1\nw1,x,NaN\n", 3, "not a finite number")]
    [InlineData("window,label,a,b\nw1,x,1,2\nw1,x,1\n", 3, "3 fields; the header has 4")]
    [InlineData("window,label,a\nw1,x,1\nw1,y,2\n", 3, "a window has one label")]
    [InlineData("window,label,a\nw1,x,1\nw2,y,1\nw1,x,2\n", 4, "must be consecutive")]
    [InlineData("window,label,a\nw1,x,1\nw1,x,2\nw2,y,1\n", 4, "every window must have the same length")]
    [InlineData("time,label,a\nw1,x,1\n", 1, "the header must be")]
    [InlineData("window,label,a\n,x,1\n", 2, "window id is empty")]
    [InlineData("window,label,a\nw1,\"x,y\",1\n", 2, "quoted fields are not supported")]
    public void Read_MalformedRow_NamesTheFileAndLine(string text, int line, string problem)
    {
        using var files = new UserDataFiles();
        var path = files.Write("bad.csv", text);

        var error = Assert.Throws<UserDataFormatException>(() => LabelledWindowCsvReader.Read(path));

        Assert.Equal(line, error.Line);
        Assert.StartsWith($"{path}:{line}: ", error.Message, StringComparison.Ordinal);
        Assert.Contains(problem, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("", "the file is empty")]
    [InlineData("window,label,a\n", "no rows")]
    [InlineData("window,label,a\nw1,x,1\nw2,x,2\n", "at least two labels")]
    public void Read_FileWithoutEnoughData_NamesTheFile(string text, string problem)
    {
        using var files = new UserDataFiles();
        var path = files.Write("thin.csv", text);

        var error = Assert.Throws<UserDataFormatException>(() => LabelledWindowCsvReader.Read(path));

        Assert.StartsWith(path, error.Message, StringComparison.Ordinal);
        Assert.Contains(problem, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_MissingPath_SaysNoSuchFileOrFolder()
    {
        var error = Assert.Throws<UserDataFormatException>(() => UserDataReader.Read("/nonexistent/windows.csv"));

        Assert.Contains("no such file or folder", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Split_Windows_StandardisesEachChannelWithTrainingStatistics()
    {
        using var files = new UserDataFiles();
        var path = files.Write("w.csv", LabelledWindowsCsv.Create(windows: 60, samples: 32, classes: 3, seed: 1));

        var split = LabelledWindowCsvReader.Read(path).Split(0.2);

        Assert.NotEmpty(split.HeldOut);
        var gyro = split.Train.SelectMany(e => e.Input.Skip(32).Take(32)).ToArray();
        Assert.InRange(gyro.Average(), -1e-3, 1e-3);
        Assert.InRange(Math.Sqrt(gyro.Average(v => v * v)), 0.999, 1.001);
    }
}
