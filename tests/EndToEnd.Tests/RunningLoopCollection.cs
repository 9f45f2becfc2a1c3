namespace Pipeline.EndToEnd.Tests;

/// <summary>The test classes that look at one running loop (<see cref="RunningLoopFixture"/>), one after another.</summary>
[CollectionDefinition(Name)]
public sealed class RunningLoopCollection : ICollectionFixture<RunningLoopFixture>
{
    public const string Name = "running loop";
}
