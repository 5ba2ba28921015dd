using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using AgentGym.Core.Json;
using AgentGym.Core.Sandboxing;
using AgentGym.Core.Tasks;
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
    private readonly OutputQuota _episodeOutputs;

    public RunManager(ISandbox? sandbox, string episodeDirectory, string episodeId, RunOptions options, TimeProvider time)
    {
        _sandbox = sandbox;
        _runsDirectory = Path.Combine(episodeDirectory, "runs");
        _episodeId = episodeId;
        _options = options;
        _time = time;
        _episodeOutputs = new OutputQuota(options.MaxOutputBytesPerEpisode);
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
        long outputBudget;
        lock (_gate)
        {
            var inFlight = _runs.Where(r => !r.Completion.IsCompleted).Select(r => r.Id).ToList();
            if (inFlight.Count >= _options.MaxRunsInFlight)
                throw new ToolFailure($"{inFlight.Count} runs are already in flight ({string.Join(", ", inFlight)}); this episode may run at most {_options.MaxRunsInFlight} at once. Wait for one with run_status (wait_seconds) or stop one with cancel_run, then start again.");
            outputBudget = ReserveOutputs();
            var number = _runs.Count + 1;
            var id = "run-" + number.ToString(CultureInfo.InvariantCulture);
            run = new TrainingRun(id, number, Path.Combine(_runsDirectory, id), _options, _time);
            _runs.Add(run);
        }
        run.WriteSummary();
        FileTrees.Copy(workspace.Root, run.WorkspaceSnapshot);
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
            MaxOutputBytes = outputBudget,
        };
        run.Completion = Task.Run(() => ExecuteAsync(run, request, outputBudget));
        return run;
    }

    /// <summary>The run's share of $AGENTGYM_OUTPUT_DIR: the per-run cap, or less when the episode's or the process's budget is nearly spent.</summary>
    private long ReserveOutputs()
    {
        var fromEpisode = _episodeOutputs.Reserve(_options.MaxOutputBytesPerRun);
        var granted = _options.TotalOutputs.Reserve(fromEpisode);
        _episodeOutputs.Release(fromEpisode - granted);
        return granted;
    }

    /// <summary>Keeps what the run's outputs hold on the host; gives the rest of its reservation back.</summary>
    private void SettleOutputs(TrainingRun run, long reserved)
    {
        long kept;
        try
        {
            kept = Directory.Exists(run.OutputDirectory)
                ? new DirectoryInfo(run.OutputDirectory).EnumerateFiles("*", SearchOption.AllDirectories).Sum(f => f.Length)
                : 0;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            kept = reserved;
        }
        var unused = Math.Max(0, reserved - kept);
        _episodeOutputs.Release(unused);
        _options.TotalOutputs.Release(unused);
    }

    private async Task<SandboxRunResult> ExecuteAsync(TrainingRun run, SandboxRunRequest request, long outputBudget)
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
        SettleOutputs(run, outputBudget);
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
    // The keys that steer agents and evaluations; StepInfo reads them back typed.
    internal const string RunIdKey = "run_id";
    internal const string StateKey = "state";
    internal const string ReasonKey = "reason";
    internal const string LastValLossKey = "last_val_loss";
    internal const string TrainTimeMsKey = "train_time_ms";

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
            [RunIdKey] = run.Id,
            [StateKey] = JsonNamingPolicy.SnakeCaseLower.ConvertName(run.State.ToString()),
            ["exit_code"] = run.Result?.ExitCode,
            [ReasonKey] = run.Reason,
            ["limits_met"] = new JsonArray((run.Result?.LimitsMet ?? []).Select(l => (JsonNode?)JsonValue.Create(l)).ToArray()),
            ["elapsed_s"] = Math.Round(run.Elapsed.TotalSeconds, 3),
            ["stalled"] = run.IsStalled,
            ["stalled_s"] = Math.Round(run.StalledTime.TotalSeconds, 3),
            ["last_step"] = metrics.LastOrDefault()?.Step,
            ["total_steps"] = metrics.LastOrDefault()?.TotalSteps,
            [LastValLossKey] = metrics.LastOrDefault(m => m.HasValLoss)?.ValLoss,
            ["best_val_loss"] = metrics.Where(m => m.ValLoss is not null).Select(m => m.ValLoss).Min(),
            ["last_train_loss"] = metrics.LastOrDefault(m => m.HasTrainLoss)?.TrainLoss,
            [TrainTimeMsKey] = lastTimed?.TrainTimeMs,
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
