using AgentGym.Core.Tasks;
using AgentGym.Eval.Progress;
using AgentGym.Eval.Running;
using AgentGym.Eval.Spec;
using Microsoft.Data.Sqlite;

namespace AgentGym.Eval.Tests;

public sealed class ResumeTests
{
    private const string Spec = """
        { "name": "resume", "tasks": ["test/quick"], "agents": [ { "kind": "noop", "settings": { "run_wait_seconds": 60 } } ],
          "seeds": [1, 2], "scoring": { "pairs": 1 } }
        """;

    private static EvalOptions Options(QuickTask world, string results, SimulatedSandbox sandbox) => new()
    {
        Spec = ExperimentSpecs.Parse(Spec, world.Root),
        Tasks = TaskCatalog.Load(world.TasksDirectory),
        ResultsPath = results,
        Sandbox = sandbox,
        Progress = EvalProgressStyle.None,
    };

    [Fact]
    public async Task A_cancelled_cell_is_redone_by_the_next_run_and_finished_cells_are_kept()
    {
        using var world = new QuickTask();
        var results = Path.Combine(world.Root, "r.sqlite");
        var sandbox = new SimulatedSandbox { Gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously) };
        var options = Options(world, results, sandbox);
        using (var cts = new CancellationTokenSource())
        {
            var run = Evaluations.RunAsync(options, cts.Token);
            await sandbox.FirstRunStarted.Task.WaitAsync(TimeSpan.FromSeconds(30));
            await cts.CancelAsync();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run);
        }
        Assert.Equal(0, Count(results, "SELECT COUNT(*) FROM episodes"));
        Assert.Equal(2, Count(results, "SELECT COUNT(*) FROM cells WHERE status = 'pending'"));

        sandbox.Gate = null;
        var summary = await Evaluations.RunAsync(options);
        Assert.Equal((2, 0, 2, 0), (summary.Cells, summary.AlreadyDone, summary.Done, summary.Failed));
        var again = await Evaluations.RunAsync(options);
        Assert.Equal((2, 2, 0), (again.Cells, again.AlreadyDone, again.Done));
        Assert.Equal(2, Count(results, "SELECT COUNT(*) FROM episodes"));
        Assert.Equal(2, Count(results, "SELECT COUNT(*) FROM steps WHERE kind = 'reset'"));
        Assert.Equal(3, Count(results, "SELECT COUNT(*) FROM invocations"));
        Assert.Equal(2, Count(results, "SELECT attempts FROM cells WHERE seed = 1"));
    }

    [Fact]
    public async Task A_finished_agent_run_with_another_configuration_is_refused()
    {
        using var world = new QuickTask();
        var results = Path.Combine(world.Root, "r.sqlite");
        var options = Options(world, results, new SimulatedSandbox());
        await Evaluations.RunAsync(options);
        var changed = options with { Spec = ExperimentSpecs.Parse(Spec.Replace("\"run_wait_seconds\": 60", "\"run_wait_seconds\": 61", StringComparison.Ordinal), world.Root) };
        var ex = await Assert.ThrowsAsync<ExperimentSpecException>(() => Evaluations.RunAsync(changed));
        Assert.Contains("noop", ex.Field, StringComparison.Ordinal);
        Assert.Equal(2, Count(results, "SELECT COUNT(*) FROM episodes"));
    }

    [Fact]
    public async Task A_second_eval_on_the_same_results_file_is_refused_while_the_first_runs()
    {
        using var world = new QuickTask();
        var results = Path.Combine(world.Root, "r.sqlite");
        var sandbox = new SimulatedSandbox { Gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously) };
        var options = Options(world, results, sandbox);
        var first = Evaluations.RunAsync(options);
        await sandbox.FirstRunStarted.Task.WaitAsync(TimeSpan.FromSeconds(30));
        var ex = await Assert.ThrowsAsync<IOException>(() => Evaluations.RunAsync(options));
        Assert.Contains("Another agentgym eval", ex.Message, StringComparison.Ordinal);
        sandbox.Gate.SetResult();
        Assert.Equal(2, (await first).Done);
    }

    internal static long Count(string results, string sql)
    {
        using var connection = new SqliteConnection($"Data Source={results};Mode=ReadOnly;Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return Convert.ToInt64(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
    }
}

public sealed class UnverifiedReportTests
{
    [Fact]
    public async Task Without_a_sandbox_nothing_is_verified_and_the_report_still_renders()
    {
        using var world = new QuickTask();
        var results = Path.Combine(world.Root, "none.sqlite");
        var summary = await Evaluations.RunAsync(new EvalOptions
        {
            Spec = ExperimentSpecs.Parse("""{ "name": "none", "tasks": ["test/quick"], "agents": [ { "kind": "noop" } ], "hints": ["none", "L2"] }""", world.Root),
            Tasks = TaskCatalog.Load(world.TasksDirectory),
            ResultsPath = results,
            Sandbox = null,
            Progress = EvalProgressStyle.Json,
            Output = TextWriter.Null,
        });
        Assert.Equal(2, summary.Done);
        Assert.Equal(2, ResumeTests.Count(results, "SELECT COUNT(*) FROM episodes WHERE verdict = 'unverified' AND fsr IS NULL"));
        var files = await AgentGym.Eval.Reporting.Reports.WriteAsync(results, Path.Combine(world.Root, "report"));
        foreach (var image in files.Images) Checks.ValidPng(image);
        Assert.Contains("| test/quick | none | noop | 1 | - |", File.ReadAllText(files.MarkdownPath), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_file_that_is_not_a_results_file_is_refused_clearly()
    {
        using var world = new QuickTask();
        var bogus = Path.Combine(world.Root, "bogus.sqlite");
        File.WriteAllText(bogus, "not a database, just text that is long enough to have a header of some sort........");
        var (code, _, stderr) = await Cli.RunAsync(world, TimeSpan.FromMinutes(2), "report", bogus);
        Assert.Equal(1, code);
        Assert.Contains("error:", stderr, StringComparison.Ordinal);
        (code, _, stderr) = await Cli.RunAsync(world, TimeSpan.FromMinutes(2), "report", Path.Combine(world.Root, "missing.sqlite"));
        Assert.Equal(1, code);
        Assert.Contains("No results file", stderr, StringComparison.Ordinal);
    }
}
