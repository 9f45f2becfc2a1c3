using Pipeline.Deploy.Tests.Docker;
using Pipeline.TestSupport;

namespace Pipeline.Deploy.Tests;

/// <summary>The repository's Dockerfiles keep <see cref="DockerfilePolicy"/>, and each rule catches a Dockerfile that breaks it.</summary>
public sealed class DockerfileTests
{
    private static readonly string Root = Path.GetDirectoryName(RepositoryFiles.Find("Pipeline.sln"))!;

    public static TheoryData<string> Dockerfiles =>
        [.. Directory.GetFiles(Path.Combine(Root, "deploy", "docker"), "*.Dockerfile").Select(f => Path.GetFileName(f)!).Order()];

    private const string Valid = """
        FROM mcr.microsoft.com/dotnet/sdk:10.0.401 AS build
        WORKDIR /source
        COPY Directory.Build.props Directory.Packages.props ./
        COPY src/Protocol/ src/Protocol/
        COPY src/Settings/ src/Settings/
        COPY src/Durability/ src/Durability/
        COPY src/Hosting/ src/Hosting/
        COPY src/Storage.Abstractions/ src/Storage.Abstractions/
        COPY src/Storage/ src/Storage/
        COPY src/Tasks/ src/Tasks/
        COPY src/Ingest/ src/Ingest/
        RUN dotnet publish src/Ingest/Ingest.csproj -c Release -o /app

        FROM mcr.microsoft.com/dotnet/aspnet:10.0.12
        COPY --from=build /app ./
        USER 1654
        ENTRYPOINT ["dotnet", "Ingest.dll"]
        """;

    [Fact]
    public void There_is_one_for_ingest_the_trainer_and_the_edge_agent() =>
        Assert.Equal(["edge-agent.Dockerfile", "ingest.Dockerfile", "trainer.Dockerfile"], Dockerfiles);

    [Theory]
    [MemberData(nameof(Dockerfiles))]
    public void Dockerfile_keeps_every_rule(string name) =>
        Assert.Empty(DockerfilePolicy.All(Read(name), Root));

    [Fact]
    public void Ingest_is_built_without_LibTorch()
    {
        var closure = DockerfilePolicy.ProjectClosure(Path.Combine(Root, "src", "Ingest", "Ingest.csproj"));

        Assert.DoesNotContain(closure, project => File.ReadAllText(project).Contains("TorchSharp", StringComparison.Ordinal) || File.ReadAllText(project).Contains("<UsesTorch>true", StringComparison.Ordinal));
    }

    [Fact]
    public void The_trainer_image_takes_the_TorchBackend_switch_as_a_build_argument()
    {
        var trainer = Read("trainer.Dockerfile");

        Assert.Contains("TORCH_BACKEND=cpu", trainer.Arguments("ARG"));
        Assert.Contains(trainer.Arguments("RUN"), run => run.Contains("-p:TorchBackend=${TORCH_BACKEND}", StringComparison.Ordinal));
        Assert.Contains("'$(TorchBackend)' == 'cuda'", File.ReadAllText(Path.Combine(Root, "Directory.Build.targets")));
    }

    [Fact]
    public void The_valid_sample_keeps_every_rule() => Assert.Empty(DockerfilePolicy.All(Dockerfile.Parse("sample", Valid), Root));

    [Theory]
    [InlineData("aspnet:10.0.12", "aspnet:10.0", "sample: image mcr.microsoft.com/dotnet/aspnet:10.0 is not pinned to an exact patch version")]
    [InlineData("aspnet:10.0.12", "aspnet:latest", "sample: image mcr.microsoft.com/dotnet/aspnet:latest is not pinned to a version")]
    [InlineData("aspnet:10.0.12", "aspnet", "sample: image mcr.microsoft.com/dotnet/aspnet has no tag")]
    [InlineData("USER 1654", "USER 0", "sample: USER 0 is not a numeric non-root user (Kubernetes checks runAsNonRoot by number)")]
    [InlineData("USER 1654", "USER app", "sample: USER app is not a numeric non-root user (Kubernetes checks runAsNonRoot by number)")]
    [InlineData("USER 1654\n", "", "sample: the final stage sets no USER, so it runs as root")]
    [InlineData("COPY src/Storage/ src/Storage/\n", "", "sample: src/Ingest/Ingest.csproj needs src/Storage, which is not copied into the build")]
    [InlineData("COPY src/Ingest/ src/Ingest/", "COPY src/Ingester/ src/Ingest/", "sample: COPY src/Ingester/, which is not in the repository")]
    public void A_broken_rule_is_caught(string old, string replacement, string violation)
    {
        Assert.Contains(old, Valid);
        var broken = Dockerfile.Parse("sample", Valid.Replace(old, replacement));

        Assert.Contains(violation, DockerfilePolicy.All(broken, Root));
    }

    [Fact]
    public void A_published_project_that_does_not_exist_is_caught() =>
        Assert.Contains("sample: publishes src/Ingest/Ingester.csproj, which is not in the repository",
            DockerfilePolicy.All(Dockerfile.Parse("sample", Valid.Replace("src/Ingest/Ingest.csproj", "src/Ingest/Ingester.csproj")), Root));

    [Fact]
    public void The_build_context_keeps_data_and_secrets_out()
    {
        var ignored = File.ReadAllLines(Path.Combine(Root, ".dockerignore"));

        Assert.Contains("data/", ignored);
        Assert.Contains("**/*.secret", ignored);
        Assert.Contains("**/*.key", ignored);
        Assert.Contains("**/bin/", ignored);
    }

    private static Dockerfile Read(string name) => Dockerfile.Parse(name, File.ReadAllText(Path.Combine(Root, "deploy", "docker", name)));
}
