namespace Pipeline.Storage.Tests.Influx2;

/// <summary>What the listener answers to one request.</summary>
internal sealed record ScriptedAnswer(int Status, string Body = "", string ContentType = "application/json; charset=utf-8", IReadOnlyDictionary<string, string>? Headers = null)
{
    /// <summary>What InfluxDB 2.x answers to an accepted write.</summary>
    public static readonly ScriptedAnswer NoContent = new(204);

    /// <summary>An annotated-CSV Flux answer, as /api/v2/query returns it.</summary>
    public static ScriptedAnswer Csv(string csv) => new(200, csv, "text/csv; charset=utf-8");

    /// <summary>An InfluxDB 2.x error: a JSON body with "code" and "message".</summary>
    public static ScriptedAnswer Error(int status, string code, string message, IReadOnlyDictionary<string, string>? headers = null) =>
        new(status, $$"""{"code":"{{code}}","message":"{{message}}"}""", Headers: headers);
}
