using AgentGym.Core.Tasks;
using AgentGym.Eval.Running;
using AgentGym.Eval.Spec;
using AgentGym.Eval.Tests;

namespace AgentGym.Dashboard.Tests;

/// <summary>The evaluations view while `agentgym eval` writes, then against `agentgym report` of the finished file.</summary>
public sealed class EvaluationsPageTests : IDisposable
{
    private const string Spec = """
        {
          "name": "dashboard",
          "tasks": ["test/quick"],
          "hints": ["none"],
          "agents": [ { "kind": "oracle", "settings": { "run_wait_seconds": 60 } }, { "kind": "noop", "settings": { "run_wait_seconds": 60 } } ],
          "seeds": [1, 2],
          "budgets": { "max_steps": 30 },
          "concurrency": { "max_cells": 2, "cpus": 2 },
          "scoring": { "pairs": 1 }
        }
        """;

    private readonly QuickTask _world = new();
    private readonly TaskCompletionSource _gate = new(TaskCreationOptions.RunContinuationsAsynchronously);

    [BrowserFact]
    public async Task The_evaluations_view_follows_a_running_eval_and_shows_the_fsr_values_of_agentgym_report()
    {
        var results = Path.Combine(_world.Root, "results", "dashboard.sqlite");
        // The agents' runs wait at the gate: the page first sees an evaluation under way.
        var gate = _gate;
        var sandbox = new SimulatedSandbox { Gate = gate };
        var eval = Evaluations.RunAsync(new EvalOptions
        {
            Spec = ExperimentSpecs.Parse(Spec, _world.Root),
            Tasks = TaskCatalog.Load(_world.TasksDirectory),
            ResultsPath = results,
            Sandbox = sandbox,
            Output = TextWriter.Null,
        });
        await sandbox.FirstRunStarted.Task.WaitAsync(TimeSpan.FromMinutes(1));

        // The folder form of --results: every *.sqlite in it is listed.
        await using var serve = await ServeProcess.StartAsync(_world.Root, "--sandbox", "none", "--results", Path.GetDirectoryName(results)!);
        await using var browser = await Browser.StartAsync();
        var page = browser.Page;
        await browser.LoginAsync(serve.Address, ServeProcess.Token, "#/evaluations");
        await page.ClickAsync("#evaluations td:has-text('dashboard.sqlite')");
        await page.WaitForSelectorAsync("#progress-text:has-text('0 of 4 cells done')");
        Assert.Equal(0, await page.Locator("#fsr-table tbody tr td.n").CountAsync());

        gate.SetResult();
        var summary = await eval.WaitAsync(TimeSpan.FromMinutes(3));
        Assert.Equal(4, summary.Done);
        // The page re-reads the file by itself (every 5 s): no reload.
        await page.WaitForSelectorAsync("#progress-text:has-text('4 of 4 cells done')", new() { Timeout = 30_000 });
        await page.WaitForSelectorAsync("#fsr-table tbody tr >> nth=1");
        // One point per episode with a verified loss and time (which episodes have both is the scorer's business).
        var api = System.Text.Json.Nodes.JsonNode.Parse(await serve.Client.GetStringAsync("/v1/dashboard/evaluations/dashboard.sqlite"))!;
        var points = api["frontier"]![0]!["points"]!.AsArray().Count;
        await page.WaitForSelectorAsync($".frontier[data-points='{points}'] canvas");
        await browser.ScreenshotAsync("evaluation");

        var reportDir = Path.Combine(_world.Root, "report");
        var report = await ServeProcess.RunCliAsync(_world.Root, TimeSpan.FromMinutes(2), "report", results, "--out", reportDir);
        Assert.True(report.ExitCode == 0, report.Output);
        var (header, rows) = MarkdownTable(File.ReadAllText(Path.Combine(reportDir, "report.md")), "## FSR per task, hint regime and agent");
        Assert.Equal(2, rows.Count);
        var shownHeader = await page.EvalOnSelectorAllAsync<string[]>("#fsr-table thead th", "cells => cells.map(c => c.textContent)");
        var shown = await page.EvalOnSelectorAllAsync<string[][]>("#fsr-table tbody tr", "rows => rows.map(r => Array.from(r.cells, c => c.textContent))");
        Assert.Equal(header, shownHeader[..header.Length]);
        Assert.Equal(rows, shown.Select(r => r[..header.Length]).ToList());
        Assert.Equal("FSR 95% CI", shownHeader[^1]);
        Assert.All(shown, r => Assert.StartsWith("[", r[^1], StringComparison.Ordinal));
        Assert.Equal(2, await page.Locator("#cost-table tbody tr").CountAsync());
    }

    /// <summary>The header and rows of the Markdown table under a heading, cells trimmed.</summary>
    private static (string[] Header, List<string[]> Rows) MarkdownTable(string markdown, string heading)
    {
        var lines = markdown.Split('\n').SkipWhile(l => l.Trim() != heading).Skip(1).SkipWhile(l => !l.StartsWith('|')).TakeWhile(l => l.StartsWith('|')).ToList();
        static string[] Cells(string line) => [.. line.Trim().Trim('|').Split(" | ").Select(c => c.Trim())];
        return (Cells(lines[0]), [.. lines.Skip(2).Select(Cells)]);
    }

    public void Dispose()
    {
        _gate.TrySetResult(); // a failed assertion must not leave the eval's runs waiting forever
        _world.Dispose();
    }
}
