using System.Text.Json.Nodes;
using AgentGym.Core.Gym;
using AgentGym.Core.Runs;
using AgentGym.Core.Tasks;

namespace AgentGym.IntegrationTests;

/// <summary>The Docker sandbox under Core's environment and run tools, as an agent would drive it.</summary>
public sealed class GymEnvironmentTests(DockerSandboxFixture fixture) : IClassFixture<DockerSandboxFixture>, IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("agentgym-gym-it-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private TaskCatalog Catalog(string script)
    {
        var dir = Path.Combine(_root, "tasks", "it", "flood");
        Directory.CreateDirectory(dir);
        File.WriteAllText(Path.Combine(dir, "train.py"), script);
        File.WriteAllText(Path.Combine(dir, "task.json"), """
            {
              "id": "it/flood",
              "title": "Flood",
              "description": "Integration test task",
              "starting_files": ["train.py"],
              "entry_command": ["python3", "train.py"],
              "sandbox": { "image": "agentgym-cpu" },
              "resources": { "cpus": 1, "memory_mb": 512, "pids": 64, "disk_mb": 64 },
              "data": { "val_tokens": 0 },
              "target_val_loss": 3.28,
              "baseline_time": { "mean_ms": 1000 },
              "record_time": { "mean_ms": 900 },
              "verification": { "mode": "log" },
              "time_limit_seconds": 300
            }
            """);
        var catalog = TaskCatalog.Load(Path.Combine(_root, "tasks"));
        Assert.Empty(catalog.Errors);
        return catalog;
    }

    [DockerFact]
    public async Task A_stdout_flood_is_capped_by_the_run_log_while_the_tools_stay_responsive()
    {
        // ~40 MB of noise, then metric lines: the log cap must hold, and metrics after the cap must still be parsed.
        var catalog = Catalog("""
            import sys, time
            print("step:1/2 train_loss:5.0000 train_time:10ms step_avg:10.00ms", flush=True)
            chunk = ("noise " * 16 + "\n") * 5000
            for _ in range(80):
                sys.stdout.write(chunk)
            sys.stdout.flush()
            print("step:2/2 val_loss:3.1000 train_time:20ms step_avg:10.00ms", flush=True)
            """);
        await using var env = GymEnvironment.Create(new GymOptions
        {
            Tasks = catalog,
            EpisodesDirectory = Path.Combine(_root, "episodes"),
            Sandbox = fixture.Sandbox,
            RunOptions = new RunOptions { MaxLogBytes = 1024 * 1024 },
        });
        await env.ResetAsync(new ResetOptions { TaskId = "it/flood" });

        var started = await env.StepAsync(ToolCall.Create("run_training"));
        Assert.False(started.Observation.IsError, started.Observation.Text);
        var runId = FindRunId(started.Info) ?? "run-1";

        // The agent can keep calling tools while the flood goes on.
        var polls = 0;
        JsonObject? summary = null;
        while (true)
        {
            var status = await env.StepAsync(ToolCall.Create("run_status", new { run_id = runId, wait_seconds = 2 }));
            Assert.False(status.Observation.IsError, status.Observation.Text);
            polls++;
            summary = Find(status.Info, "state") ?? summary;
            if (summary?["state"]?.GetValue<string>() is { } state && state != "running") break;
            Assert.True(polls < 300, "the run did not finish");
        }

        Assert.Equal("succeeded", summary!["state"]!.GetValue<string>());
        Assert.True(summary["log_capped"]!.GetValue<bool>());
        Assert.True(summary["log_lines_dropped"]!.GetValue<long>() > 300_000);
        Assert.Equal(3.1, summary["last_val_loss"]!.GetValue<double>());
        Assert.Equal(2, summary["metric_events"]!.GetValue<int>());
        var log = new FileInfo(Path.Combine(_root, "episodes", env.Episode!.EpisodeId, "runs", runId, "log.txt"));
        Assert.True(log.Length < 2 * 1024 * 1024, $"log.txt holds {log.Length} bytes");
    }

    private static string? FindRunId(JsonObject info) => Find(info, "run_id")?["run_id"]?.GetValue<string>();

    /// <summary>The first object in the info tree that has the key (the info layout belongs to Core).</summary>
    private static JsonObject? Find(JsonNode? node, string key)
    {
        switch (node)
        {
            case JsonObject o when o.ContainsKey(key):
                return o;
            case JsonObject o:
                foreach (var (_, child) in o) if (Find(child, key) is { } hit) return hit;
                return null;
            case JsonArray a:
                foreach (var child in a) if (Find(child, key) is { } hit) return hit;
                return null;
            default:
                return null;
        }
    }
}
