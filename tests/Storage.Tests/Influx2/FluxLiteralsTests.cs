using Pipeline.Storage.Influx2;

namespace Pipeline.Storage.Tests.Influx2;

public sealed class FluxLiteralsTests
{
    [Theory]
    [InlineData("club-1", "\"club-1\"")]
    [InlineData("a\"b", "\"a\\\"b\"")]
    [InlineData("back\\slash", "\"back\\\\slash\"")]
    [InlineData("${injected}", "\"\\${injected}\"")]
    [InlineData("cost $5", "\"cost $5\"")]
    [InlineData("two\nlines", "\"two\\nlines\"")]
    public void String_EscapesEverythingThatCouldEndTheLiteralOrInterpolate(string value, string expected) =>
        Assert.Equal(expected, FluxLiterals.String(value));

    [Fact]
    public void Time_IsNanosecondsSinceTheEpoch() =>
        Assert.Equal("time(v: -1000)", FluxLiterals.Time(-1));
}
