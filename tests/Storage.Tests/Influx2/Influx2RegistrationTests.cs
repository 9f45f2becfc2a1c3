using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Pipeline.Storage.Influx2;
using Pipeline.TestSupport;

namespace Pipeline.Storage.Tests.Influx2;

/// <summary>Choosing the 2.x backend through configuration ("Store:Backend=influx2" and the "Influx2" section), as ingest and the trainer do.</summary>
public sealed class Influx2RegistrationTests : IDisposable
{
    private const string Token = "registration-s3cret";

    private readonly TemporaryFolder _data = new("influx2-registration");

    public void Dispose() => _data.Dispose();

    [Fact]
    public async Task BackendInflux2_WithItsSection_BuildsTheInflux2StoreWithThoseOptions()
    {
        var services = Register(new()
        {
            ["Store:Backend"] = "influx2",
            ["Influx2:Url"] = "http://influx.example:8086",
            ["Influx2:Token"] = Token,
            ["Influx2:Org"] = "lab",
            ["Influx2:Bucket"] = "swings",
            ["Influx2:RequestTimeout"] = "00:00:05",
            ["Influx2:MaxPointsPerWrite"] = "1000",
            ["Influx2:Gzip"] = "true",
        });

        await using var provider = services.BuildServiceProvider();
        var store = Assert.IsType<Influx2TelemetryStore>(provider.GetRequiredService<ITelemetryStore>());

        Assert.Equal(new Uri("http://influx.example:8086"), store.Options.Url);
        Assert.Equal(("lab", "swings", TimeSpan.FromSeconds(5), 1000, true),
            (store.Options.Org, store.Options.Bucket, store.Options.RequestTimeout, store.Options.MaxPointsPerWrite, store.Options.Gzip));
        Assert.Equal(Path.Combine(_data.Path, "blobs"), store.Options.BlobFolder);
        Assert.DoesNotContain(Token, store.Options.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void BackendInflux2_WithoutTokenOrOrg_FailsAtStart_NamingEachKey()
    {
        var error = Assert.Throws<OptionsValidationException>(() => Register(new()
        {
            ["Store:Backend"] = "influx2",
            ["Influx2:Url"] = "ftp://nowhere",
        }));

        Assert.Equal(Influx2Options.Section, error.OptionsName);
        Assert.Contains("Influx2:Token is empty", error.Message, StringComparison.Ordinal);
        Assert.Contains("Influx2:Org is empty", error.Message, StringComparison.Ordinal);
        Assert.Contains("must be an absolute http or https address", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void BadToken_IsReported_WithoutShowingItsValue()
    {
        var error = Assert.Throws<OptionsValidationException>(() => Register(new()
        {
            ["Store:Backend"] = "influx2",
            ["Influx2:Token"] = $" {Token}\n",
            ["Influx2:Org"] = "lab",
            ["Influx2:RequestTimeout"] = "-00:00:01",
        }));

        Assert.Contains("Influx2:Token contains control characters or surrounding white space", error.Message, StringComparison.Ordinal);
        Assert.Contains("Influx2:RequestTimeout", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(Token, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void UnknownBackend_ListsInflux2AmongTheChoices()
    {
        var error = Assert.Throws<OptionsValidationException>(() => Register(new() { ["Store:Backend"] = "influx3" }));

        Assert.Contains("embedded, influx or influx2", error.Message, StringComparison.Ordinal);
    }

    private ServiceCollection Register(Dictionary<string, string?> settings)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var services = new ServiceCollection();
        services.AddConfiguredTelemetryStore(configuration, _data.Path, StoreAccess.ReadWrite);
        return services;
    }
}
