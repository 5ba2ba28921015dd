using AgentGym.Core.Tasks;
using AgentGym.Eval.Progress;
using AgentGym.Eval.Running;
using AgentGym.Eval.Spec;

namespace AgentGym.Eval.Tests;

/// <summary>GPU ids as eval hands them to concurrent cells, seen at the sandbox the cells' runs reach.</summary>
public sealed class GpuCellTests
{
    private const string Spec = """
        { "name": "gpu-cells", "tasks": ["test/quick"], "agents": [ { "kind": "noop", "settings": { "run_wait_seconds": 60 } } ],
          "seeds": [1, 2, 3], "concurrency": { "max_cells": 3, "cpus": 3, "gpus": ["0", "1"] }, "scoring": { "pairs": 1 } }
        """;

    [Fact]
    public async Task Two_concurrent_cells_get_disjoint_gpu_ids_and_a_third_waits_for_one()
    {
        using var world = new QuickTask();
        var manifest = QuickTask.Manifest();
        manifest["resources"]!["gpus"] = 1;
        File.WriteAllText(Path.Combine(world.TasksDirectory, "test", "quick", "task.json"), manifest.ToJsonString());
        var sandbox = new SimulatedSandbox { Gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously) };
        var eval = Evaluations.RunAsync(new EvalOptions
        {
            Spec = ExperimentSpecs.Parse(Spec, world.Root),
            Tasks = TaskCatalog.Load(world.TasksDirectory),
            ResultsPath = Path.Combine(world.Root, "r.sqlite"),
            Sandbox = sandbox,
            Progress = EvalProgressStyle.None,
        });

        // Every agent run waits at the gate, so the cells holding a GPU stay inside their leases until released.
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (AgentRuns(sandbox).Count < 2 && DateTime.UtcNow < deadline && !eval.IsCompleted) await Task.Delay(20);
        await Task.Delay(500); // time enough for a third cell to start, were it wrongly given a GPU
        var held = AgentRuns(sandbox);
        Assert.Equal(2, held.Count);
        Assert.Equal(2, held.Select(r => r.EpisodeId).Distinct().Count());
        Assert.All(held, r => Assert.Equal(1, r.Limits.Gpus));
        Assert.Equal(["0", "1"], held.SelectMany(r => r.Limits.GpuIds).Order(StringComparer.Ordinal));

        sandbox.Gate.SetResult();
        var summary = await eval.WaitAsync(TimeSpan.FromMinutes(3));
        Assert.Equal((3, 3, 0), (summary.Cells, summary.Done, summary.Failed));
        var all = AgentRuns(sandbox);
        Assert.Equal(3, all.Select(r => r.EpisodeId).Distinct().Count());
        // Each cell kept one id for all its runs, and every run got exactly one of the pool's ids.
        Assert.All(all.GroupBy(r => r.EpisodeId), g => Assert.Single(g.SelectMany(r => r.Limits.GpuIds).Distinct()));
        Assert.All(all, r => Assert.Contains(Assert.Single(r.Limits.GpuIds), new[] { "0", "1" }));
    }

    private static List<Core.Sandboxing.SandboxRunRequest> AgentRuns(SimulatedSandbox sandbox) =>
        sandbox.Requests.Where(r => r.RunId.StartsWith("run-", StringComparison.Ordinal)).ToList();
}
