using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using AgentGym.Eval.Tests;
using Microsoft.Data.Sqlite;
using EvalCli = AgentGym.Eval.Tests.Cli;

namespace AgentGym.Slurm.Tests;

/// <summary>
/// `agentgym eval` with "sandbox": "slurm" as a child process: four cells of the quick CPU task, two in flight, every
/// training and verification run a Slurm job. The process is SIGKILLed mid-experiment and rerun.
/// </summary>
public sealed class SlurmEvalTests
{
    [SlurmFact]
    public async Task An_eval_of_four_cells_on_slurm_survives_a_sigkill_and_resumes_without_duplicate_rows()
    {
        using var world = new QuickTask();
        var spec = world.WriteSpec("slurm.json", """
            { "name": "slurm", "tasks": ["test/quick"], "agents": [ { "kind": "noop", "settings": { "run_wait_seconds": 300 } } ],
              "seeds": [1, 2, 3, 4], "concurrency": { "max_cells": 2 }, "scoring": { "pairs": 1 }, "sandbox": "slurm" }
            """);
        var results = Path.Combine(world.Root, "slurm.sqlite");
        string[] args = ["eval", spec, "--results", results, "--tasks-dir", world.TasksDirectory, "--json"];

        int killedPid;
        using (var process = Process.Start(EvalCli.StartInfo(world, args))!)
        {
            killedPid = process.Id;
            var stderr = process.StandardError.ReadToEndAsync();
            var finished = 0;
            await EvalCli.ReadEventsUntilAsync(process, stderr, ev => ev == "cell_finished" && ++finished == 1, TimeSpan.FromMinutes(10));
            // A later cell's job is on the cluster now (or soon): kill the gym outright while it runs.
            var owner = $"agentgym-owner={System.Environment.MachineName}:{killedPid}";
            for (var i = 0; i < 300 && (await OwnedJobsAsync(owner)).Count == 0; i++) await Task.Delay(200);
            Assert.NotEmpty(await OwnedJobsAsync(owner));
            process.Kill(entireProcessTree: false);
            await process.WaitForExitAsync();
        }
        var doneBefore = Count(results, "SELECT COUNT(*) FROM cells WHERE status = 'done'");
        Assert.InRange(doneBefore, 1, 3);

        var rerun = await EvalCli.RunAsync(world, TimeSpan.FromMinutes(15), args);
        Assert.True(rerun.ExitCode == 0, rerun.Stdout + rerun.Stderr);
        var summary = rerun.Stdout.Split('\n').Select(l => l.Trim()).Where(l => l.StartsWith('{')).Select(l => JsonNode.Parse(l)!).Last()["summary"]!;
        Assert.Equal(doneBefore, summary["already_done"]!.GetValue<int>());
        Assert.Equal(4 - doneBefore, summary["done"]!.GetValue<int>());

        Assert.Equal(4, Count(results, "SELECT COUNT(*) FROM cells WHERE status = 'done'"));
        Assert.Equal(4, Count(results, "SELECT COUNT(*) FROM episodes"));
        Assert.Equal(4, Count(results, "SELECT COUNT(DISTINCT episode_id) FROM episodes"));
        Assert.Equal(4, Count(results, "SELECT COUNT(*) FROM verdicts"));
        Assert.Equal(4, Count(results, "SELECT COUNT(*) FROM runs WHERE submitted = 1"));
        Assert.Equal(0, Count(results, "SELECT COUNT(*) FROM (SELECT cell_id, run_id FROM runs GROUP BY cell_id, run_id HAVING COUNT(*) > 1)"));
        // Every cell was verified through Slurm: the runs and the verifier's re-run succeeded.
        Assert.Equal(4, Count(results, "SELECT COUNT(*) FROM runs WHERE submitted = 1 AND state = 'succeeded'"));
        Assert.Equal(4, Count(results, "SELECT COUNT(*) FROM checks WHERE name = 'runs' AND passed = 1"));
        // The killed gym's jobs did not outlive the rerun: its sweep cancelled what was still queued or running.
        Assert.Empty(await OwnedJobsAsync($"agentgym-owner={System.Environment.MachineName}:{killedPid}"));
    }

    /// <summary>Active jobs whose comment names this owner.</summary>
    private static async Task<List<string>> OwnedJobsAsync(string owner)
    {
        var listing = await SlurmSandboxTests.SlurmAsync("squeue", "-h", "-t", "PENDING,RUNNING,COMPLETING", "-o", "%i|%k");
        return listing.Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(l => l.EndsWith("|" + owner, StringComparison.Ordinal)).ToList();
    }

    private static long Count(string results, string sql)
    {
        using var connection = new SqliteConnection($"Data Source={results};Mode=ReadOnly;Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return Convert.ToInt64(command.ExecuteScalar(), CultureInfo.InvariantCulture);
    }
}
