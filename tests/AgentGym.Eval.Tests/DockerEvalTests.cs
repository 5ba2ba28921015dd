using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using AgentGym.Eval.Reporting;

namespace AgentGym.Eval.Tests;

/// <summary>
/// The real thing: `dotnet agentgym.dll eval` as a child process, the Docker sandbox, the agentgym-cpu image and a
/// tiny PyTorch script, scored by the verifier (log mode, one repeat).
/// </summary>
public sealed class DockerEvalTests
{
    [DockerFact]
    public async Task Oracle_beats_noop_in_docker_and_the_report_and_export_are_valid()
    {
        using var world = new QuickTask();
        var spec = world.WriteSpec("docker.json", """
            {
              "name": "docker-smoke",
              "tasks": ["test/quick"],
              "hints": ["none", "L1"],
              "agents": [ { "kind": "oracle", "settings": { "run_wait_seconds": 120 } }, { "kind": "noop", "settings": { "run_wait_seconds": 120 } } ],
              "seeds": [1, 2],
              "budgets": { "max_steps": 30 },
              "concurrency": { "max_cells": 2, "cpus": 2 },
              "scoring": { "pairs": 1 }
            }
            """);
        var results = Path.Combine(world.Root, "docker.sqlite");
        var eval = await Cli.RunAsync(world, TimeSpan.FromMinutes(8), "eval", spec, "--results", results, "--tasks-dir", world.TasksDirectory, "--json");
        Assert.True(eval.ExitCode == 0, eval.Stdout + eval.Stderr);
        var summary = eval.Stdout.Split('\n').Select(l => l.Trim()).Where(l => l.StartsWith('{')).Select(l => JsonNode.Parse(l)!).Last()["summary"]!;
        Assert.Equal(8, summary["done"]!.GetValue<int>());

        var report = await Cli.RunAsync(world, TimeSpan.FromMinutes(2), "report", results, "--out", Path.Combine(world.Root, "report"));
        Assert.True(report.ExitCode == 0, report.Stdout + report.Stderr);
        var data = await ReportData.LoadAsync(results, CancellationToken.None);
        var failedChecks = string.Join("\n", data.Checks.Where(c => !c.Passed).Select(c => $"cell {c.CellId}: {c.Name}: {c.Reason}"));
        Assert.True(failedChecks.Length == 0, failedChecks);
        var aggregate = Reports.Tables(data).Single(t => t.Title.StartsWith("Aggregates", StringComparison.Ordinal));
        double Cell(string agent, string hints, int column) => double.Parse(aggregate.Rows.Single(r => r[0] == agent && r[1] == hints)[column], CultureInfo.InvariantCulture);
        foreach (var hints in new[] { "none", "L1" })
        {
            Assert.True(Cell("oracle", hints, 3) > Cell("noop", hints, 3) + 0.5, string.Join("\n", aggregate.Rows.Select(r => string.Join(" | ", r))));
            Assert.True(Cell("oracle", hints, 4) > Cell("noop", hints, 4) + 0.5);
        }
        Assert.All(data.Episodes, e => Assert.Equal("passed", e.Verdict));
        var markdown = File.ReadAllText(Path.Combine(world.Root, "report", "report.md"));
        Assert.Contains("| test/quick | none | oracle | 2 |", markdown, StringComparison.Ordinal);
        foreach (var png in Directory.GetFiles(Path.Combine(world.Root, "report"), "*.png")) Checks.ValidPng(png);
        Assert.Equal(3, Directory.GetFiles(Path.Combine(world.Root, "report"), "*.png").Length);

        var jsonl = Path.Combine(world.Root, "episodes.jsonl");
        var export = await Cli.RunAsync(world, TimeSpan.FromMinutes(2), "export", results, "--out", jsonl);
        Assert.True(export.ExitCode == 0, export.Stdout + export.Stderr);
        Assert.Equal(8, Checks.ValidChatLines(jsonl).Count);
    }

    [DockerFact]
    public async Task Killing_eval_while_a_cell_runs_and_rerunning_completes_with_no_duplicate_rows()
    {
        using var world = new QuickTask();
        var spec = world.WriteSpec("kill.json", """
            { "name": "kill", "tasks": ["test/quick"], "agents": [ { "kind": "noop", "settings": { "run_wait_seconds": 120 } } ],
              "seeds": [1, 2], "concurrency": { "max_cells": 1 }, "scoring": { "pairs": 1 } }
            """);
        var results = Path.Combine(world.Root, "kill.sqlite");
        string[] args = ["eval", spec, "--results", results, "--tasks-dir", world.TasksDirectory, "--json"];

        int killedPid;
        using (var process = Process.Start(Cli.StartInfo(world, args))!)
        {
            killedPid = process.Id;
            var stderr = process.StandardError.ReadToEndAsync();
            var finished = 0;
            await Cli.ReadEventsUntilAsync(process, stderr, ev =>
            {
                if (ev == "cell_finished") finished++;
                return ev == "cell_started" && finished == 1; // the second cell is running now
            });
            // Let the second cell get into its training run (a container is up), then kill the process outright.
            await Task.Delay(TimeSpan.FromSeconds(4));
            process.Kill(entireProcessTree: false);
            await process.WaitForExitAsync();
        }
        Assert.Equal(1, ResumeTests.Count(results, "SELECT COUNT(*) FROM cells WHERE status = 'done'"));
        Assert.Equal(1, ResumeTests.Count(results, "SELECT COUNT(*) FROM cells WHERE status = 'running'"));
        Assert.Equal(1, ResumeTests.Count(results, "SELECT COUNT(*) FROM episodes"));

        var rerun = await Cli.RunAsync(world, TimeSpan.FromMinutes(4), args);
        Assert.True(rerun.ExitCode == 0, rerun.Stdout + rerun.Stderr);
        var summary = rerun.Stdout.Split('\n').Select(l => l.Trim()).Where(l => l.StartsWith('{')).Select(l => JsonNode.Parse(l)!).Last()["summary"]!;
        Assert.Equal(1, summary["already_done"]!.GetValue<int>());
        Assert.Equal(1, summary["done"]!.GetValue<int>());

        Assert.Equal(2, ResumeTests.Count(results, "SELECT COUNT(*) FROM cells WHERE status = 'done'"));
        Assert.Equal(2, ResumeTests.Count(results, "SELECT COUNT(*) FROM episodes"));
        Assert.Equal(2, ResumeTests.Count(results, "SELECT COUNT(DISTINCT episode_id) FROM episodes"));
        Assert.Equal(2, ResumeTests.Count(results, "SELECT COUNT(*) FROM verdicts"));
        Assert.Equal(2, ResumeTests.Count(results, "SELECT COUNT(*) FROM steps WHERE kind = 'reset'"));
        Assert.Equal(2, ResumeTests.Count(results, "SELECT COUNT(*) FROM runs WHERE submitted = 1"));
        Assert.Equal(0, ResumeTests.Count(results, "SELECT COUNT(*) FROM (SELECT cell_id, run_id FROM runs GROUP BY cell_id, run_id HAVING COUNT(*) > 1)"));
        Assert.Equal(1, ResumeTests.Count(results, "SELECT attempts FROM cells WHERE seed = 1"));
        Assert.Equal(2, ResumeTests.Count(results, "SELECT attempts FROM cells WHERE seed = 2"));
        // The killed process's containers were swept by the rerun's sandbox (their owner is dead).
        var leftovers = await Cli.DockerAsync("ps", "-aq", "--filter", $"label=agentgym.owner-pid={killedPid}");
        Assert.Equal("", leftovers.Trim());
    }

    [DockerFact]
    public async Task Ctrl_c_during_a_cell_stops_its_container_and_says_how_to_resume()
    {
        using var world = new QuickTask();
        var spec = world.WriteSpec("interrupt.json", """
            { "name": "interrupt", "tasks": ["test/quick"], "agents": [ { "kind": "noop", "settings": { "run_wait_seconds": 120 } } ],
              "seeds": [1], "concurrency": { "max_cells": 1 }, "scoring": { "pairs": 1 } }
            """);
        var results = Path.Combine(world.Root, "interrupt.sqlite");
        using var process = Process.Start(Cli.StartInfo(world, ["eval", spec, "--results", results, "--tasks-dir", world.TasksDirectory, "--json"], interruptible: true))!;
        var stderr = process.StandardError.ReadToEndAsync();
        await Cli.ReadEventsUntilAsync(process, stderr, ev => ev == "cell_started");
        // Wait until the cell's training container is up, then send what a terminal sends on Ctrl+C.
        var label = $"label=agentgym.owner-pid={process.Id}";
        for (var i = 0; i < 120 && (await Cli.DockerAsync("ps", "-q", "--filter", label)).Trim().Length == 0; i++) await Task.Delay(500);
        Assert.NotEqual("", (await Cli.DockerAsync("ps", "-q", "--filter", label)).Trim());
        await Task.Delay(TimeSpan.FromSeconds(3)); // into the training run
        using (var kill = Process.Start("kill", ["-INT", process.Id.ToString(CultureInfo.InvariantCulture)])) await kill.WaitForExitAsync();
        using (var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(1))) await process.WaitForExitAsync(timeout.Token);
        var error = await stderr;

        Assert.True(process.ExitCode == 130, $"exit {process.ExitCode}: {error}");
        Assert.Contains("interrupted: finished cells are kept", error, StringComparison.Ordinal);
        // The gym cleaned up before exiting: no container of this process is left for a later sweep.
        Assert.Equal("", (await Cli.DockerAsync("ps", "-aq", "--filter", label)).Trim());
        Assert.Equal(1, ResumeTests.Count(results, "SELECT COUNT(*) FROM cells WHERE status = 'pending'"));
    }
}
