using AgentGym.Core.Tasks;
using AgentGym.Eval.Export;
using AgentGym.Eval.Progress;
using AgentGym.Eval.Reporting;
using AgentGym.Eval.Running;
using AgentGym.Eval.Spec;
using Microsoft.Data.Sqlite;

namespace AgentGym.Eval.Tests;

/// <summary>One simulated experiment (oracle and noop, two hint regimes, two seeds), shared by the fast pipeline tests.</summary>
public sealed class SimulatedExperiment : IAsyncLifetime, IDisposable
{
    public const string Spec = """
        {
          "name": "simulated",
          "tasks": ["test/quick"],
          "hints": ["none", "L1"],
          "agents": [ { "kind": "oracle", "settings": { "run_wait_seconds": 60 } }, { "kind": "noop", "settings": { "run_wait_seconds": 60 } } ],
          "seeds": [1, 2],
          "budgets": { "max_steps": 30 },
          "concurrency": { "max_cells": 2, "cpus": 2 },
          "scoring": { "pairs": 1 }
        }
        """;

    internal QuickTask World { get; } = new();
    internal SimulatedSandbox Sandbox { get; } = new();
    public string Results => Path.Combine(World.Root, "simulated.sqlite");
    public EvalSummary Summary { get; private set; } = null!;
    public StringWriter Output { get; } = new();

    public async Task InitializeAsync()
    {
        var spec = ExperimentSpecs.Parse(Spec, World.Root);
        Summary = await Evaluations.RunAsync(new EvalOptions
        {
            Spec = spec,
            Tasks = TaskCatalog.Load(World.TasksDirectory),
            ResultsPath = Results,
            Sandbox = Sandbox,
            Progress = EvalProgressStyle.Lines,
            Output = Output,
        });
    }

    public Task DisposeAsync() => Task.CompletedTask;

    public void Dispose() => World.Dispose();
}

public sealed class EvalPipelineTests(SimulatedExperiment experiment) : IClassFixture<SimulatedExperiment>
{
    [Fact]
    public async Task Every_cell_is_done_once_and_oracle_beats_noop_in_the_report()
    {
        Assert.True(experiment.Summary.Done == 8, experiment.Output.ToString());
        Assert.Equal(0, experiment.Summary.Failed);
        Assert.Contains("start  test/quick | none | oracle | seed 1", experiment.Output.ToString(), StringComparison.Ordinal);

        var outDir = Path.Combine(experiment.World.Root, "report");
        var files = await Reports.WriteAsync(experiment.Results, outDir);
        var data = await ReportData.LoadAsync(experiment.Results, CancellationToken.None);
        Assert.Equal(8, data.Episodes.Count);
        Assert.All(data.Episodes, e => Assert.Equal("passed", e.Verdict));
        foreach (var hints in new[] { "none", "L1" })
        {
            var oracle = data.Episodes.Where(e => e.Agent == "oracle" && e.Hints == hints).Select(e => e.Fsr!.Value).ToList();
            var noop = data.Episodes.Where(e => e.Agent == "noop" && e.Hints == hints).Select(e => e.Fsr!.Value).ToList();
            Assert.True(oracle.Min() > noop.Max() + 0.5, $"{hints}: oracle {string.Join(",", oracle)} vs noop {string.Join(",", noop)}");
        }

        // The aggregates table (top-3 mean, IQM) in the written report puts oracle above noop.
        var aggregate = Reports.Tables(data).Single(t => t.Title.StartsWith("Aggregates", StringComparison.Ordinal));
        double Top3(string agent, string hints) => double.Parse(aggregate.Rows.Single(r => r[0] == agent && r[1] == hints)[3], System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(Top3("oracle", "none") > Top3("noop", "none"));
        Assert.True(Top3("oracle", "L1") > Top3("noop", "L1"));
        var markdown = File.ReadAllText(files.MarkdownPath);
        Assert.Contains("| oracle | none | 2 |", markdown, StringComparison.Ordinal);
        Assert.Contains("## Verification failures by check", markdown, StringComparison.Ordinal);
        Assert.Contains("| time_agreement | 0 | 8 |", markdown, StringComparison.Ordinal);
        var html = File.ReadAllText(files.HtmlPath);
        Assert.Contains("data:image/png;base64,", html, StringComparison.Ordinal);
        Assert.Equal(3, files.Images.Count);
        foreach (var image in files.Images) Checks.ValidPng(image);

        // Node shares: every run valid; oracle runs faster than the starting record (improved), noop's are not.
        var nodes = Reports.Tables(data).Single(t => t.Title.StartsWith("Executed nodes", StringComparison.Ordinal));
        Assert.StartsWith("100%", nodes.Rows.Single(r => r[0] == "oracle" && r[1] == "none")[5], StringComparison.Ordinal);
        Assert.StartsWith("0%", nodes.Rows.Single(r => r[0] == "noop" && r[1] == "none")[5], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Results_hold_runs_verdicts_checks_and_steps_of_each_episode()
    {
        await using var connection = new SqliteConnection($"Data Source={experiment.Results};Mode=ReadOnly;Pooling=False");
        await connection.OpenAsync();
        long Scalar(string sql)
        {
            using var c = connection.CreateCommand();
            c.CommandText = sql;
            return (long)c.ExecuteScalar()!;
        }
        Assert.Equal(8, Scalar("SELECT COUNT(*) FROM cells WHERE status = 'done'"));
        Assert.Equal(8, Scalar("SELECT COUNT(DISTINCT episode_id) FROM episodes"));
        Assert.Equal(8, Scalar("SELECT COUNT(*) FROM verdicts WHERE passed = 1"));
        Assert.Equal(8, Scalar("SELECT COUNT(*) FROM runs WHERE submitted = 1"));
        Assert.Equal(4, Scalar("SELECT COUNT(*) FROM runs r JOIN cells c ON c.id = r.cell_id WHERE c.agent = 'noop' AND r.start_code = 1"));
        Assert.Equal(0, Scalar("SELECT COUNT(*) FROM runs r JOIN cells c ON c.id = r.cell_id WHERE c.agent = 'oracle' AND r.start_code = 1"));
        Assert.Equal(8, Scalar("SELECT COUNT(*) FROM checks WHERE name = 'timing' AND passed = 1"));
        Assert.Equal(8, Scalar("SELECT COUNT(*) FROM checks WHERE name = 'time_agreement' AND passed = 1"));
        Assert.Equal(8, Scalar("SELECT COUNT(*) FROM steps WHERE kind = 'reset'"));
        Assert.Equal(8, Scalar("SELECT COUNT(*) FROM steps WHERE tool = 'submit' AND terminated = 1"));
        Assert.Equal(0, Scalar("SELECT COUNT(*) FROM episodes WHERE input_tokens <> 0")); // scripted agents use no model
    }

    [Fact]
    public async Task Export_writes_chat_format_lines_from_the_results_and_from_the_episodes_folder()
    {
        var fromResults = Path.Combine(experiment.World.Root, "export", "results.jsonl");
        var summary = await ChatExport.WriteAsync(experiment.Results, fromResults);
        Assert.Equal(8, summary.Episodes);
        var lines = Checks.ValidChatLines(fromResults);
        Assert.Equal(8, lines.Count);
        var oracle = lines.First(l => l["metadata"]!["agent"]!.GetValue<string>() == "oracle");
        Assert.True(oracle["reward"]!.GetValue<double>() > 0.5);
        Assert.Equal("passed", oracle["metadata"]!["verdict"]!.GetValue<string>());
        var calls = oracle["messages"]!.AsArray().Where(m => m!["role"]!.GetValue<string>() == "assistant")
            .SelectMany(m => m!["tool_calls"]!.AsArray()).Select(c => c!["function"]!["name"]!.GetValue<string>()).ToList();
        Assert.Equal("write_file", calls[0]);
        Assert.Equal("submit", calls[^1]);

        var fromFolder = Path.Combine(experiment.World.Root, "export", "episodes.jsonl");
        summary = await ChatExport.WriteAsync(experiment.Summary.EpisodesDirectory, fromFolder);
        Assert.Equal(8, summary.Episodes);
        Assert.Equal(8, Checks.ValidChatLines(fromFolder).Count);
    }
}
