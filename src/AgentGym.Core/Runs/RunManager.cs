using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using AgentGym.Core.Json;
using AgentGym.Core.Sandboxing;
using AgentGym.Core.Tasks;
using AgentGym.Core.Tools;
using AgentGym.Core.Workspace;

namespace AgentGym.Core.Runs;

/// <summary>
/// Starts an episode's training runs in the background and keeps each one's log, metrics and outputs under
/// runs/run-N in the episode folder.
/// </summary>
internal sealed class RunManager : IAsyncDisposable
{
    private readonly Lock _gate = new();
    private readonly List<TrainingRun> _runs = [];
    private readonly ISandbox? _sandbox;
    private readonly string _runsDirectory;
    private readonly string _episodeId;
    private readonly RunOptions _options;
    private readonly TimeProvider _time;

    public RunManager(ISandbox? sandbox, string episodeDirectory, string episodeId, RunOptions options, TimeProvider time)
    {
        _sandbox = sandbox;
        _runsDirectory = Path.Combine(episodeDirectory, "runs");
        _episodeId = episodeId;
        _options = options;
        _time = time;
    }

    public int Count { get { lock (_gate) return _runs.Count; } }

    public TimeSpan TotalSandboxTime { get { lock (_gate) return TimeSpan.FromTicks(_runs.Sum(r => r.Elapsed.Ticks)); } }

    public IReadOnlyList<TrainingRun> All { get { lock (_gate) return _runs.ToList(); } }

    public TrainingRun? Find(string runId)
    {
        lock (_gate) return _runs.FirstOrDefault(r => r.Id == runId);
    }

    public TrainingRun Get(string runId)
    {
        lock (_gate)
        {
            return _runs.FirstOrDefault(r => r.Id == runId)
                ?? throw new ToolFailure(_runs.Count == 0
                    ? $"There is no run '{runId}': no training run has been started in this episode (use run_training)."
                    : $"There is no run '{runId}'. Runs in this episode: {string.Join(", ", _runs.Select(r => r.Id))}.");
        }
    }

    /// <summary>Snapshots the workspace and starts it in the sandbox; returns at once.</summary>
    public TrainingRun Start(EpisodeWorkspace workspace, RunLaunch launch, TimeSpan timeLimit)
    {
        if (_sandbox is null)
            throw new ToolFailure("No sandbox is configured for this environment, so training runs are unavailable.");
        TrainingRun run;
        lock (_gate)
        {
            var number = _runs.Count + 1;
            var id = "run-" + number.ToString(CultureInfo.InvariantCulture);
            run = new TrainingRun(id, number, Path.Combine(_runsDirectory, id), _options, _time);
            _runs.Add(run);
        }
        run.WriteSummary();
        EpisodeWorkspace.CopyTree(workspace.Root, run.WorkspaceSnapshot);
        Directory.CreateDirectory(run.OutputDirectory);
        var request = new SandboxRunRequest
        {
            RunId = run.Id,
            EpisodeId = _episodeId,
            WorkspaceDirectory = run.WorkspaceSnapshot,
            OutputDirectory = run.OutputDirectory,
            DataDirectory = launch.DataDirectory,
            Command = launch.Command,
            Environment = launch.Environment,
            Image = launch.Image,
            Limits = launch.Limits,
            TimeLimit = timeLimit,
        };
        run.Completion = Task.Run(() => ExecuteAsync(run, request));
        return run;
    }

    private async Task<SandboxRunResult> ExecuteAsync(TrainingRun run, SandboxRunRequest request)
    {
        SandboxRunResult result;
        try
        {
            result = await _sandbox!.RunAsync(request, run, run.Cancellation.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            var now = _time.GetTimestamp();
            result = new SandboxRunResult(RunOutcome.Cancelled, null, "cancelled", _time.GetElapsedTime(run.StartTimestamp, now), run.StartTimestamp, now);
        }
        catch (Exception ex)
        {
            var now = _time.GetTimestamp();
            result = new SandboxRunResult(RunOutcome.SandboxError, null, $"the sandbox failed: {ex.Message}", _time.GetElapsedTime(run.StartTimestamp, now), run.StartTimestamp, now);
        }
        run.Complete(result);
        run.WriteSummary();
        run.CloseFiles();
        return result;
    }

    public async Task<bool> WaitAsync(TrainingRun run, TimeSpan wait, CancellationToken cancellationToken)
    {
        if (run.Completion.IsCompleted) return true;
        if (wait <= TimeSpan.Zero) return false;
        var delay = Task.Delay(wait, _time, cancellationToken);
        var first = await Task.WhenAny(run.Completion, delay).ConfigureAwait(false);
        return first == run.Completion;
    }

    public async ValueTask DisposeAsync()
    {
        var runs = All;
        foreach (var run in runs.Where(r => !r.Completion.IsCompleted)) await run.Cancellation.CancelAsync().ConfigureAwait(false);
        foreach (var run in runs)
        {
            try { await run.Completion.ConfigureAwait(false); }
            catch (Exception) { /* already reported in the run's result */ }
        }
    }
}

/// <summary>What a run needs from the task: image, command, data and limits.</summary>
internal sealed record RunLaunch(string Image, IReadOnlyList<string> Command, IReadOnlyDictionary<string, string> Environment, string? DataDirectory, SandboxLimits Limits)
{
    public static RunLaunch For(TaskManifest task, string? dataRoot, int seed)
    {
        string? dataDirectory = null;
        if (task.Data.Dataset is { } dataset && dataRoot is not null)
            dataDirectory = Path.Combine(dataRoot, dataset, "visible");
        var env = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["AGENTGYM_TRAIN_FILES"] = "/data/" + task.Data.TrainFiles,
            ["AGENTGYM_VAL_FILES"] = "/data/" + task.Data.ValFiles,
            ["AGENTGYM_VAL_TOKENS"] = task.Data.ValTokens.ToString(CultureInfo.InvariantCulture),
            ["AGENTGYM_OUTPUT_DIR"] = "/outputs",
            ["AGENTGYM_SEED"] = seed.ToString(CultureInfo.InvariantCulture),
            ["AGENTGYM_TARGET_VAL_LOSS"] = task.TargetValLoss.ToString("R", CultureInfo.InvariantCulture),
        };
        env["NANOGPT_TRAIN_FILES"] = env["AGENTGYM_TRAIN_FILES"];
        env["NANOGPT_VAL_FILES"] = env["AGENTGYM_VAL_FILES"];
        env["NANOGPT_VAL_TOKENS"] = env["AGENTGYM_VAL_TOKENS"];
        foreach (var (key, value) in task.Environment) env[key] = value;
        var r = task.Resources;
        var limits = new SandboxLimits { Cpus = r.Cpus, MemoryMb = r.MemoryMb, Pids = r.Pids, ShmMb = r.ShmMb, DiskMb = r.DiskMb, Gpus = r.Gpus, GpuIds = r.GpuIds };
        return new RunLaunch(task.Sandbox.Image, task.EntryCommand, env, dataDirectory, limits);
    }
}

internal static class RunSummary
{
    /// <summary>
    /// The run's state and latest figures. last_val_loss and last_train_loss are null when the latest value printed
    /// was not finite; "diverged" then says where ({step, values: {field: printed text}}).
    /// </summary>
    public static JsonObject Describe(TrainingRun run)
    {
        var metrics = run.Metrics();
        var lastTimed = metrics.LastOrDefault(m => m.TrainTimeMs is not null);
        var (_, dropped, capped) = run.Snapshot();
        var divergence = run.Divergence;
        return new JsonObject
        {
            ["run_id"] = run.Id,
            ["state"] = JsonNamingPolicy.SnakeCaseLower.ConvertName(run.State.ToString()),
            ["exit_code"] = run.Result?.ExitCode,
            ["reason"] = run.Reason,
            ["elapsed_s"] = Math.Round(run.Elapsed.TotalSeconds, 3),
            ["last_step"] = metrics.LastOrDefault()?.Step,
            ["total_steps"] = metrics.LastOrDefault()?.TotalSteps,
            ["last_val_loss"] = metrics.LastOrDefault(m => m.HasValLoss)?.ValLoss,
            ["best_val_loss"] = metrics.Where(m => m.ValLoss is not null).Select(m => m.ValLoss).Min(),
            ["last_train_loss"] = metrics.LastOrDefault(m => m.HasTrainLoss)?.TrainLoss,
            ["train_time_ms"] = lastTimed?.TrainTimeMs,
            ["step_avg_ms"] = lastTimed?.StepAvgMs,
            ["diverged"] = divergence is null ? null : new JsonObject
            {
                ["step"] = divergence.Step,
                ["values"] = new JsonObject(divergence.NonFinite!.Select(f => KeyValuePair.Create(f.Key, (JsonNode?)f.Value))),
            },
            ["metric_events"] = metrics.Count,
            ["log_capped"] = capped,
            ["log_lines_dropped"] = dropped,
        };
    }
}
