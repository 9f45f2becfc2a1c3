namespace Pipeline.TestSupport;

/// <summary>Files the repository ships (configuration, deployment manifests), found from the test's output folder.</summary>
public static class RepositoryFiles
{
    /// <summary>The full path of <paramref name="relativePath"/> in the repository this test was built from.</summary>
    public static string Find(string relativePath)
    {
        for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
        {
            var candidate = Path.Combine(folder.FullName, relativePath);
            if (File.Exists(candidate) && File.Exists(Path.Combine(folder.FullName, "Pipeline.sln")))
            {
                return candidate;
            }
        }

        throw new FileNotFoundException($"{relativePath} not found in any folder above {AppContext.BaseDirectory}", relativePath);
    }
}
