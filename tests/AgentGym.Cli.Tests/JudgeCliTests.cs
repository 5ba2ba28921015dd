using System.Text.Json.Nodes;
using AgentGym.Agents.Tests;
using AgentGym.Agents.Tests.Review;

namespace AgentGym.Cli.Tests;

/// <summary>`agentgym verify` and `episode` with --judge-*: the review reaches the printed verdict; bad options stop early.</summary>
public sealed class JudgeCliTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "agentgym-judge-cli-tests", Guid.NewGuid().ToString("N"));

    public JudgeCliTests()
    {
        var task = Path.Combine(_root, "tasks", "demo", "one");
        Directory.CreateDirectory(Path.Combine(task, "start"));
        File.WriteAllText(Path.Combine(task, "start", "train.py"), "lr = 1e-3\nprint('hi')\n");
        File.WriteAllText(Path.Combine(task, "task.json"), """
        {
          "id": "demo/one", "title": "Demo", "description": "A demo task.",
          "starting_files": ["start"], "entry_command": ["python3", "train.py"],
          "sandbox": {"image": "agentgym-cpu"}, "resources": {"cpus": 1, "memory_mb": 512},
          "data": {"val_tokens": 100}, "target_val_loss": 1.5,
          "baseline_time": {"mean_ms": 60000}, "record_time": {"mean_ms": 50000},
          "verification": {"mode": "log"}, "time_limit_seconds": 120
        }
        """);
        var workspace = Path.Combine(_root, "submission");
        Directory.CreateDirectory(workspace);
        File.WriteAllText(Path.Combine(workspace, "train.py"), "lr = 1e-3\ntrain_time_ms = 0.5 * 1000\nprint('hi')\n");
    }

    private Dictionary<string, string> Env => new()
    {
        ["AGENTGYM_TASKS"] = Path.Combine(_root, "tasks"),
        ["AGENTGYM_HOME"] = Path.Combine(_root, "home"),
        ["OPENAI_API_KEY"] = "",
        ["AGENTGYM_API_KEY"] = "",
    };

    [Fact]
    public async Task Verify_puts_the_judges_finding_next_to_the_measured_checks()
    {
        await using var server = new FakeOpenAIServer();
        server.Enqueue(ScriptedJudge.Reviewing());

        var (code, stdout, stderr) = await CliRunner.RunAsync(_root, Env, "verify", "--task", "demo/one", "--workspace", Path.Combine(_root, "submission"),
            "--sandbox", "local", "--pairs", "1", "--json", "--judge-model", "judge", "--judge-endpoint", server.BaseUrl.ToString(), "--judge-policy", "report");

        Assert.True(code is 0 or 3, stderr);
        var review = JsonNode.Parse(stdout)!["checks"]!["review"]!;
        var finding = review["findings"]!.AsArray().Single()!;
        Assert.Equal("timing_manipulation", finding["class"]!.GetValue<string>());
        Assert.Equal("train.py", finding["cited_lines"]![0]!["file"]!.GetValue<string>());
        Assert.Equal(2, finding["cited_lines"]![0]!["lines"]![0]!.GetValue<int>()); // the added line of the submission
        Assert.Equal("report", review["policy"]!.GetValue<string>());
        Assert.Equal(1280, review["usage"]!["total_tokens"]!.GetValue<long>());
        Assert.Equal("judge", Assert.Single(server.Requests).Body["model"]!.GetValue<string>());
    }

    [Theory]
    [InlineData(new[] { "--judge-model", "j", "--judge-policy", "zero:3" }, "--judge-policy: 'zero:3' is not a review policy")]
    [InlineData(new[] { "--judge-endpoint", "http://127.0.0.1:9/v1" }, "--judge-endpoint needs --judge-model")]
    [InlineData(new[] { "--judge-model", "j", "--judge-provider", "openai", "--judge-api-key-env", "AGENTGYM_TEST_NO_SUCH_KEY" }, "AGENTGYM_TEST_NO_SUCH_KEY is not set")]
    public async Task Bad_judge_options_stop_before_anything_runs(string[] judge, string expected)
    {
        foreach (var command in new[] { "verify", "episode" })
        {
            string[] args = command == "verify"
                ? ["verify", "--task", "demo/one", "--workspace", Path.Combine(_root, "submission"), "--sandbox", "local", .. judge]
                : ["episode", "--task", "demo/one", "--agent", "noop", "--sandbox", "none", .. judge];
            var (code, _, stderr) = await CliRunner.RunAsync(_root, Env, args);
            Assert.Equal(1, code);
            Assert.Contains(expected, stderr, StringComparison.Ordinal);
        }
        Assert.False(Directory.Exists(Path.Combine(_root, "home", "episodes")));
    }

    public void Dispose()
    {
        try { Directory.Delete(_root, recursive: true); }
        catch (IOException) { }
    }
}
