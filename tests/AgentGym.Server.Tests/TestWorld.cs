using AgentGym.Core.Gym;
using AgentGym.Core.Sandboxing;
using AgentGym.Core.Tasks;
using AgentGym.Tests.Shared;

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
        File.WriteAllText(Path.Combine(taskDir, "task.json"), TestTaskManifests.Tiny(TaskId).ToJsonString());
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
