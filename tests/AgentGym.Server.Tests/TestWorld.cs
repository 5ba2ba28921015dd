using System.Text.Json.Nodes;
using AgentGym.Core.Environment;
using AgentGym.Core.Sandboxing;
using AgentGym.Core.Tasks;

namespace AgentGym.Server.Tests;

/// <summary>A temporary tasks folder with one small task, and the environment options over it.</summary>
internal sealed class TestWorld : IAsyncDisposable
{
    public const string TaskId = "test/tiny";
    public const string Script = "import os\nlr = 1e-3\nbatch_size = 32\n\ndef train():\n    pass\n";

    public TestWorld()
    {
        Root = Path.Combine(Path.GetTempPath(), "agentgym-server-tests", Guid.NewGuid().ToString("N"));
        TasksDirectory = Path.Combine(Root, "tasks");
        var taskDir = Path.Combine(TasksDirectory, "test", "tiny");
        Directory.CreateDirectory(Path.Combine(taskDir, "start"));
        File.WriteAllText(Path.Combine(taskDir, "start", "train_gpt.py"), Script);
        Directory.CreateDirectory(Path.Combine(taskDir, "hints"));
        File.WriteAllText(Path.Combine(taskDir, "hints", "level_1_pseudo.txt"), "lr <- 3e-3");
        File.WriteAllText(Path.Combine(taskDir, "task.json"), new JsonObject
        {
            ["id"] = TaskId,
            ["title"] = "Tiny test task",
            ["description"] = "Make it faster.",
            ["starting_files"] = new JsonArray("start"),
            ["entry_command"] = new JsonArray("python3", "train_gpt.py"),
            ["sandbox"] = new JsonObject { ["image"] = "agentgym-cpu" },
            ["resources"] = new JsonObject { ["cpus"] = 1, ["memory_mb"] = 512 },
            ["data"] = new JsonObject { ["val_tokens"] = 1000 },
            ["target_val_loss"] = 2.0,
            ["baseline_time"] = new JsonObject { ["mean_ms"] = 10000, ["std_ms"] = 100 },
            ["record_time"] = new JsonObject { ["mean_ms"] = 8000 },
            ["hints"] = new JsonObject { ["L1"] = "hints/level_1_pseudo.txt" },
            ["verification"] = new JsonObject { ["mode"] = "log" },
            ["time_limit_seconds"] = 60,
        }.ToJsonString());
    }

    public string Root { get; }
    public string TasksDirectory { get; }
    public string EpisodesDirectory => Path.Combine(Root, "episodes");

    public GymOptions Gym(ISandbox? sandbox = null) => new()
    {
        Tasks = TaskCatalog.Load(TasksDirectory),
        EpisodesDirectory = EpisodesDirectory,
        Sandbox = sandbox,
    };

    public ValueTask DisposeAsync()
    {
        try { Directory.Delete(Root, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        return ValueTask.CompletedTask;
    }
}
