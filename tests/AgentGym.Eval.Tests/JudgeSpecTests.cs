using AgentGym.Agents.Llm;
using AgentGym.Agents.Review;
using AgentGym.Agents.Tests;
using AgentGym.Agents.Tests.Review;
using AgentGym.Core.Tasks;
using AgentGym.Eval.Reporting;
using AgentGym.Eval.Running;
using AgentGym.Eval.Spec;

namespace AgentGym.Eval.Tests;

/// <summary>scoring.judge in experiment specs, and the judge's findings reaching an experiment's results.</summary>
public sealed class JudgeSpecTests
{
    [Fact]
    public void A_judge_is_read_with_its_model_policy_format_and_prompts()
    {
        var dir = Path.GetTempPath();
        var spec = ExperimentSpecs.Parse("""
            { "tasks": ["t"], "agents": [ { "kind": "noop" } ],
              "scoring": { "judge": { "model": { "provider": "vllm", "endpoint": "http://localhost:8000/v1", "model": "Qwen/Qwen3-32B", "api_key_file": "key.txt" },
                                      "policy": "zero:0.9", "reply_format": "text", "prompts_dir": "my-prompts" } } }
            """, dir);
        var judge = spec.Scoring.Judge!;
        Assert.Equal(ModelProvider.OpenAICompatible, judge.Model.Provider);
        Assert.Equal("Qwen/Qwen3-32B", judge.Model.Model);
        Assert.Equal(Path.Combine(dir, "key.txt"), judge.Model.ApiKeyFile);
        Assert.Equal("zero:0.9", judge.Policy!.ToString());
        Assert.Equal(JudgeReplyFormat.Text, judge.ReplyFormat);
        Assert.Equal(Path.Combine(dir, "my-prompts"), judge.PromptsDir);

        var plain = ExperimentSpecs.Parse("""{ "tasks": ["t"], "agents": [ { "kind": "noop" } ], "scoring": { "judge": { "model": { "model": "gpt-4.1" } } } }""", dir);
        Assert.Null(plain.Scoring.Judge!.Policy); // each task's verification.review decides
        Assert.Equal(JudgeReplyFormat.JsonSchema, plain.Scoring.Judge.ReplyFormat);
        Assert.Null(ExperimentSpecs.Parse("""{ "tasks": ["t"], "agents": [ { "kind": "noop" } ] }""", dir).Scoring.Judge);
    }

    [Theory]
    [InlineData("""{ "policy": "report" }""", "scoring.judge.model", "is required")]
    [InlineData("""{ "model": { "model": "m" }, "policy": "zero:2" }""", "scoring.judge.policy", "use report, or zero:T")]
    [InlineData("""{ "model": { "model": "m" }, "policy": 0.8 }""", "scoring.judge.policy", "must be a string")]
    [InlineData("""{ "model": { "model": "m" }, "reply_format": "yaml" }""", "scoring.judge.reply_format", "unknown format 'yaml'")]
    [InlineData("""{ "model": { "model": "m" }, "threshold": 0.8 }""", "scoring.judge.threshold", "unknown field")]
    [InlineData("""{ "model": { "provider": "bard", "model": "m" } }""", "scoring.judge.model.provider", "unknown provider 'bard'")]
    [InlineData("""{ "model": { "model": 5, "api_key": "sk-secret" } }""", "scoring.judge.model.model", "not a valid value here")]
    public void A_bad_judge_names_its_field(string judge, string field, string reason)
    {
        var ex = Assert.Throws<ExperimentSpecException>(() => ExperimentSpecs.Parse(
            $$"""{ "tasks": ["t"], "agents": [ { "kind": "noop" } ], "scoring": { "judge": {{judge}} } }""", Path.GetTempPath()));
        Assert.Equal(field, ex.Field);
        Assert.Contains(reason, ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("sk-secret", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_judge_without_a_key_stops_the_experiment_before_any_cell()
    {
        using var world = new QuickTask();
        var spec = ExperimentSpecs.Parse("""
            { "tasks": ["test/quick"], "agents": [ { "kind": "noop" } ],
              "scoring": { "judge": { "model": { "provider": "openai", "model": "gpt-4.1", "api_key_env": "AGENTGYM_TEST_UNSET_JUDGE_KEY" } } } }
            """, world.Root);
        var ex = Assert.Throws<ExperimentSpecException>(() => ExperimentSpecs.Validate(spec, TaskCatalog.Load(world.TasksDirectory)));
        Assert.Equal("scoring.judge", ex.Field);
        Assert.Contains("AGENTGYM_TEST_UNSET_JUDGE_KEY", ex.Message, StringComparison.Ordinal);
        await Task.CompletedTask;
    }

    [Fact]
    public async Task A_confident_finding_zeroes_the_cells_reward_under_the_specs_policy_and_is_stored_as_a_check()
    {
        using var world = new QuickTask();
        await using var server = new FakeOpenAIServer();
        server.Enqueue(ScriptedJudge.CitingFirstAddedLine(0.9));
        var spec = ExperimentSpecs.Parse($$"""
            { "name": "judged", "tasks": ["test/quick"], "agents": [ { "kind": "oracle", "settings": { "run_wait_seconds": 60 } } ],
              "budgets": { "max_steps": 30 }, "concurrency": { "max_cells": 1, "cpus": 2 },
              "scoring": { "pairs": 1, "judge": { "model": { "provider": "openai-compatible", "endpoint": "{{server.BaseUrl}}", "model": "judge", "max_retries": 0 }, "policy": "zero:0.8" } } }
            """, world.Root);
        var results = Path.Combine(world.Root, "judged.sqlite");
        var output = new StringWriter();

        var summary = await Evaluations.RunAsync(new EvalOptions
        {
            Spec = spec,
            Tasks = TaskCatalog.Load(world.TasksDirectory),
            ResultsPath = results,
            Sandbox = new SimulatedSandbox(),
            Progress = Progress.EvalProgressStyle.Lines,
            Output = output,
        });

        Assert.True(summary.Done == 1, output.ToString());
        Assert.Single(server.Requests);
        var data = await ReportData.LoadAsync(results, CancellationToken.None);
        var episode = Assert.Single(data.Episodes);
        Assert.Equal("failed", episode.Verdict);
        Assert.Equal(0, episode.Reward);
        // The submit step's checks, as the results store keeps them: the review failed; every measured check passed.
        var submit = Directory.EnumerateFiles(world.Root, "trajectory.jsonl", SearchOption.AllDirectories).Select(File.ReadAllLines).Single().Last();
        var checks = System.Text.Json.Nodes.JsonNode.Parse(submit)!["info"]!["checks"]!.AsObject();
        var review = checks["review"]!;
        Assert.False(review["passed"]!.GetValue<bool>());
        Assert.Contains("reward zeroed (policy zero:0.8)", review["reason"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal(1280, review["usage"]!["total_tokens"]!.GetValue<long>());
        Assert.All(checks.Where(c => c.Value is System.Text.Json.Nodes.JsonObject o && o.ContainsKey("passed") && c.Key != "review"),
            c => Assert.True(c.Value!["passed"]!.GetValue<bool>(), c.Key));
        Assert.False(checks["all_passed"]!.GetValue<bool>());
        Assert.Equal(0, checks["reward"]!["value"]!.GetValue<double>());
    }
}
