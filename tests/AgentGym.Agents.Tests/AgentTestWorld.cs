using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using AgentGym.Agents.Llm;
using AgentGym.Core.Gym;
using AgentGym.Core.Sandboxing;
using AgentGym.Core.Tasks;

namespace AgentGym.Agents.Tests;

/// <summary>
/// A temporary tasks folder with one task, an environment over it with a fake sandbox and a test scorer, and a fake
/// OpenAI server. The real Docker sandbox and the verifier are other projects' work; here the sandbox "runs" a
/// script by reading the time and loss it declares in comments, which makes search outcomes predictable.
/// </summary>
internal sealed class AgentTestWorld : IAsyncDisposable
{
    public const string TaskId = "test/tiny";
    public const string ApiKey = "sk-test-SECRET-7f3a9c";

    public const string Script = """
        import os
        # time_ms: 1000
        # val_loss: 1.90
        lr = 1e-3

        def train():
            pass
        """;

    public const string LevelZeroDiff = """
        diff --git a/train_gpt.py b/train_gpt.py
        --- a/train_gpt.py
        +++ b/train_gpt.py
        @@ -1,4 +1,4 @@
         import os
        -# time_ms: 1000
        +# time_ms: 500
         # val_loss: 1.90
         lr = 1e-3
        """;

    public AgentTestWorld()
    {
        Root = Path.Combine(Path.GetTempPath(), "agentgym-agent-tests", Guid.NewGuid().ToString("N"));
        var taskDir = Path.Combine(Root, "tasks", "test", "tiny");
        Directory.CreateDirectory(Path.Combine(taskDir, "start"));
        Directory.CreateDirectory(Path.Combine(taskDir, "hints"));
        File.WriteAllText(Path.Combine(taskDir, "start", "train_gpt.py"), Script + "\n");
        File.WriteAllText(Path.Combine(taskDir, "hints", "level_0_diff.patch"), LevelZeroDiff + "\n");
        File.WriteAllText(Path.Combine(taskDir, "hints", "level_1_pseudo.txt"), "time_ms <- time_ms / 2");
        var manifest = TestTaskManifests.Tiny(TaskId);
        manifest["baseline_time"] = new JsonObject { ["mean_ms"] = 1000 };
        manifest["record_time"] = new JsonObject { ["mean_ms"] = 500 };
        manifest["hints"] = new JsonObject { ["L0"] = "hints/level_0_diff.patch", ["L1"] = "hints/level_1_pseudo.txt" };
        File.WriteAllText(Path.Combine(taskDir, "task.json"), manifest.ToJsonString());
        Tasks = TaskCatalog.Load(Path.Combine(Root, "tasks"));
        Assert.Empty(Tasks.Errors);
    }

    public string Root { get; }
    public TaskCatalog Tasks { get; }
    public ScriptSandbox Sandbox { get; } = new();
    public TestScorer Scorer { get; } = new();
    public FakeOpenAIServer Server { get; } = new();
    public List<RetryEvent> Retries { get; } = [];

    public IGymEnvironment CreateEnvironment(EpisodeBudgets? budgets = null) => GymEnvironment.Create(new GymOptions
    {
        Tasks = Tasks,
        EpisodesDirectory = Path.Combine(Root, "episodes"),
        Sandbox = Sandbox,
        Scorer = Scorer,
        DefaultBudgets = budgets ?? new EpisodeBudgets(),
    });

    public AgentSettings Settings(Func<ModelOptions, ModelOptions>? edit = null)
    {
        var model = new ModelOptions
        {
            Provider = ModelProvider.OpenAICompatible,
            Model = "test-model",
            Endpoint = Server.BaseUrl,
            ApiKey = ApiKey,
            Temperature = 0.2,
            RequestTimeoutSeconds = 20,
            MaxRetries = 3,
        };
        return new AgentSettings { Model = edit?.Invoke(model) ?? model, RunWaitSeconds = 10 };
    }

    public ChatModelContext Context => new()
    {
        // No variable from the machine running the tests may leak in.
        Environment = _ => null,
        BaseRetryDelay = TimeSpan.FromMilliseconds(20),
        OnRetry = e => { lock (Retries) Retries.Add(e); },
    };

    public IEpisodeAgent Agent(string name, AgentSettings? settings = null) =>
        GymAgents.Create(name, settings ?? Settings(), Tasks, Context);

    /// <summary>An agent over a builder's own chat client, with the test context (fast retries, recorded).</summary>
    public IEpisodeAgent Agent(string name, AgentChatClient chat, AgentSettings? settings = null) =>
        GymAgents.Create(name, settings ?? Settings(), Tasks, Context, chat);

    /// <summary>Every file the episode left behind, as text.</summary>
    public IEnumerable<(string Path, string Text)> EpisodeFiles() =>
        Directory.EnumerateFiles(Path.Combine(Root, "episodes"), "*", SearchOption.AllDirectories).Select(f => (f, File.ReadAllText(f)));

    public async ValueTask DisposeAsync()
    {
        await Server.DisposeAsync();
        try { Directory.Delete(Root, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}

/// <summary>
/// Stands in for Docker: "runs" train_gpt.py by reading its '# time_ms:' and '# val_loss:' comments and printing a
/// speedrun log line; a script containing 'raise' fails with a traceback.
/// </summary>
internal sealed partial class ScriptSandbox : ISandbox
{
    public string Name => "script-fake";

    public List<string> Scripts { get; } = [];

    public Task<SandboxRunResult> RunAsync(SandboxRunRequest request, ISandboxOutput output, CancellationToken cancellationToken)
    {
        var script = File.ReadAllText(Path.Combine(request.WorkspaceDirectory, "train_gpt.py"));
        lock (Scripts) Scripts.Add(script);
        var time = TimeProvider.System;
        var start = time.GetTimestamp();
        void Print(string line) => output.OnLine(new SandboxLine(OutputStream.Stdout, line, time.GetTimestamp()));
        int exit;
        if (script.Contains("raise", StringComparison.Ordinal))
        {
            Print("step:1/10 train_loss:5.0000 train_time:10ms step_avg:10.00ms");
            Print("Traceback (most recent call last):");
            Print("RuntimeError: boom in the fake run");
            exit = 1;
        }
        else
        {
            var ms = double.Parse(TimeComment().Match(script).Groups[1].Value, CultureInfo.InvariantCulture);
            var loss = double.Parse(LossComment().Match(script).Groups[1].Value, CultureInfo.InvariantCulture);
            Print(string.Create(CultureInfo.InvariantCulture, $"step:10/10 val_loss:{loss:F4} train_time:{ms:F0}ms step_avg:{ms / 10:F2}ms"));
            exit = 0;
        }
        var end = time.GetTimestamp();
        return Task.FromResult(new SandboxRunResult(exit == 0 ? RunOutcome.Succeeded : RunOutcome.Failed, exit,
            exit == 0 ? "exited normally" : "non-zero exit", time.GetElapsedTime(start, end), start, end));
    }

    [GeneratedRegex(@"# time_ms: (\d+)")]
    private static partial Regex TimeComment();

    [GeneratedRegex(@"# val_loss: ([\d.]+)")]
    private static partial Regex LossComment();
}

/// <summary>A scorer that records what was submitted and rewards it with a fixed value (the verifier is tested elsewhere).</summary>
internal sealed class TestScorer : ISubmissionScorer
{
    public const double Reward = 0.625;

    public List<(string? RunId, string Code)> Submissions { get; } = [];

    public Task<SubmissionVerdict> ScoreAsync(Submission submission, CancellationToken cancellationToken)
    {
        Submissions.Add((submission.RunId, File.ReadAllText(Path.Combine(submission.CodeDirectory, "train_gpt.py"))));
        return Task.FromResult(new SubmissionVerdict(Reward, true, "Test verdict.", TestVerdicts.Passed(Reward)));
    }
}
