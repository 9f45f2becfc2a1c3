using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Pipeline.Ingest.Tests;

/// <summary>Starting an ingest host for a test: it counts as started once ingest has subscribed.</summary>
internal static class IngestHosts
{
    /// <summary>Starts <paramref name="host"/> and waits up to <paramref name="patience"/> for ingest's subscription; a host that
    /// fails either is disposed before the error reaches the test, so its broker session and files go with it.</summary>
    public static async Task<IHost> StartSubscribedAsync(IHost host, TimeSpan patience, CancellationToken cancellationToken = default)
    {
        try
        {
            await host.StartAsync(cancellationToken);
            await host.Services.GetRequiredService<IngestService>().Subscribed.WaitAsync(patience, cancellationToken);
            return host;
        }
        catch
        {
            host.Dispose();
            throw;
        }
    }
}
