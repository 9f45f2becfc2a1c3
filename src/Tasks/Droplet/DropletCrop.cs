namespace Pipeline.Tasks.Droplet;

/// <summary>One droplet cut out of a frame as droplet-model input: [1 × <see cref="DropletSegmenter.CropSide"/>²], scaled to 0..1.</summary>
public sealed record DropletCrop(DetectedDroplet Droplet, float[] Input);
