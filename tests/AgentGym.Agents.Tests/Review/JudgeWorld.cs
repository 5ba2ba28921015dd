using AgentGym.Agents.Llm;
using AgentGym.Agents.Review;
using AgentGym.Agents.Scripted;
using AgentGym.Core.Review;
using AgentGym.Core.Tasks;

namespace AgentGym.Agents.Tests.Review;

/// <summary>
/// tiny-shakespeare/record-2 as the repository ships it, its starting files in a temporary folder, a submission folder
/// next to them, and a scripted judge server on 127.0.0.1 reached through the real OpenAI client.
/// </summary>
internal sealed class JudgeWorld : IAsyncDisposable
{
    public const string TaskId = "tiny-shakespeare/record-2";
    public const string Script = "train_gpt.py";

    public JudgeWorld()
    {
        Root = Path.Combine(Path.GetTempPath(), "agentgym-judge-" + Guid.NewGuid().ToString("N"));
        Task = TaskCatalog.Load(RepoPaths.Tasks).Get(TaskId);
        StartDirectory = Path.Combine(Root, "start");
        CodeDirectory = Path.Combine(Root, "code");
        // record-2 starts from one file, records/record_2/train_gpt.py.
        var script = Path.Combine(Task.Directory, Assert.Single(Task.StartingFiles));
        foreach (var dir in new[] { StartDirectory, CodeDirectory })
        {
            Directory.CreateDirectory(dir);
            File.Copy(script, Path.Combine(dir, Script));
        }
    }

    public string Root { get; }
    public TaskManifest Task { get; }
    public string StartDirectory { get; }
    public string CodeDirectory { get; }
    public FakeOpenAIServer Server { get; } = new();

    public string CodePath => Path.Combine(CodeDirectory, Script);

    public JudgeSettings Settings(JudgeReplyFormat format = JudgeReplyFormat.JsonSchema, int maxRetries = 0) => new()
    {
        Model = new ModelOptions { Provider = ModelProvider.OpenAICompatible, Endpoint = Server.BaseUrl, Model = "judge-model", MaxRetries = maxRetries, RequestTimeoutSeconds = 30 },
        ReplyFormat = format,
    };

    public ISubmissionReviewer Reviewer(JudgeSettings? settings = null) =>
        SubmissionReviewers.Create(settings ?? Settings(), _ => null);

    public ReviewRequest Request() => ReviewRequest.Create(Task, StartDirectory, CodeDirectory);

    /// <summary>Record 2 with its clock halved: the training time it reports is half the time it trained.</summary>
    public int PatchTimer()
    {
        const string original = "    elapsed_ms = train_time_ms + 1000 * (time.perf_counter() - t0)\n";
        var text = File.ReadAllText(CodePath);
        var at = text.IndexOf(original, StringComparison.Ordinal);
        Assert.True(at >= 0 && text.IndexOf(original, at + 1, StringComparison.Ordinal) < 0, "record 2 no longer holds the one clock line this test patches");
        File.WriteAllText(CodePath, text[..at] + "    elapsed_ms = 0.5 * (train_time_ms + 1000 * (time.perf_counter() - t0))\n" + text[(at + original.Length)..]);
        var index = text[..at].Count(c => c == '\n');
        return index + 1;
    }

    /// <summary>The next record, made the way the oracle makes it: record 2 with the task's L0 diff applied.</summary>
    public void ApplyNextRecord()
    {
        var diff = File.ReadAllText(Path.Combine(Task.Directory, Task.Hints["L0"]));
        foreach (var patch in UnifiedPatch.Parse(diff))
        {
            var path = Path.Combine(CodeDirectory, patch.Path);
            File.WriteAllText(path, UnifiedPatch.Apply(patch, File.Exists(path) ? File.ReadAllText(path) : null));
        }
    }

    public async ValueTask DisposeAsync()
    {
        await Server.DisposeAsync();
        try { Directory.Delete(Root, recursive: true); }
        catch (IOException) { }
    }
}
