using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;

namespace AgentGym.Dashboard.Tests;

/// <summary>
/// The real thing: `agentgym serve` with the Docker backend, the shipped quick tiny-shakespeare task trained for real
/// in the CPU image, driven over HTTP as the noop agent does (train the start, submit it), watched in Chromium.
/// </summary>
public sealed class LiveEpisodeTests : IDisposable
{
    private const string Task = "tiny-shakespeare/record-2-quick";
    private readonly string _home = Directory.CreateTempSubdirectory("agentgym-dashboard-live-").FullName;

    [DockerBrowserFact]
    public async Task The_episode_page_draws_the_run_live_and_shows_the_verdict_after_submit()
    {
        var prepare = await ServeProcess.RunCliAsync(_home, TimeSpan.FromMinutes(3), "data", "prepare", "tiny-shakespeare");
        Assert.True(prepare.ExitCode == 0, prepare.Output);
        await using var serve = await ServeProcess.StartAsync(_home, "--sandbox", "docker");
        using var created = await serve.Client.PostAsJsonAsync("/v1/episodes", new { task_id = Task, hints = "none", seed = 1 });
        Assert.True(created.StatusCode == HttpStatusCode.Created, await created.Content.ReadAsStringAsync() + serve.Stderr);
        var id = JsonNode.Parse(await created.Content.ReadAsStringAsync())!["episode_id"]!.GetValue<string>();

        await using var browser = await Browser.StartAsync();
        var page = browser.Page;
        await browser.LoginAsync(serve.Address, ServeProcess.Token, $"#/episode/{Uri.EscapeDataString(id)}");
        await page.WaitForSelectorAsync("#no-runs");

        var runId = (await StepAsync(serve, id, "run_training", new { }))["info"]!["run_id"]!.GetValue<string>();
        var chart = page.Locator($".charts[data-run='{runId}']");
        await chart.WaitForAsync(new() { Timeout = 60_000 });

        // Two readings of the chart while the run is still training: the points grow as the stream delivers them.
        var first = await WaitForPointsAsync(chart, above: 0, TimeSpan.FromMinutes(4), () => string.Join("\n", browser.Console)
            + "\n--- page:\n" + page.EvaluateAsync<string>("() => document.body.innerText.slice(0, 4000)").GetAwaiter().GetResult());
        Assert.False(await RunFinishedAsync(serve, id, runId), "the run ended before the chart showed its first point");
        var second = await WaitForPointsAsync(chart, above: first, TimeSpan.FromMinutes(2), () => string.Join("\n", browser.Console));
        Assert.True(second > first, $"{first} then {second} points");
        await browser.ScreenshotAsync("episode-live");

        await StepAsync(serve, id, "run_status", new { run_id = runId, wait_seconds = 600 });
        var run = JsonNode.Parse(await serve.Client.GetStringAsync($"/v1/dashboard/episodes/{id}/runs/{runId}"))!;
        // Any end will do (on a loaded host the quick run can hit its time limit): the page must show that end.
        var state = run["state"]!.GetValue<string>();
        Assert.True(run["finished"]!.GetValue<bool>(), run.ToJsonString());
        await page.WaitForSelectorAsync($"#run-{runId} h3 .pill.{state}");
        // Every metric event of the run ends up on the chart.
        var metrics = run["metrics"]!.AsArray().Count(m => m!["train_loss"] is not null || m["val_loss"] is not null);
        await page.WaitForSelectorAsync($".charts[data-run='{runId}'][data-points='{metrics}']");
        Assert.Equal(0, await page.Locator(".verdict").CountAsync());

        var submitted = await StepAsync(serve, id, "submit", new { });
        Assert.True(submitted["terminated"]!.GetValue<bool>());
        var verdict = submitted["info"]!["verdict"]!.GetValue<string>();
        await page.WaitForSelectorAsync(".verdict", new() { Timeout = 60_000 });
        // The verdict as the scorer wrote it (verification/*/verdict.json): the page shows one box per check, whatever
        // the checks' shape (an object keyed by name or a list).
        var written = JsonNode.Parse(await serve.Client.GetStringAsync($"/v1/dashboard/episodes/{id}"))!["verdicts"]!.AsArray();
        var checks = Assert.Single(written)!["checks"]!;
        var count = checks is JsonArray list ? list.Count : checks.AsObject().Count;
        Assert.True(count > 0, checks.ToJsonString());
        Assert.Equal(count, await page.Locator(".verdict .check").CountAsync());
        Assert.Equal((verdict == "passed").ToString().ToLowerInvariant(), await page.GetAttributeAsync(".verdict", "data-passed"));
        await browser.ScreenshotAsync("episode-verdict");
        // Once the stream has ended the page polls the run's files: each point is still drawn once.
        Assert.Equal(metrics.ToString(System.Globalization.CultureInfo.InvariantCulture), await chart.GetAttributeAsync("data-points"));
        Assert.Empty(browser.Dialogs);

        using var closed = await serve.Client.DeleteAsync($"/v1/episodes/{id}");
        Assert.Equal(HttpStatusCode.NoContent, closed.StatusCode);
    }

    private static async Task<JsonNode> StepAsync(ServeProcess serve, string id, string tool, object arguments)
    {
        using var response = await serve.Client.PostAsJsonAsync($"/v1/episodes/{id}/steps", new { name = tool, arguments });
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, body);
        return JsonNode.Parse(body)!;
    }

    private static async Task<bool> RunFinishedAsync(ServeProcess serve, string id, string runId) =>
        JsonNode.Parse(await serve.Client.GetStringAsync($"/v1/dashboard/episodes/{id}/runs/{runId}"))!["finished"]!.GetValue<bool>();

    private static async Task<int> WaitForPointsAsync(Microsoft.Playwright.ILocator chart, int above, TimeSpan limit, Func<string> console)
    {
        var deadline = DateTime.UtcNow + limit;
        while (true)
        {
            var points = int.Parse(await chart.GetAttributeAsync("data-points") ?? "0", System.Globalization.CultureInfo.InvariantCulture);
            if (points > above) return points;
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"the chart stayed at {points} points; the page's console:\n{console()}");
            await System.Threading.Tasks.Task.Delay(250);
        }
    }

    public void Dispose()
    {
        try { Directory.Delete(_home, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
