using System.Text;
using System.Text.Json.Nodes;
using Pipeline.Protocol;

namespace Pipeline.Protocol.Tests;

/// <summary>
/// Every field of every control message replaced by each hostile value (null, another type, huge strings and
/// arrays, extreme numbers), one at a time and at every depth: decoding refuses or accepts, and never throws.
/// A manifest with a null class stopped every agent once; this corpus is why it cannot happen again.
/// </summary>
public class HostileControlMessageTests
{
    private static readonly string[] HostileValues =
    [
        "null", "true", "0", "-1", "2147483647", "-2147483648", "9223372036854775807", "1e308", "-1e308", "0.5",
        "\"\"", "\"x\"", $"\"{new string('a', 70_000)}\"", $"\"{new string('b', 300)}\"", "\"\\u0000\"", "{}", "[]", "[null]", "[null,null]",
        "[\"a\",null]", $"[{string.Join(",", Enumerable.Repeat("1", 5000))}]", $"[{string.Join(",", Enumerable.Repeat("\"c\"", 2000))}]",
        "[2147483647,2147483647,2147483647,2147483647]", "[0]", "[-5,3]", "{\"a\":null}", "[[1]]",
    ];

    public static TheoryData<string> Messages => new()
    {
        "label-swing", "label-droplet", "status", "manifest", "prediction",
    };

    [Theory]
    [MemberData(nameof(Messages))]
    public void EveryFieldReplacedByEveryHostileValue_DecodesWithoutThrowing(string kind)
    {
        var valid = ValidJson(kind);
        var paths = Paths(JsonNode.Parse(valid)!, "").ToList();
        var refused = 0;
        var tried = 0;
        foreach (var path in paths)
        {
            foreach (var value in HostileValues)
            {
                var node = JsonNode.Parse(valid)!;
                Replace(node, path, JsonNode.Parse(value));
                var payload = Encoding.UTF8.GetBytes(node.ToJsonString());
                var (ok, error) = Decode(kind, payload);
                tried++;
                if (!ok)
                {
                    refused++;
                    Assert.False(string.IsNullOrWhiteSpace(error), $"{kind}: {path} = {Clip(value)} refused without a reason");
                }
            }
        }

        Assert.True(refused > tried / 2, $"{kind}: only {refused} of {tried} hostile variants were refused");
    }

    [Theory]
    [MemberData(nameof(Messages))]
    public void TruncatedAndDeeplyNestedPayloads_AreRefusedWithAReason(string kind)
    {
        var valid = Encoding.UTF8.GetBytes(ValidJson(kind));
        for (var length = 0; length < valid.Length; length += Math.Max(1, valid.Length / 50))
        {
            Assert.False(Decode(kind, valid.AsSpan(0, length).ToArray()).Ok, $"{kind} truncated to {length} bytes was accepted");
        }

        var nested = Encoding.UTF8.GetBytes(new string('[', 10_000) + new string(']', 10_000));
        Assert.False(Decode(kind, nested).Ok);
        Assert.False(Decode(kind, [0xff, 0xfe, 0x00, 0x7b]).Ok);
    }

    [Fact]
    public void Manifest_WithANullClass_IsRefusedNamingClasses()
    {
        var node = JsonNode.Parse(ValidJson("manifest"))!;
        node["classes"] = JsonNode.Parse("[\"a\",null]");

        var result = ControlMessageCodec.DecodeModelManifest(Encoding.UTF8.GetBytes(node.ToJsonString()));

        Assert.False(result.IsSuccess);
        Assert.Contains("classes", result.Error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void SessionLabel_LongerThanTheLimit_IsRefusedNamingTheSpan()
    {
        var node = JsonNode.Parse(ValidJson("label-swing"))!;
        node["endMicros"] = 1_000 + SessionLabel.MaxSpanMicros + 1;

        var result = ControlMessageCodec.DecodeSessionLabel(Encoding.UTF8.GetBytes(node.ToJsonString()));

        Assert.False(result.IsSuccess);
        Assert.Contains("spans", result.Error.Message, StringComparison.Ordinal);
    }

    private static string ValidJson(string kind) => Encoding.UTF8.GetString(kind switch
    {
        "label-swing" => ControlMessageCodec.Encode(new SessionLabel("club-1", "s-1", LearningTasks.Swing, 1_000, 2_000, new SwingLabel("p1", "fade"))),
        "label-droplet" => ControlMessageCodec.Encode(new SessionLabel("scope-1", "s-2", LearningTasks.Droplet, 1_000, 2_000, null, new VocLabel("acetone", 2.5f))),
        "status" => ControlMessageCodec.Encode(new DeviceStatus("club-1", LearningTasks.Swing, DeviceState.Online, 1_000, 5, 3, "running")),
        "manifest" => ControlMessageCodec.Encode(new ModelManifest(LearningTasks.Swing, 3, "swing-cnn", 1_700_000_000_000_000,
            Topics.ModelArtifact(LearningTasks.Swing, 3), 1234, new string('a', 64), [8, 512], ["p1:fade", "p1:draw"],
            new ModelMetrics(0.9, 0.88, 40, 0.2, 0.8), "pipelined")),
        "prediction" => ControlMessageCodec.Encode(new Prediction("scope-1", LearningTasks.Droplet, 2, 10, "acetone", 0.6f, 3.5, "acetone", 2.1f,
            [new DropletPrediction(20.5f, 12f, 14f, "acetone", 0.75f)])),
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    });

    private static (bool Ok, string? Error) Decode(string kind, byte[] payload) => kind switch
    {
        "label-swing" or "label-droplet" => Result(ControlMessageCodec.DecodeSessionLabel(payload)),
        "status" => Result(ControlMessageCodec.DecodeDeviceStatus(payload)),
        "manifest" => Result(ControlMessageCodec.DecodeModelManifest(payload)),
        "prediction" => Result(ControlMessageCodec.DecodePrediction(payload)),
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    private static (bool, string?) Result<T>(DecodeResult<T> result) where T : class => (result.IsSuccess, result.IsSuccess ? null : result.Error.Message);

    /// <summary>Every property and array element, as a path of names and indexes.</summary>
    private static IEnumerable<string> Paths(JsonNode node, string prefix)
    {
        switch (node)
        {
            case JsonObject obj:
                foreach (var (name, child) in obj)
                {
                    var path = $"{prefix}/{name}";
                    yield return path;
                    if (child is not null)
                    {
                        foreach (var inner in Paths(child, path))
                        {
                            yield return inner;
                        }
                    }
                }

                break;
            case JsonArray array:
                for (var i = 0; i < array.Count; i++)
                {
                    var path = $"{prefix}/{i}";
                    yield return path;
                    if (array[i] is { } child)
                    {
                        foreach (var inner in Paths(child, path))
                        {
                            yield return inner;
                        }
                    }
                }

                break;
        }
    }

    private static void Replace(JsonNode root, string path, JsonNode? value)
    {
        var parts = path.Split('/', StringSplitOptions.RemoveEmptyEntries);
        var parent = root;
        foreach (var part in parts[..^1])
        {
            parent = parent is JsonArray a ? a[int.Parse(part, System.Globalization.CultureInfo.InvariantCulture)]! : parent[part]!;
        }

        if (parent is JsonArray array)
        {
            array[int.Parse(parts[^1], System.Globalization.CultureInfo.InvariantCulture)] = value;
        }
        else
        {
            parent[parts[^1]] = value;
        }
    }

    private static string Clip(string value) => value.Length <= 40 ? value : value[..40] + "…";
}
