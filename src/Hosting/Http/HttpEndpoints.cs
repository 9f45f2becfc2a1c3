using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OpenTelemetry.Metrics;
using Pipeline.Hosting.Health;

namespace Pipeline.Hosting.Http;

/// <summary>
/// Runs the listener of <see cref="HttpEndpointOptions"/> inside the component's generic host: a minimal Kestrel
/// application of its own whose endpoints read the host's health checks and meter provider. <c>/alive</c> answers 200
/// while the process serves requests at all (liveness: no check of broker or store, so an outage never gets a
/// healthy process restarted); <c>/health</c> runs every registered health check (readiness: 200 when all are healthy,
/// 503 otherwise, with a JSON body naming each); <c>/metrics</c> is the Prometheus text exposition of every meter.
/// </summary>
internal sealed class HttpEndpoints(
    IOptions<HttpEndpointOptions> options,
    HealthCheckService health,
    MeterProvider meters,
    ILoggerFactory loggers) : IHostedService, IAsyncDisposable
{
    private readonly ILogger _logger = loggers.CreateLogger<HttpEndpoints>();
    private WebApplication? _app;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var settings = options.Value;
        if (settings.Port == 0)
        {
            return;
        }

        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [] });
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Parse(settings.Address), settings.Port));
        var app = builder.Build();
        app.MapGet("/alive", () => Results.Text("alive\n"));
        app.MapGet("/health", WriteHealthAsync);
        app.MapPrometheusScrapingEndpoint("/metrics", meters, configureBranchedPipeline: null, optionsName: null);
        try
        {
            await app.StartAsync(cancellationToken);
        }
        catch (IOException e)
        {
            await app.DisposeAsync();
            throw new IOException($"cannot listen on {settings.Address}:{settings.Port} for /alive, /health and /metrics (Http:Port, Http:Address): {e.Message}", e);
        }

        _app = app;
        _logger.LogInformation("serving /alive, /health and /metrics on http://{Address}:{Port}", settings.Address, settings.Port);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_app is { } app)
        {
            await app.StopAsync(cancellationToken);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_app is { } app)
        {
            _app = null;
            await app.DisposeAsync();
        }
    }

    private async Task WriteHealthAsync(HttpContext context)
    {
        var report = await health.CheckHealthAsync(context.RequestAborted);
        context.Response.StatusCode = report.Status == HealthStatus.Healthy ? StatusCodes.Status200OK : StatusCodes.Status503ServiceUnavailable;
        context.Response.Headers.CacheControl = "no-store";
        await HealthReportJson.WriteAsync(context.Response, report, context.RequestAborted);
    }
}
