using System.Text.Json.Nodes;

namespace AgentGym.Dashboard.Tests;

/// <summary>The dashboard in a real browser against a real `agentgym serve`: login, untrusted text, and evaluations.</summary>
public sealed class DashboardPageTests : IDisposable
{
    private readonly string _home = Directory.CreateTempSubdirectory("agentgym-dashboard-").FullName;

    [BrowserFact]
    public async Task A_wrong_token_sees_only_the_login_form()
    {
        await using var serve = await ServeProcess.StartAsync(_home, "--sandbox", "none");
        await using var browser = await Browser.StartAsync();
        var page = browser.Page;

        await page.GotoAsync(serve.Address.ToString());
        await page.FillAsync("#token", "not-the-token-0123456789");
        await page.ClickAsync("#login-submit");
        await page.WaitForSelectorAsync("#login-error:has-text('That token is wrong.')");
        await browser.ScreenshotAsync("login-wrong-token");

        Assert.Equal(1, await page.Locator("#login").CountAsync());
        Assert.True(await page.Locator("#bar").IsHiddenAsync());
        Assert.Equal(0, await page.Locator("#episodes, #runs, #evaluations").CountAsync());
        Assert.Null(await page.EvaluateAsync<string?>("() => sessionStorage.getItem('agentgym.token')"));

        // A wrong token already in the session (say, from an old tab) is dropped and gets the form again.
        await page.EvaluateAsync("() => sessionStorage.setItem('agentgym.token', 'stale-token-0123456789')");
        await page.GotoAsync(new Uri(serve.Address, "/#/episodes").ToString());
        await page.WaitForSelectorAsync("#login");
        Assert.Equal(0, await page.Locator("#episodes").CountAsync());
        Assert.Null(await page.EvaluateAsync<string?>("() => sessionStorage.getItem('agentgym.token')"));
        // The data itself answers 401 to that token: the form is not the only guard.
        var status = await page.EvaluateAsync<int>("async () => (await fetch('/v1/dashboard/episodes', { headers: { Authorization: 'Bearer stale-token-0123456789' } })).status");
        Assert.Equal(401, status);
    }

    [BrowserFact]
    public async Task Log_lines_and_observations_holding_markup_stay_text()
    {
        const string id = "xss-episode";
        const string script = "<script>window.__pwned = 'script'; alert('script')</script>";
        const string image = "<img src=x onerror=\"window.__pwned = 'img'; alert('img')\">";
        WriteEpisode(id, script, image);
        await using var serve = await ServeProcess.StartAsync(_home, "--sandbox", "none");
        await using var browser = await Browser.StartAsync();
        var page = browser.Page;

        await browser.LoginAsync(serve.Address, ServeProcess.Token);
        await page.WaitForSelectorAsync($"#episodes td:has-text('{id}')");
        await browser.ScreenshotAsync("episodes");

        await page.GotoAsync(new Uri(serve.Address, $"/#/episode/{id}").ToString());
        var log = page.Locator("pre.log[data-run='run-1']");
        await log.Locator("text=onerror").WaitForAsync();
        await page.WaitForSelectorAsync(".verdict");
        await Task.Delay(500); // time for an injected handler, were there one, to fire
        await browser.ScreenshotAsync("episode-untrusted-text");

        var logText = await log.TextContentAsync();
        Assert.Contains(script, logText, StringComparison.Ordinal);
        Assert.Contains(image, logText, StringComparison.Ordinal);
        Assert.Contains(script, await page.Locator("pre.observation").Last.TextContentAsync(), StringComparison.Ordinal);
        Assert.Equal(0, await page.Locator("#view script, #view img").CountAsync());
        Assert.Null(await page.EvaluateAsync<string?>("() => window.__pwned ?? null"));
        Assert.Empty(browser.Dialogs);
        // The verdict is read generically: a check's name, state, reason and figures, whatever keys it has.
        var check = page.Locator(".check[data-check='time']");
        Assert.Contains("failed", await check.TextContentAsync(), StringComparison.Ordinal);
        Assert.Contains("measured_ms", await check.TextContentAsync(), StringComparison.Ordinal);
        Assert.Contains(script, await page.Locator(".check[data-check='heldout']").TextContentAsync(), StringComparison.Ordinal);
    }

    /// <summary>An episode folder as the environment writes it, with markup in a log line, an observation and a reason.</summary>
    private void WriteEpisode(string id, string script, string image)
    {
        var dir = Path.Combine(_home, "episodes", id);
        var run = Path.Combine(dir, "runs", "run-1");
        Directory.CreateDirectory(run);
        Directory.CreateDirectory(Path.Combine(dir, "start"));
        Directory.CreateDirectory(Path.Combine(dir, "workspace"));
        File.WriteAllText(Path.Combine(dir, "start", "train.py"), "lr = 1e-3\n");
        File.WriteAllText(Path.Combine(dir, "workspace", "train.py"), $"lr = 3e-3  # {script}\n");
        File.WriteAllText(Path.Combine(dir, "episode.json"), new JsonObject
        {
            ["episode_id"] = id, ["task_id"] = "test/xss", ["hints"] = "none", ["seed"] = 1, ["started_at"] = "2026-01-01T00:00:00+00:00",
            ["budgets"] = new JsonObject { ["max_steps"] = 10 },
        }.ToJsonString());
        var timings = new JsonObject { ["started_at"] = "2026-01-01T00:00:01+00:00", ["duration_ms"] = 12.5 };
        File.WriteAllLines(Path.Combine(dir, "trajectory.jsonl"),
        [
            new JsonObject { ["kind"] = "reset", ["step"] = 0, ["episode_id"] = id, ["observation"] = new JsonObject { ["text"] = "task", ["is_error"] = false }, ["timings"] = timings.DeepClone() }.ToJsonString(),
            new JsonObject
            {
                ["kind"] = "step", ["step"] = 1, ["episode_id"] = id,
                ["tool_call"] = new JsonObject { ["name"] = "read_file", ["arguments"] = $"{{\"path\": \"{image.Replace("\"", "\\\"", StringComparison.Ordinal)}\"}}" },
                ["observation"] = new JsonObject { ["text"] = $"model says {script}", ["is_error"] = true }, ["timings"] = timings.DeepClone(),
            }.ToJsonString(),
        ]);
        File.WriteAllLines(Path.Combine(run, "log.txt"), ["step:1/2 train_loss:2.0000 train_time:10ms step_avg:10.00ms", script, image]);
        File.WriteAllLines(Path.Combine(run, "metrics.jsonl"),
        [
            """{"step":1,"total_steps":2,"train_loss":2.0,"train_time_ms":10,"step_avg_ms":10,"host_ms":100}""",
            """{"step":2,"total_steps":2,"val_loss":1.9,"train_time_ms":20,"step_avg_ms":10,"host_ms":200}""",
        ]);
        File.WriteAllText(Path.Combine(run, "run.json"), """{"run_id":"run-1","state":"succeeded","exit_code":0}""");
        var verification = Path.Combine(dir, "verification", "20260101T000002Z");
        Directory.CreateDirectory(verification);
        File.WriteAllText(Path.Combine(verification, "verdict.json"), new JsonObject
        {
            ["passed"] = false, ["reward"] = 0.0, ["summary"] = "Verification failed: time.",
            ["checks"] = new JsonObject
            {
                ["time"] = new JsonObject { ["passed"] = false, ["reason"] = "slower than claimed", ["measured_ms"] = 1234.5, ["allowed_ms"] = 1000.0 },
                ["heldout"] = new JsonObject { ["passed"] = true, ["reason"] = script },
            },
        }.ToJsonString());
    }

    public void Dispose()
    {
        try { Directory.Delete(_home, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
