using System.Text.RegularExpressions;
using System.Xml.Linq;
using Pipeline.Deploy.Tests.Policies;

namespace Pipeline.Deploy.Tests.Docker;

/// <summary>
/// The rules every Dockerfile keeps: base images pinned to an exact tag, a final non-root numeric USER, and a build that
/// copies what exists and every project the published one depends on. Each check returns its violations.
/// </summary>
public static partial class DockerfilePolicy
{
    public static IEnumerable<string> All(Dockerfile file, string repositoryRoot) =>
        BaseImagesPinned(file).Concat(RunsAsNonRoot(file)).Concat(CopiesExist(file, repositoryRoot)).Concat(PublishedProjectsComplete(file, repositoryRoot));

    public static IEnumerable<string> BaseImagesPinned(Dockerfile file)
    {
        var stages = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var from in file.Arguments("FROM"))
        {
            var words = from.Split(' ', StringSplitOptions.RemoveEmptyEntries).Where(w => !w.StartsWith("--", StringComparison.Ordinal)).ToList();
            var image = words[0];
            var earlierStage = stages.Contains(image);
            if (words.Count >= 3 && words[1].Equals("AS", StringComparison.OrdinalIgnoreCase))
            {
                stages.Add(words[2]);
            }

            if (earlierStage)
            {
                continue;
            }

            if (image.Contains('$', StringComparison.Ordinal))
            {
                yield return $"{file.Name}: FROM {image} is decided by a build argument; name the pinned image";
            }
            else if (ImageReference.Problem(image) is { } problem)
            {
                yield return $"{file.Name}: {problem}";
            }
            else if (PatchTag().IsMatch(image) is false && !image.Contains("@sha256:", StringComparison.Ordinal))
            {
                yield return $"{file.Name}: image {image} is not pinned to an exact patch version";
            }
        }
    }

    public static IEnumerable<string> RunsAsNonRoot(Dockerfile file)
    {
        var user = file.Instructions.LastOrDefault(i => i.Keyword is "USER" or "FROM");
        if (user is null || user.Keyword != "USER")
        {
            yield return $"{file.Name}: the final stage sets no USER, so it runs as root";
        }
        else if (!uint.TryParse(user.Arguments.Split(':')[0], out var uid) || uid == 0)
        {
            yield return $"{file.Name}: USER {user.Arguments} is not a numeric non-root user (Kubernetes checks runAsNonRoot by number)";
        }
    }

    public static IEnumerable<string> CopiesExist(Dockerfile file, string repositoryRoot)
    {
        foreach (var copy in file.Arguments("COPY").Concat(file.Arguments("ADD")))
        {
            if (copy.StartsWith("--from", StringComparison.Ordinal))
            {
                continue;
            }

            var words = copy.Split(' ', StringSplitOptions.RemoveEmptyEntries).Where(w => !w.StartsWith("--", StringComparison.Ordinal)).ToList();
            foreach (var source in words.Take(words.Count - 1))
            {
                var path = Path.Combine(repositoryRoot, source);
                if (!File.Exists(path) && !Directory.Exists(path))
                {
                    yield return $"{file.Name}: COPY {source}, which is not in the repository";
                }
            }
        }
    }

    /// <summary>Every project a RUN dotnet publish builds exists and was copied in, with every project it references.</summary>
    public static IEnumerable<string> PublishedProjectsComplete(Dockerfile file, string repositoryRoot)
    {
        var copied = file.Arguments("COPY").Where(c => !c.StartsWith("--from", StringComparison.Ordinal))
            .SelectMany(c => c.Split(' ', StringSplitOptions.RemoveEmptyEntries).SkipLast(1))
            .Select(s => s.TrimEnd('/'))
            .ToHashSet();
        var published = file.Arguments("RUN").SelectMany(r => PublishedProject().Matches(r)).Select(m => m.Groups["project"].Value).ToList();
        if (published.Count == 0)
        {
            yield return $"{file.Name}: builds nothing with dotnet publish";
        }

        foreach (var project in published)
        {
            var full = Path.GetFullPath(Path.Combine(repositoryRoot, project));
            if (!File.Exists(full))
            {
                yield return $"{file.Name}: publishes {project}, which is not in the repository";
                continue;
            }

            foreach (var needed in ProjectClosure(full))
            {
                var folder = Path.GetRelativePath(repositoryRoot, Path.GetDirectoryName(needed)!).Replace('\\', '/');
                if (!copied.Contains(folder))
                {
                    yield return $"{file.Name}: {project} needs {folder}, which is not copied into the build";
                }
            }
        }
    }

    /// <summary>The project and every project it references, directly or not.</summary>
    public static IReadOnlySet<string> ProjectClosure(string project)
    {
        var seen = new HashSet<string>();
        var pending = new Stack<string>([project]);
        while (pending.TryPop(out var next))
        {
            if (!seen.Add(next))
            {
                continue;
            }

            foreach (var reference in XDocument.Load(next).Descendants("ProjectReference"))
            {
                pending.Push(Path.GetFullPath(Path.Combine(Path.GetDirectoryName(next)!, reference.Attribute("Include")!.Value)));
            }
        }

        return seen;
    }

    [GeneratedRegex(@":\d+\.\d+\.\d+[^:/]*$")]
    private static partial Regex PatchTag();

    [GeneratedRegex(@"dotnet publish (?<project>\S+\.csproj)")]
    private static partial Regex PublishedProject();
}
