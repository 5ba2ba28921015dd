using Microsoft.Playwright;

namespace AgentGym.Dashboard.Tests;

/// <summary>
/// Debian's Chromium driven by Playwright (which cannot download its own browsers here), one page at a time; records
/// every JavaScript dialog (an executed alert would show up here) and saves screenshots under the test results.
/// </summary>
internal sealed class Browser : IAsyncDisposable
{
    public const string ChromiumPath = "/usr/bin/chromium";

    private static readonly string[] Flags =
    [
        "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run",
    ];

    private readonly IPlaywright _playwright;
    private readonly IBrowser _browser;

    private Browser(IPlaywright playwright, IBrowser browser, IPage page)
    {
        _playwright = playwright;
        _browser = browser;
        Page = page;
        page.Dialog += (_, dialog) =>
        {
            lock (Dialogs) Dialogs.Add($"{dialog.Type}: {dialog.Message}");
            _ = dialog.DismissAsync();
        };
        page.Console += (_, message) => { lock (Console) Console.Add($"{message.Type}: {message.Text}"); };
    }

    public IPage Page { get; }
    public List<string> Dialogs { get; } = [];
    public List<string> Console { get; } = [];

    public static string ScreenshotDirectory => Path.Combine(RepoPaths.Root, "artifacts", "test-results", "dashboard");

    public static async Task<Browser> StartAsync()
    {
        var playwright = await Playwright.CreateAsync();
        try
        {
            var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
            {
                ExecutablePath = ChromiumPath,
                Headless = true,
                Args = Flags,
                Timeout = 60_000,
            });
            var page = await browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = 1280, Height = 900 } });
            page.SetDefaultTimeout(30_000);
            return new Browser(playwright, browser, page);
        }
        catch
        {
            playwright.Dispose();
            throw;
        }
    }

    /// <summary>Opens the dashboard and logs in through its form.</summary>
    public async Task LoginAsync(Uri server, string token, string hash = "")
    {
        await Page.GotoAsync(new Uri(server, "/" + hash).ToString());
        await Page.FillAsync("#token", token);
        await Page.ClickAsync("#login-submit");
        await Page.WaitForSelectorAsync("#bar:not([hidden])");
    }

    public async Task<string> ScreenshotAsync(string name)
    {
        Directory.CreateDirectory(ScreenshotDirectory);
        var path = Path.Combine(ScreenshotDirectory, name + ".png");
        await Page.ScreenshotAsync(new PageScreenshotOptions { Path = path, FullPage = true });
        return path;
    }

    public async ValueTask DisposeAsync()
    {
        await _browser.DisposeAsync();
        _playwright.Dispose();
    }
}
