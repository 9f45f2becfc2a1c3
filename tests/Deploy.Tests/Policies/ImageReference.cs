namespace Pipeline.Deploy.Tests.Policies;

/// <summary>What is wrong with an image reference, if anything: it must name an exact tag (or a digest), never latest.</summary>
public static class ImageReference
{
    public static string? Problem(string? image)
    {
        if (string.IsNullOrWhiteSpace(image))
        {
            return "no image";
        }

        if (image.Contains("@sha256:", StringComparison.Ordinal))
        {
            return null;
        }

        // The tag follows the last colon after the last slash (a registry may carry a port: host:5000/name:tag).
        var name = image[(image.LastIndexOf('/') + 1)..];
        var colon = name.LastIndexOf(':');
        if (colon < 0)
        {
            return $"image {image} has no tag";
        }

        var tag = name[(colon + 1)..];
        return tag.Length == 0 || tag.Equals("latest", StringComparison.OrdinalIgnoreCase) ? $"image {image} is not pinned to a version" : null;
    }
}
