using Pipeline.TestSupport;
using YamlDotNet.RepresentationModel;

namespace Pipeline.Deploy.Tests.Rendering;

/// <summary>
/// A copy of the repository's deploy/k8s in a temporary folder, with a stand-in for every file the operator supplies to a
/// secretGenerator (the repository holds none), so a test renders exactly what an operator would.
/// </summary>
public sealed class DeployTree : IDisposable
{
    private readonly TemporaryFolder _folder = new("pipeline-deploy");

    public DeployTree(bool withOperatorSecrets = true)
    {
        Root = _folder.Combine("k8s");
        Copy(Source, Root);
        foreach (var file in OperatorSecretFiles(Root))
        {
            // Whatever an operator put into the working copy stays out of the test's copy.
            File.Delete(file);
            if (withOperatorSecrets)
            {
                File.WriteAllText(file, $"test stand-in for {System.IO.Path.GetRelativePath(Root, file)}\n");
            }
        }
    }

    /// <summary>The repository's deploy/k8s folder.</summary>
    public static string Source =>
        System.IO.Path.GetFullPath(System.IO.Path.Combine(System.IO.Path.GetDirectoryName(RepositoryFiles.Find("deploy/k8s/base/kustomization.yaml"))!, ".."));

    /// <summary>The overlays an operator chooses from, by folder name.</summary>
    public static IReadOnlyList<string> Overlays =>
        [.. Directory.GetDirectories(System.IO.Path.Combine(Source, "overlays")).Select(f => System.IO.Path.GetFileName(f)!).Order()];

    public string Root { get; }

    public string Path(string relative) => System.IO.Path.Combine(Root, relative);

    /// <summary>Renders a kustomization of this tree (e.g. "overlays/dev") and reads it strictly.</summary>
    public RenderedManifests Render(string kustomization) => RenderedManifests.Read(Kubectl.Kustomize(Path(kustomization)));

    /// <summary>Every file named by a secretGenerator in any kustomization.yaml under <paramref name="root"/>, as a full path.</summary>
    public static IReadOnlyList<string> OperatorSecretFiles(string root)
    {
        var files = new List<string>();
        foreach (var kustomization in Directory.GetFiles(root, "kustomization.yaml", SearchOption.AllDirectories))
        {
            var yaml = new YamlStream();
            using (var reader = File.OpenText(kustomization))
            {
                yaml.Load(reader);
            }

            var document = (YamlMappingNode)yaml.Documents[0].RootNode;
            if (!document.Children.TryGetValue(new YamlScalarNode("secretGenerator"), out var generators))
            {
                continue;
            }

            foreach (var generator in ((YamlSequenceNode)generators).Cast<YamlMappingNode>())
            {
                if (generator.Children.TryGetValue(new YamlScalarNode("files"), out var named))
                {
                    // A file source is "path" or "key=path".
                    files.AddRange(((YamlSequenceNode)named).Cast<YamlScalarNode>()
                        .Select(source => source.Value!.Split('=', 2)[^1])
                        .Select(path => System.IO.Path.Combine(System.IO.Path.GetDirectoryName(kustomization)!, path)));
                }
            }
        }

        return files;
    }

    public void Dispose() => _folder.Dispose();

    private static void Copy(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var file in Directory.GetFiles(from))
        {
            File.Copy(file, System.IO.Path.Combine(to, System.IO.Path.GetFileName(file)));
        }

        foreach (var folder in Directory.GetDirectories(from))
        {
            Copy(folder, System.IO.Path.Combine(to, System.IO.Path.GetFileName(folder)));
        }
    }
}
