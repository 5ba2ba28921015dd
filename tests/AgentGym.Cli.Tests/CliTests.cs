using System.Text.Json.Nodes;

namespace AgentGym.Cli.Tests;

public sealed class CliTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "agentgym-cli-tests", Guid.NewGuid().ToString("N"));

    public CliTests()
    {
        var task = Path.Combine(_root, "tasks", "demo", "one");
        Directory.CreateDirectory(Path.Combine(task, "start"));
        File.WriteAllText(Path.Combine(task, "start", "train.py"), "lr = 1e-3\nprint('hi')\n");
        Directory.CreateDirectory(Path.Combine(task, "hints"));
        File.WriteAllText(Path.Combine(task, "hints", "l1.txt"), "raise lr");
        File.WriteAllText(Path.Combine(task, "task.json"), """
        {
          "id": "demo/one", "title": "Demo", "description": "A demo task.",
          "starting_files": ["start"], "entry_command": ["python3", "train.py"],
          "sandbox": {"image": "agentgym-cpu"}, "resources": {"cpus": 1, "memory_mb": 512},
          "data": {"val_tokens": 100}, "target_val_loss": 1.5,
          "baseline_time": {"mean_ms": 60000, "std_ms": 2000}, "record_time": {"mean_ms": 50000},
          "hints": {"L1": "hints/l1.txt"},
          "verification": {"mode": "log"}, "time_limit_seconds": 120
        }
        """);
    }

    private Dictionary<string, string> Env => new() { ["AGENTGYM_TASKS"] = Path.Combine(_root, "tasks"), ["AGENTGYM_HOME"] = Path.Combine(_root, "home") };

    [Fact]
    public async Task Tasks_list_shows_target_times_and_hint_regimes()
    {
        var (code, stdout, stderr) = await CliRunner.RunAsync(_root, Env, "tasks", "list");
        Assert.True(code == 0, stderr);
        Assert.Contains("demo/one", stdout);
        Assert.Contains("1.5", stdout);
        Assert.Contains("60.0±2.0 s", stdout);
        Assert.Contains("50.0 s", stdout);
        Assert.Contains("none,L1", stdout);
        Assert.Contains("1 tasks", stdout);
    }

    [Fact]
    public async Task Tasks_list_reports_a_broken_manifest_and_still_lists_the_good_one()
    {
        var bad = Path.Combine(_root, "tasks", "demo", "bad");
        Directory.CreateDirectory(bad);
        File.WriteAllText(Path.Combine(bad, "task.json"), "{\"id\": \"demo/bad\"}");
        var (code, stdout, stderr) = await CliRunner.RunAsync(_root, Env, "tasks", "list", "--json");
        Assert.Equal(2, code);
        var json = JsonNode.Parse(stdout)!;
        Assert.Equal("demo/one", json["tasks"]![0]!["id"]!.GetValue<string>());
        Assert.Contains("required field is missing", json["errors"]![0]!["reason"]!.GetValue<string>());
        Assert.Contains("bad", stderr);
    }

    [Fact]
    public async Task Tasks_list_fails_on_a_manifest_with_a_misspelt_key_and_still_lists_the_good_one()
    {
        var typo = Path.Combine(_root, "tasks", "demo", "typo");
        Directory.CreateDirectory(typo);
        var text = File.ReadAllText(Path.Combine(_root, "tasks", "demo", "one", "task.json"))
            .Replace("demo/one", "demo/typo", StringComparison.Ordinal)
            .Replace("\"mode\": \"log\"", "\"mode\": \"log\", \"protectd\": [{\"file\": \"train.py\"}]", StringComparison.Ordinal)
            .Replace("\"start\"]", "\"../one/start\"]", StringComparison.Ordinal)
            .Replace("\"hints\": {\"L1\": \"hints/l1.txt\"},", "", StringComparison.Ordinal);
        File.WriteAllText(Path.Combine(typo, "task.json"), text);
        var (code, stdout, stderr) = await CliRunner.RunAsync(_root, Env, "tasks", "list");
        Assert.Equal(2, code);
        Assert.Contains("demo/one", stdout);
        Assert.DoesNotContain("demo/typo", stdout);
        Assert.Contains("verification.protectd", stderr);
        Assert.Contains("did you mean 'protected'?", stderr);
    }

    [Fact]
    public async Task Tasks_show_prints_the_manifest_and_an_unknown_id_fails_clearly()
    {
        var (code, stdout, _) = await CliRunner.RunAsync(_root, Env, "tasks", "show", "demo/one", "--json");
        Assert.Equal(0, code);
        Assert.Equal(1.5, JsonNode.Parse(stdout)!["target_val_loss"]!.GetValue<double>());
        var missing = await CliRunner.RunAsync(_root, Env, "tasks", "show", "demo/two");
        Assert.Equal(1, missing.ExitCode);
        Assert.Contains("No task 'demo/two'", missing.Stderr);
    }

    [Fact]
    public async Task A_replayed_episode_writes_a_trajectory_that_a_second_replay_reproduces()
    {
        var recorded = Path.Combine(_root, "recorded.jsonl");
        File.WriteAllLines(recorded,
        [
            """{"kind":"step","step":1,"episode_id":"x","task_id":"demo/one","tool_call":{"name":"read_file","arguments":"{\"path\":\"train.py\"}"},"observation":{"text":"","is_error":false},"timings":{"started_at":"2026-01-01T00:00:00Z","duration_ms":1}}""",
            """{"kind":"step","step":2,"episode_id":"x","task_id":"demo/one","tool_call":{"name":"edit_file","arguments":"{\"path\":\"train.py\",\"old_str\":\"lr = 1e-3\",\"new_str\":\"lr = 2e-3\"}"},"observation":{"text":"","is_error":false},"timings":{"started_at":"2026-01-01T00:00:00Z","duration_ms":1}}""",
            """{"kind":"step","step":3,"episode_id":"x","task_id":"demo/one","tool_call":{"name":"read_file","arguments":"{\"path\": 3}"},"observation":{"text":"","is_error":false},"timings":{"started_at":"2026-01-01T00:00:00Z","duration_ms":1}}""",
            """{"kind":"step","step":4,"episode_id":"x","task_id":"demo/one","tool_call":{"name":"submit","arguments":"{}"},"observation":{"text":"","is_error":false},"timings":{"started_at":"2026-01-01T00:00:00Z","duration_ms":1}}""",
        ]);

        var first = await CliRunner.RunAsync(_root, Env, "episode", "--task", "demo/one", "--agent", "replay", "--trajectory", recorded, "--sandbox", "none", "--json");
        Assert.True(first.ExitCode == 0, first.Stderr);
        var firstSummary = Summary(first.Stdout);
        Assert.Equal(4, firstSummary["steps"]!.GetValue<int>());
        Assert.True(firstSummary["terminated"]!.GetValue<bool>());
        var firstPath = firstSummary["trajectory"]!.GetValue<string>();
        Assert.StartsWith(Path.Combine(_root, "home", "episodes"), firstPath);

        var second = await CliRunner.RunAsync(_root, Env, "episode", "--task", "demo/one", "--agent", "replay", "--trajectory", firstPath, "--sandbox", "none", "--json");
        Assert.True(second.ExitCode == 0, second.Stderr);
        var secondPath = Summary(second.Stdout)["trajectory"]!.GetValue<string>();

        var a = Steps(firstPath);
        var b = Steps(secondPath);
        Assert.Equal(5, a.Count);
        Assert.Equal(a.Count, b.Count);
        for (var i = 0; i < a.Count; i++)
        {
            Assert.Equal(a[i]["tool_call"]?.ToJsonString(), b[i]["tool_call"]?.ToJsonString());
            Assert.Equal(a[i]["observation"]!.ToJsonString(), b[i]["observation"]!.ToJsonString());
            Assert.Equal(a[i]["terminated"]?.ToJsonString(), b[i]["terminated"]?.ToJsonString());
        }
        Assert.Contains("2e-3", a[2]["observation"]!["text"]!.GetValue<string>());
        Assert.True(a[3]["observation"]!["is_error"]!.GetValue<bool>());

        // Each step is printed as it happens.
        Assert.Equal(5, first.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
    }

    [Fact]
    public async Task Episode_with_a_missing_trajectory_or_unknown_agent_fails_with_a_message()
    {
        var missing = await CliRunner.RunAsync(_root, Env, "episode", "--task", "demo/one", "--agent", "replay", "--trajectory", "nope.jsonl", "--sandbox", "none");
        Assert.Equal(1, missing.ExitCode);
        Assert.Contains("nope.jsonl", missing.Stderr);
        var unknown = await CliRunner.RunAsync(_root, Env, "episode", "--task", "demo/one", "--agent", "genius", "--sandbox", "none");
        Assert.Equal(1, unknown.ExitCode);
        Assert.Contains("Unknown agent 'genius'", unknown.Stderr);
    }

    [Fact]
    public async Task Episode_on_a_task_not_imported_yet_fails_with_one_line_naming_the_file_and_the_import_command()
    {
        // As a nanogpt-speedrun task before `tasks import-speedrunner`: listed, but its scripts are not there.
        var task = Path.Combine(_root, "tasks", "demo", "one");
        var manifest = JsonNode.Parse(File.ReadAllText(Path.Combine(task, "task.json")))!.AsObject();
        manifest["tags"] = new JsonArray("import-required");
        File.WriteAllText(Path.Combine(task, "task.json"), manifest.ToJsonString());
        Directory.Delete(Path.Combine(task, "start"), recursive: true);
        var run = await CliRunner.RunAsync(_root, Env, "episode", "--task", "demo/one", "--agent", "noop", "--sandbox", "none");
        Assert.Equal(1, run.ExitCode);
        Assert.StartsWith("error: Task demo/one: starting file 'start' is missing", run.Stderr, StringComparison.Ordinal);
        Assert.Contains("agentgym tasks import-speedrunner", run.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", run.Stderr, StringComparison.Ordinal); // no stack trace
    }

    private static JsonNode Summary(string stdout) =>
        JsonNode.Parse(stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Last())!["summary"]!;

    private static List<JsonNode> Steps(string path) => File.ReadAllLines(path).Select(l => JsonNode.Parse(l)!).ToList();

    [Fact]
    public async Task Verify_fails_clearly_on_an_unknown_task_a_missing_workspace_or_no_sandbox()
    {
        var (code, _, stderr) = await CliRunner.RunAsync(_root, Env, "verify", "--task", "demo/none", "--workspace", _root);
        Assert.Equal(1, code);
        Assert.Contains("demo/none", stderr);

        (code, _, stderr) = await CliRunner.RunAsync(_root, Env, "verify", "--task", "demo/one", "--workspace", Path.Combine(_root, "missing"));
        Assert.Equal(1, code);
        Assert.Contains("no folder", stderr);

        (code, _, stderr) = await CliRunner.RunAsync(_root, Env, "verify", "--task", "demo/one", "--workspace", _root, "--sandbox", "none");
        Assert.Equal(1, code);
        Assert.Contains("needs a sandbox", stderr);
    }

    public void Dispose()
    {
        try { Directory.Delete(_root, recursive: true); } catch (IOException) { }
    }
}
