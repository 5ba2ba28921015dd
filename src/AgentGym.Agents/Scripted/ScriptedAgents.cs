using System.Text.Json.Nodes;
using AgentGym.Core.Agents;
using AgentGym.Core.Gym;
using AgentGym.Core.Tasks;
using AgentGym.Core.Tools;

namespace AgentGym.Agents.Scripted;

/// <summary>Runs the starting script unchanged and submits that run: the baseline every agent must beat.</summary>
internal sealed class NoopAgent(int runWaitSeconds) : IEpisodeAgent
{
    public string Name => "noop";

    public async Task<EpisodeOutcome> RunAsync(IGymEnvironment environment, ResetOptions options,
        Action<int, ToolCall, StepResult>? onStep = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(environment);
        await environment.ResetAsync(options, cancellationToken).ConfigureAwait(false);
        var session = new GymSession(environment, Name, onStep);
        await RunAndSubmitAsync(session, runWaitSeconds, cancellationToken).ConfigureAwait(false);
        session.WriteSummary(session.Last?.Terminated == true ? "submitted" : "truncated");
        return session.Outcome();
    }

    internal static async Task RunAndSubmitAsync(GymSession session, int waitSeconds, CancellationToken cancellationToken)
    {
        var run = await RunWaiter.RunAsync(session, phase => new JsonObject { ["phase"] = phase }, waitSeconds, cancellationToken).ConfigureAwait(false);
        if (session.Over) return;
        // Submit the run's snapshot when there is one (it is exactly what ran); else the workspace.
        object arguments = run.RunId is { } id ? new { run_id = id } : new { };
        await session.StepAsync(ToolNames.Submit, arguments, new JsonObject { ["phase"] = "submit" }, cancellationToken).ConfigureAwait(false);
    }
}

/// <summary>
/// Applies the task's level-0 hint (the unified diff from this record to the next) to the workspace with write_file,
/// runs it and submits the run: the reference solution, scoring what a perfect agent would.
/// </summary>
internal sealed class OracleAgent(TaskCatalog tasks, int runWaitSeconds) : IEpisodeAgent
{
    public string Name => "oracle";

    public async Task<EpisodeOutcome> RunAsync(IGymEnvironment environment, ResetOptions options,
        Action<int, ToolCall, StepResult>? onStep = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(environment);
        ArgumentNullException.ThrowIfNull(options);
        var task = tasks.Get(options.TaskId);
        // Read and check the patch before the episode starts: a task without a usable L0 diff is a task bug.
        var patches = UnifiedPatch.Parse(ReadLevelZero(task));
        await environment.ResetAsync(options, cancellationToken).ConfigureAwait(false);
        var session = new GymSession(environment, Name, onStep);
        var workspace = session.Episode.WorkspaceDirectory;
        var files = WorkspaceFiles.ReadTextFiles(workspace);

        var updates = new List<(string Path, string Content)>();
        foreach (var patch in patches)
        {
            if (patch.IsDeletion) continue; // No delete tool; a left-over file is not run.
            var path = Resolve(patch, files);
            files.TryGetValue(path, out var current);
            if (!patch.IsNewFile && current is null)
                throw new InvalidDataException($"Task {task.Id}: the L0 diff changes '{patch.Path}', which is not in the workspace ({string.Join(", ", files.Keys)}).");
            updates.Add((path, UnifiedPatch.Apply(patch, current)));
        }
        foreach (var (path, content) in updates)
        {
            await session.StepAsync(ToolNames.WriteFile, new { path, content }, new JsonObject { ["phase"] = "apply_l0" }, cancellationToken).ConfigureAwait(false);
            if (session.Over) break;
        }
        if (!session.Over) await NoopAgent.RunAndSubmitAsync(session, runWaitSeconds, cancellationToken).ConfigureAwait(false);
        session.WriteSummary(session.Last?.Terminated == true ? "submitted" : "truncated",
            new JsonObject { ["patched_files"] = new JsonArray(updates.Select(u => (JsonNode)u.Path).ToArray()) });
        return session.Outcome();
    }

    private static string ReadLevelZero(TaskManifest task)
    {
        if (!task.Hints.TryGetValue("L0", out var file))
            throw new InvalidOperationException($"Task {task.Id} has no L0 hint (the ground-truth diff), so the oracle cannot run on it.");
        var path = Path.Combine(task.Directory, file);
        return File.Exists(path) ? File.ReadAllText(path) : throw new FileNotFoundException($"Task {task.Id}: the L0 hint file '{file}' is missing.", path);
    }

    /// <summary>The workspace file a patch means: its own path, else the one workspace file with the same name.</summary>
    private static string Resolve(UnifiedPatch.FilePatch patch, IReadOnlyDictionary<string, string> files)
    {
        if (files.ContainsKey(patch.Path) || patch.IsNewFile) return patch.Path;
        var name = Path.GetFileName(patch.Path);
        var same = files.Keys.Where(f => Path.GetFileName(f) == name).ToList();
        return same.Count == 1 ? same[0] : patch.Path;
    }
}
