using System.Text.Json.Nodes;
using AgentGym.Core.Gym;
using AgentGym.Core.Sandboxing;
using AgentGym.Core.Tasks;

namespace AgentGym.Core.Tests;

/// <summary>A temporary tasks folder with one small task, and an environment over it.</summary>
internal sealed class TestWorld : IAsyncDisposable
{
    public const string TaskId = "test/tiny";

    public static readonly string Script = string.Join('\n', Enumerable.Range(1, 40).Select(i => i switch
    {
        1 => "import os",
        5 => "lr = 1e-3",
        6 => "    batch_size = 32",
        10 => "def train():",
        11 => "    pass",
        20 => "def train():",
        21 => "    pass",
        _ => $"# line {i}",
    })) + "\n";

    public TestWorld(Action<JsonObject>? editManifest = null)
    {
        Root = Path.Combine(Path.GetTempPath(), "agentgym-tests", Guid.NewGuid().ToString("N"));
        TasksDirectory = Path.Combine(Root, "tasks");
        var taskDir = Path.Combine(TasksDirectory, "test", "tiny");
        Directory.CreateDirectory(Path.Combine(taskDir, "start"));
        File.WriteAllText(Path.Combine(taskDir, "start", "train_gpt.py"), Script);
        Directory.CreateDirectory(Path.Combine(taskDir, "hints"));
        File.WriteAllText(Path.Combine(taskDir, "hints", "level_1_pseudo.txt"), "lr <- 3e-3");
        var manifest = Manifest(TaskId);
        editManifest?.Invoke(manifest);
        File.WriteAllText(Path.Combine(taskDir, "task.json"), manifest.ToJsonString());
    }

    public string Root { get; }
    public string TasksDirectory { get; }
    public string EpisodesDirectory => Path.Combine(Root, "episodes");

    public static JsonObject Manifest(string id) => TestTaskManifests.Tiny(id);

    public IGymEnvironment CreateEnvironment(ISandbox? sandbox = null, TimeProvider? time = null, EpisodeBudgets? budgets = null, ISubmissionScorer? scorer = null) =>
        GymEnvironment.Create(new GymOptions
        {
            Tasks = TaskCatalog.Load(TasksDirectory),
            EpisodesDirectory = EpisodesDirectory,
            Sandbox = sandbox,
            Scorer = scorer,
            TimeProvider = time ?? TimeProvider.System,
            DefaultBudgets = budgets ?? new EpisodeBudgets(),
        });

    public async Task<IGymEnvironment> ResetAsync(ISandbox? sandbox = null, TimeProvider? time = null, EpisodeBudgets? budgets = null, ISubmissionScorer? scorer = null)
    {
        var env = CreateEnvironment(sandbox, time, budgets, scorer);
        await env.ResetAsync(new ResetOptions { TaskId = TaskId });
        return env;
    }

    public ValueTask DisposeAsync()
    {
        try { Directory.Delete(Root, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        return ValueTask.CompletedTask;
    }
}

internal static class EnvironmentExtensions
{
    public static Task<StepResult> StepAsync(this IGymEnvironment env, string tool, object? args = null) =>
        env.StepAsync(ToolCall.Create(tool, args));

    public static Task<StepResult> StepRawAsync(this IGymEnvironment env, string tool, string argumentsJson) =>
        env.StepAsync(new ToolCall(tool, argumentsJson));
}
