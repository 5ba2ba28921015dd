using AgentGym.Core.Sandboxing;
using AgentGym.Core.Tasks;
using AgentGym.Eval.Progress;
using AgentGym.Eval.Reporting;
using AgentGym.Eval.Running;
using AgentGym.Eval.Spec;

namespace AgentGym.Eval.Tests;

/// <summary>Issue 13, item 1 in eval: a cell whose run prints a nan loss is done, with the run recorded as diverged.</summary>
public sealed class DivergedRunEvalTests
{
    private const string Spec = """
        {
          "name": "diverged",
          "tasks": ["test/quick"],
          "hints": ["none"],
          "agents": [ { "kind": "noop", "settings": { "run_wait_seconds": 60 } } ],
          "seeds": [1],
          "budgets": { "max_steps": 10 },
          "scoring": { "pairs": 1 }
        }
        """;

    [Fact]
    public async Task A_cell_whose_run_prints_nan_is_done_and_its_run_is_diverged()
    {
        using var world = new QuickTask();
        var results = Path.Combine(world.Root, "diverged.sqlite");
        var output = new StringWriter();
        var summary = await Evaluations.RunAsync(new EvalOptions
        {
            Spec = ExperimentSpecs.Parse(Spec, world.Root),
            Tasks = TaskCatalog.Load(world.TasksDirectory),
            ResultsPath = results,
            Sandbox = new NanSandbox(),
            Progress = EvalProgressStyle.Lines,
            Output = output,
        });
        Assert.True(summary.Done == 1 && summary.Failed == 0, output.ToString());

        var data = await ReportData.LoadAsync(results, CancellationToken.None);
        var run = Assert.Single(data.Runs);
        Assert.Equal("diverged", run.State);
        Assert.True(run.Buggy);
        Assert.Null(run.FinalLoss);
        Assert.Equal("failed", Assert.Single(data.Episodes).Verdict);
    }

    /// <summary>Prints the three lines (a val_loss of nan in the middle) and exits 0.</summary>
    private sealed class NanSandbox : ISandbox
    {
        public string Name => "nan";

        public Task<SandboxRunResult> RunAsync(SandboxRunRequest request, ISandboxOutput output, CancellationToken cancellationToken)
        {
            var time = TimeProvider.System;
            var start = time.GetTimestamp();
            foreach (var line in new[]
            {
                "step:1/2 val_loss:2.5000 train_time:10ms step_avg:10.00ms",
                "step:2/2 val_loss:nan train_time:20ms step_avg:10.00ms",
                "one more plain line",
            })
            {
                output.OnLine(new SandboxLine(OutputStream.Stdout, line, time.GetTimestamp()));
            }
            var end = time.GetTimestamp();
            return Task.FromResult(new SandboxRunResult(RunOutcome.Succeeded, 0, "exited with code 0", time.GetElapsedTime(start, end), start, end));
        }
    }
}
