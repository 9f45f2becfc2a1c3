using OpenQA.Selenium;
using OpenQA.Selenium.Chrome;
using Pipeline.Protocol;
using Pipeline.Runner.Up;
using Pipeline.Tasks;
using Pipeline.TestSupport;
using Xunit.Abstractions;

namespace Pipeline.EndToEnd.Tests;

/// <summary>
/// The dashboard of a running `pipeline up`, loaded in Debian's chromium (headless, through chromium-driver): both devices
/// and a model version appear, the training curves and confusion matrix render as non-empty SVG, and a screenshot is
/// kept as the test's artefact. Fails when chromium or its driver is missing.
/// </summary>
[Collection(RunningLoopCollection.Name)]
public sealed class DashboardInBrowserTests : IDisposable
{
    private const string Chromium = "/usr/bin/chromium";
    private const string ChromeDriver = "/usr/bin/chromedriver";
    private static readonly TimeSpan LoopTimeout = TimeSpan.FromMinutes(5);

    private readonly RunningLoopFixture _loop;
    private readonly ITestOutputHelper _output;
    private readonly TemporaryFolder _profile = new("chromium-profile");

    public DashboardInBrowserTests(RunningLoopFixture loop, ITestOutputHelper output)
    {
        _loop = loop;
        _output = output;
        loop.TestOutput = output;
    }

    [Fact]
    public async Task Dashboard_InChromium_ShowsBothDevices_AModelVersion_AndRenderedCharts()
    {
        Assert.True(File.Exists(Chromium), $"{Chromium} is missing: install Debian's chromium (test.sh does)");
        Assert.True(File.Exists(ChromeDriver), $"{ChromeDriver} is missing: install Debian's chromium-driver (test.sh does)");
        using var driver = StartBrowser();
        driver.Navigate().GoToUrl(_loop.Dashboard);
        Assert.Contains("Pipeline", driver.Title, StringComparison.Ordinal);

        // The page updates itself over server-sent events: nothing here reloads it.
        await Eventually.TrueAsync(() => Live() && Count(driver, "#fleet tr.device[data-device='club-1']") == 1 && Count(driver, "#fleet tr.device[data-device='scope-1']") == 1,
            LoopTimeout, "both devices in the fleet panel");
        foreach (var task in TaskRegistry.BuiltIn.Names)
        {
            await Eventually.TrueAsync(() => Live() && Count(driver, $"#models tr.version[data-task='{task}']") >= 1, LoopTimeout, $"a {task} model version in the models panel");
        }

        await Eventually.TrueAsync(() => Script<long>(driver, "return document.getElementById('connection').textContent.endsWith('on') ? 1 : 0") == 1,
            TimeSpan.FromSeconds(30), "the page's event stream to be connected");

        // Charts render: each task's newest version has curves with drawn points and a confusion matrix with cells, laid out on the page.
        foreach (var task in TaskRegistry.BuiltIn.Names)
        {
            var curves = Script<long>(driver, $$"""
                return Array.from(document.querySelectorAll("#models .charts[data-task='{{task}}'] svg.chart"))
                  .filter(svg => svg.getBoundingClientRect().width > 0 && Array.from(svg.querySelectorAll('polyline')).some(line => line.getAttribute('points').split(' ').length >= 2))
                  .length
                """);
            Assert.True(curves >= 2, $"{task}: {curves} rendered curve charts (loss and accuracy expected)");
            var cells = Script<long>(driver, $"return document.querySelectorAll(\"#models .charts[data-task='{task}'] svg.chart rect title\").length");
            Assert.True(cells >= 4, $"{task}: the confusion matrix has {cells} cells");
        }

        // Read in one script: the panels may be replaced between finding an element and reading it.
        Assert.Contains("v1", Script<string>(driver, "return document.querySelector(\"#fleet tr.device[data-device='club-1']\").textContent"), StringComparison.Ordinal);
        await Eventually.TrueAsync(() => Count(driver, "#decisions tr") >= 3, TimeSpan.FromSeconds(30), "both tasks' blessing decisions");

        var screenshot = ScreenshotPath();
        ((ITakesScreenshot)driver).GetScreenshot().SaveAsFile(screenshot);
        _output.WriteLine($"dashboard screenshot: {screenshot}");
        Assert.True(new FileInfo(screenshot).Length > 10_000, "the screenshot is nearly empty");
    }

    public void Dispose() => _profile.Dispose();

    private ChromeDriver StartBrowser()
    {
        var service = ChromeDriverService.CreateDefaultService(Path.GetDirectoryName(ChromeDriver)!, Path.GetFileName(ChromeDriver));
        service.SuppressInitialDiagnosticInformation = true;
        service.HideCommandPromptWindow = true;
        var options = new ChromeOptions { BinaryLocation = Chromium };
        options.AddArguments("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", $"--user-data-dir={_profile.Path}", "--window-size=1400,2600");
        return new ChromeDriver(service, options, TimeSpan.FromSeconds(90));
    }

    /// <summary>How many elements match now; the panels are replaced at each update, so nothing is held between polls.</summary>
    private static int Count(ChromeDriver driver, string selector) => (int)Script<long>(driver, $"return document.querySelectorAll(\"{selector}\").length");

    private static T Script<T>(ChromeDriver driver, string script) => (T)driver.ExecuteScript(script)!;

    /// <summary>The test results folder beside this test project (where `dotnet test` puts its results), else the output folder.</summary>
    private static string ScreenshotPath()
    {
        var folder = new DirectoryInfo(AppContext.BaseDirectory);
        while (folder is not null && !File.Exists(Path.Combine(folder.FullName, "EndToEnd.Tests.csproj")))
        {
            folder = folder.Parent;
        }

        var results = Path.Combine(folder?.FullName ?? AppContext.BaseDirectory, "TestResults");
        Directory.CreateDirectory(results);
        return Path.Combine(results, $"dashboard-{DateTime.UtcNow:yyyyMMdd-HHmmss}.png");
    }

    private bool Live()
    {
        _loop.ThrowIfEnded();
        return true;
    }
}
