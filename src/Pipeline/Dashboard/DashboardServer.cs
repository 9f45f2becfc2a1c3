using System.Net;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Pipeline.Runner.Observing;

namespace Pipeline.Runner.Dashboard;

/// <summary>
/// The web dashboard on 127.0.0.1: "/" is the page with the panels as they are, "/events" a server-sent event stream
/// that sends the panels again at each update (event "panels"), "/panels" the panels alone. Everything is rendered on the
/// server, charts as inline SVG, so the page loads nothing from anywhere else.
/// </summary>
internal sealed class DashboardServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _feeding;

    private DashboardServer(WebApplication app, DashboardFeed feed, Uri url)
    {
        _app = app;
        Url = url;
        _feeding = feed.RunAsync(_stop.Token);
    }

    public Uri Url { get; }

    /// <summary>Starts serving on 127.0.0.1:<paramref name="port"/> (0: any free port); throws when the port is taken.</summary>
    public static async Task<DashboardServer> StartAsync(int port, string title, FleetPictureSource source, TimeProvider time, ILoggerFactory loggers,
        CancellationToken cancellationToken)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [], ApplicationName = typeof(DashboardServer).Assembly.GetName().Name });
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, port));
        var app = builder.Build();
        var feed = new DashboardFeed(source, time, loggers.CreateLogger("dashboard"));
        feed.Refresh();
        var stopping = app.Lifetime.ApplicationStopping;
        app.MapGet("/", () => Results.Content(DashboardPage.Document(title, feed.Latest.Html), "text/html; charset=utf-8"));
        app.MapGet("/panels", () => Results.Content(feed.Latest.Html, "text/html; charset=utf-8"));
        app.MapGet("/events", async (HttpContext context) =>
        {
            context.Response.Headers.ContentType = "text/event-stream";
            context.Response.Headers.CacheControl = "no-cache";
            using var watching = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, stopping);
            var seen = 0L;
            try
            {
                while (!watching.IsCancellationRequested)
                {
                    var (sequence, html) = await feed.NextAsync(seen, watching.Token);
                    seen = sequence;
                    await context.Response.WriteAsync(ServerSentEvent("panels", html), watching.Token);
                    await context.Response.Body.FlushAsync(watching.Token);
                }
            }
            catch (OperationCanceledException)
            {
                // The browser went away, or the dashboard stops.
            }
        });
        await app.StartAsync(cancellationToken);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new DashboardServer(app, feed, new Uri(address.Replace("[::1]", "127.0.0.1", StringComparison.Ordinal) + "/"));
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _feeding.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        await _app.StopAsync(CancellationToken.None);
        await _app.DisposeAsync();
        _stop.Dispose();
    }

    /// <summary>One event: each line of the data on its own "data:" line, as the format requires.</summary>
    private static string ServerSentEvent(string name, string data)
    {
        var text = new StringBuilder("event: ").Append(name).Append('\n');
        foreach (var line in data.Split('\n'))
        {
            text.Append("data: ").Append(line.TrimEnd('\r')).Append('\n');
        }

        return text.Append('\n').ToString();
    }
}
