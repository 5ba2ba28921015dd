using System.Text.Json.Nodes;
using AgentGym.Core.Gym;
using AgentGym.Core.Tasks;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Engines;

namespace AgentGym.Benchmarks;

/// <summary>
/// In-process latency of read_file and edit_file on a 600-line training script, as an agent sees it: a full
/// StepAsync, which includes writing the trajectory line. The fsync variant adds the machine-crash durability
/// option, and is the baseline the default is compared against.
/// </summary>
[MedianColumn]
[MemoryDiagnoser]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
[SimpleJob(RunStrategy.Throughput, launchCount: 1, warmupCount: 3, iterationCount: 15)]
public class ToolLatencyBenchmarks
{
    private string _root = "";
    private IGymEnvironment _env = null!;
    private ToolCall _read = null!;
    private ToolCall _editForward = null!;
    private ToolCall _editBack = null!;
    private bool _forward = true;

    [Params(false, true)]
    public bool Fsync { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _root = Path.Combine(Path.GetTempPath(), "agentgym-bench", Guid.NewGuid().ToString("N"));
        var taskDir = Path.Combine(_root, "tasks", "bench", "t");
        Directory.CreateDirectory(Path.Combine(taskDir, "start"));
        var script = string.Join('\n', Enumerable.Range(1, 600).Select(i => i == 300 ? "learning_rate = 1e-3" : $"x_{i} = torch.zeros({i}, device=device)  # line {i} of the script")) + "\n";
        File.WriteAllText(Path.Combine(taskDir, "start", "train_gpt.py"), script);
        File.WriteAllText(Path.Combine(taskDir, "task.json"), new JsonObject
        {
            ["id"] = "bench/t", ["title"] = "bench", ["description"] = "bench",
            ["starting_files"] = new JsonArray("start"), ["entry_command"] = new JsonArray("python3", "train_gpt.py"),
            ["sandbox"] = new JsonObject { ["image"] = "agentgym-cpu" }, ["resources"] = new JsonObject(),
            ["data"] = new JsonObject(), ["target_val_loss"] = 1.0,
            ["baseline_time"] = new JsonObject { ["mean_ms"] = 2 }, ["record_time"] = new JsonObject { ["mean_ms"] = 1 },
            ["verification"] = new JsonObject { ["mode"] = "log" }, ["time_limit_seconds"] = 10,
        }.ToJsonString());
        _env = GymEnvironment.Create(new GymOptions
        {
            Tasks = TaskCatalog.Load(Path.Combine(_root, "tasks")),
            EpisodesDirectory = Path.Combine(_root, "episodes"),
            DefaultBudgets = EpisodeBudgets.Unlimited,
            FsyncTrajectory = Fsync,
        });
        _env.ResetAsync(new ResetOptions { TaskId = "bench/t" }).GetAwaiter().GetResult();
        _read = ToolCall.Create("read_file", new { path = "train_gpt.py", start_line = 1, end_line = 600 });
        _editForward = ToolCall.Create("edit_file", new { path = "train_gpt.py", old_str = "learning_rate = 1e-3", new_str = "learning_rate = 3e-3" });
        _editBack = ToolCall.Create("edit_file", new { path = "train_gpt.py", old_str = "learning_rate = 3e-3", new_str = "learning_rate = 1e-3" });
    }

    [Benchmark(Description = "read_file 600 lines")]
    [BenchmarkCategory("read_file")]
    public Task<StepResult> ReadFile() => _env.StepAsync(_read);

    [Benchmark(Description = "edit_file one replacement")]
    [BenchmarkCategory("edit_file")]
    public Task<StepResult> EditFile()
    {
        var call = _forward ? _editForward : _editBack;
        _forward = !_forward;
        return _env.StepAsync(call);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _env.DisposeAsync().AsTask().GetAwaiter().GetResult();
        Directory.Delete(_root, recursive: true);
    }
}
