using k8s.Models;

namespace Pipeline.Deploy.Tests.Policies;

/// <summary>Whether a label selector (matchLabels and matchExpressions, as the API server reads them) selects a label set.</summary>
public static class LabelSelectors
{
    public static bool Selects(V1LabelSelector? selector, IDictionary<string, string>? labels)
    {
        labels ??= new Dictionary<string, string>();
        if (selector is null)
        {
            return false;
        }

        var byLabels = (selector.MatchLabels ?? new Dictionary<string, string>())
            .All(pair => labels.TryGetValue(pair.Key, out var value) && value == pair.Value);
        return byLabels && (selector.MatchExpressions ?? []).All(e => Matches(e, labels));
    }

    /// <summary>A Service's selector: every pair must be on the pod; an empty one selects nothing here (such a Service
    /// has its endpoints managed by hand, which this project never does).</summary>
    public static bool Selects(IDictionary<string, string>? serviceSelector, IDictionary<string, string>? labels) =>
        serviceSelector is { Count: > 0 }
        && serviceSelector.All(pair => labels is not null && labels.TryGetValue(pair.Key, out var value) && value == pair.Value);

    private static bool Matches(V1LabelSelectorRequirement requirement, IDictionary<string, string> labels)
    {
        var has = labels.TryGetValue(requirement.Key, out var value);
        return requirement.OperatorProperty switch
        {
            "In" => has && requirement.Values.Contains(value!),
            "NotIn" => !has || !requirement.Values.Contains(value!),
            "Exists" => has,
            "DoesNotExist" => !has,
            _ => throw new InvalidOperationException($"unknown selector operator {requirement.OperatorProperty}"),
        };
    }
}
