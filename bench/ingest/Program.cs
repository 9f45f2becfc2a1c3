using System.Globalization;
using Pipeline.Hosting.Mqtt;
using Pipeline.Ingest.Bench;
using Pipeline.TestSupport;

// bench/run.sh ingest [MESSAGES] — each measurement three times, medians printed, one JSON line last.
var messages = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 6000;
const int Repetitions = 3;
using var cancel = new CancellationTokenSource(TimeSpan.FromMinutes(10));
using var work = new TemporaryFolder("bench-ingest");
await using var mosquitto = await MosquittoBroker.StartAsync(cancel.Token);
await using var influx = await InfluxDbServer.StartAsync(cancel.Token);
var broker = mosquitto.ToOptions();
Console.WriteLine($"ingest bench: {messages} motion batches of {MotionLoad.SamplesPerBatch} samples ({messages * (long)MotionLoad.SamplesPerBatch} samples) per run, {Repetitions} runs each; mosquitto :{broker.Port}, influxd :{influx.Port}");

var rawBroker = new List<double>();
var publishAlone = new List<double>();
var rawStore = new List<double>();
var embedded = new List<double>();
var influxed = new List<double>();
for (var r = 0; r < Repetitions; r++)
{
    var (drain, publish) = await RawBrokerDrain.MeasureSamplesPerSecondAsync(broker, MotionLoad.Create($"raw{r}", messages, 10), cancel.Token);
    rawBroker.Add(drain);
    publishAlone.Add(publish);
    rawStore.Add(await RawInfluxWrite.MeasureSamplesPerSecondAsync(influx.Url, work.Path, $"raw{r}", messages * (long)MotionLoad.SamplesPerBatch));
}

await using (var ingest = await EndToEndIngest.StartAsync(broker, work.Combine("embedded"), [], cancel.Token))
{
    for (var r = 0; r < Repetitions; r++)
    {
        embedded.Add(await ingest.MeasureSamplesPerSecondAsync(MotionLoad.Create($"emb{r}", messages, 10), cancel.Token));
    }
}

await using (var ingest = await EndToEndIngest.StartAsync(broker, work.Combine("influx"),
    [new("Store:Backend", "influx"), new("Influx:Url", influx.Url.ToString()), new("Influx:Database", "pipeline"), new("Influx:BlobFolder", work.Combine("blobs"))], cancel.Token))
{
    for (var r = 0; r < Repetitions; r++)
    {
        influxed.Add(await ingest.MeasureSamplesPerSecondAsync(MotionLoad.Create($"inf{r}", messages, 10), cancel.Token));
    }
}

var c = Median(rawBroker);
var d = Median(rawStore);
var a = Median(embedded);
var b = Median(influxed);
// The embedded store has no server: its path is limited by the broker alone. The influx path passes both.
var ratioEmbedded = a / c;
var ratioInflux = b / Math.Min(c, d);
var peakRssMb = PeakResidentMegabytes();
Console.WriteLine($"(a) raw broker, mosquitto_sub drains QoS 1:      {Show(rawBroker)}");
Console.WriteLine($"    our 4 publishers alone, QoS 1 into a queue:  {Show(publishAlone)}");
Console.WriteLine($"(b) raw store, curl bulk /write to influxd:      {Show(rawStore)}");
Console.WriteLine($"(c) ours, publish to stored, embedded store:     {Show(embedded)}  ratio to raw broker {ratioEmbedded:F2} (to the smaller raw rate {a / Math.Min(c, d):F2})");
Console.WriteLine($"(c) ours, publish to stored, influxd:            {Show(influxed)}  ratio to the smaller raw rate {ratioInflux:F2}");
Console.WriteLine($"peak RSS of this process (ingest, publishers, bench): {peakRssMb:F0} MB");
Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"{{\"bench\":\"ingest\",\"embedded_samples_per_s\":{a:F0},\"influx_samples_per_s\":{b:F0},\"raw_broker_samples_per_s\":{c:F0},\"raw_store_samples_per_s\":{d:F0},\"ratio_embedded\":{ratioEmbedded:F3},\"ratio_influx\":{ratioInflux:F3},\"peak_rss_mb\":{peakRssMb:F0},\"publish_alone_samples_per_s\":{Median(publishAlone):F0}}}"));
return 0;

static double Median(List<double> values) => values.Order().ElementAt(values.Count / 2);

static string Show(List<double> values) =>
    string.Create(CultureInfo.InvariantCulture, $"median {Median(values),10:N0} samples/s  (runs: {string.Join(", ", values.Select(v => v.ToString("N0", CultureInfo.InvariantCulture)))})");

static double PeakResidentMegabytes()
{
    // VmHWM: the most resident memory this process ever had.
    var line = File.ReadLines("/proc/self/status").First(l => l.StartsWith("VmHWM:", StringComparison.Ordinal));
    return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) / 1024.0;
}
