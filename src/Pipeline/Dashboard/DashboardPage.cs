using System.Net;

namespace Pipeline.Runner.Dashboard;

/// <summary>The page around the panels: a little CSS, and a script that swaps in the panels each server-sent event brings.</summary>
internal static class DashboardPage
{
    public static string Document(string title, string panels) => $$"""
        <!DOCTYPE html>
        <html lang="en"><head><meta charset="utf-8"><title>{{WebUtility.HtmlEncode(title)}}</title>
        <style>
        body { font-family: sans-serif; margin: 1em 2em; color: #222; }
        h1 { font-size: 1.4em; } h2 { font-size: 1.15em; border-bottom: 1px solid #ccc; margin-top: 1.4em; } h3 { font-size: 1em; }
        table { border-collapse: collapse; font-size: 0.9em; } td, th { border: 1px solid #ddd; padding: 2px 6px; text-align: left; }
        .ok { color: #1e8449; } .bad { color: #b03a2e; } .note, .source { color: #666; font-size: 0.85em; }
        .unavailable { background: #fef9e7; border: 1px solid #f7dc6f; padding: 0 1em; font-size: 0.9em; }
        .charts { display: flex; flex-wrap: wrap; gap: 1em; } svg.chart { background: #fafafa; border: 1px solid #eee; }
        #connection { font-size: 0.85em; }
        </style></head>
        <body><h1>{{WebUtility.HtmlEncode(title)}}</h1><p id="connection">live updates: connecting</p>
        <main id="panels">{{panels}}</main>
        <script>
        const connection = document.getElementById('connection');
        const events = new EventSource('events');
        events.onopen = () => { connection.textContent = 'live updates: on'; };
        events.onerror = () => { connection.textContent = 'live updates: lost, retrying'; };
        events.addEventListener('panels', e => { document.getElementById('panels').innerHTML = e.data; });
        </script></body></html>
        """;
}
