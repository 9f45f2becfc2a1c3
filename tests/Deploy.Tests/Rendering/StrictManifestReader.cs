using System.Collections;
using System.Reflection;
using System.Text.Json.Serialization;
using k8s;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Pipeline.Deploy.Tests.Rendering;

/// <summary>
/// Reads multi-document YAML into the typed Kubernetes models, refusing what an API server would refuse: an unknown
/// kind, an unknown field (the strict deserializer), a value of the wrong type, including a quoted string where the
/// model holds a number or a boolean (which the deserializer alone would convert silently).
/// </summary>
public static class StrictManifestReader
{
    /// <summary>Kinds that are not part of Kubernetes itself, with the model each is read into.</summary>
    private static readonly Dictionary<string, Type> CustomKinds = new()
    {
        [$"{ServiceMonitor.Group}/{ServiceMonitor.Version}/{ServiceMonitor.ResourceKind}"] = typeof(ServiceMonitor),
    };

    public static IReadOnlyList<object> Read(string yaml)
    {
        var typeMap = new Dictionary<string, Type>(CustomKinds);
        List<object> objects;
        try
        {
            objects = KubernetesYaml.LoadAllFromString(yaml, typeMap, strict: true);
        }
        catch (Exception e) when (e is YamlException or KeyNotFoundException)
        {
            throw new InvalidManifestException($"not valid Kubernetes objects: {Describe(e)}", e);
        }

        var documents = new YamlStream();
        documents.Load(new StringReader(yaml));
        var nonEmpty = documents.Documents.Where(d => d.RootNode is YamlMappingNode { Children.Count: > 0 }).ToList();
        for (var i = 0; i < nonEmpty.Count; i++)
        {
            CheckScalarTypes(nonEmpty[i].RootNode, objects[i].GetType(), Name(objects[i]));
        }

        return objects;
    }

    private static string Name(object manifest) =>
        manifest is IKubernetesObject<k8s.Models.V1ObjectMeta> o ? $"{o.Kind}/{o.Metadata?.Name}" : manifest.GetType().Name;

    private static string Describe(Exception e) => e.InnerException is null ? e.Message : $"{e.Message} ({e.InnerException.Message})";

    private static void CheckScalarTypes(YamlNode node, Type type, string where)
    {
        type = Nullable.GetUnderlyingType(type) ?? type;
        switch (node)
        {
            case YamlScalarNode scalar when IsNumberOrBoolean(type) && scalar.Style is ScalarStyle.SingleQuoted or ScalarStyle.DoubleQuoted:
                throw new InvalidManifestException($"{where}: \"{scalar.Value}\" is a string where a {type.Name} belongs");
            case YamlMappingNode mapping when !IsDictionary(type):
                var properties = type.GetProperties()
                    .Select(p => (Property: p, Name: p.GetCustomAttribute<JsonPropertyNameAttribute>()?.Name))
                    .Where(p => p.Name is not null)
                    .ToDictionary(p => p.Name!, p => p.Property.PropertyType);
                foreach (var (key, value) in mapping.Children)
                {
                    if (properties.TryGetValue(((YamlScalarNode)key).Value!, out var propertyType))
                    {
                        CheckScalarTypes(value, propertyType, $"{where}.{key}");
                    }
                }

                break;
            case YamlSequenceNode sequence when ElementType(type) is { } element:
                foreach (var item in sequence.Children)
                {
                    CheckScalarTypes(item, element, $"{where}[]");
                }

                break;
        }
    }

    private static bool IsNumberOrBoolean(Type type) =>
        type == typeof(int) || type == typeof(long) || type == typeof(double) || type == typeof(bool);

    private static bool IsDictionary(Type type) =>
        type.IsGenericType && type.GetInterfaces().Append(type).Any(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(IDictionary<,>));

    private static Type? ElementType(Type type) =>
        type != typeof(string) && typeof(IEnumerable).IsAssignableFrom(type) && type.IsGenericType ? type.GetGenericArguments()[0] : null;
}
