using System.Text.Json.Nodes;
using AgentGym.Core.Json;
using AgentGym.Core.Runs;
using AgentGym.Core.Tasks;
using AgentGym.Core.Tools;
using AgentGym.Core.Trajectories;
using AgentGym.Core.Workspace;

namespace AgentGym.Core.Gym;

internal sealed class Env : IGymEnvironment
{
    private readonly GymOptions _options;
    private readonly ToolRegistry _registry = ToolRegistry.CreateDefault();
    private readonly SemaphoreSlim _stepGate = new(1, 1);
    private Episode? _episode;

    public Env(GymOptions options)
    {
        _options = options;
    }

    public IReadOnlyList<ToolDescriptor> Tools => _registry.Descriptors;

    public EpisodeInfo? Episode => _episode?.Info;

    public async Task<ResetResult> ResetAsync(ResetOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        await _stepGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_episode is not null) await _episode.DisposeAsync().ConfigureAwait(false);
            _episode = null;
            var task = _options.Tasks.Get(options.TaskId);
            var reward = options.Reward is { } spec ? _options.Rewards.Resolve(spec) : null;
            var time = _options.TimeProvider;
            var startedAt = time.GetUtcNow();
            var id = options.EpisodeId ?? EpisodeIds.Create(task.Id, startedAt);
            var directory = Path.Combine(Path.GetFullPath(_options.EpisodesDirectory), id);
            if (Directory.Exists(directory) && Directory.EnumerateFileSystemEntries(directory).Any())
                throw new InvalidOperationException($"Episode folder '{directory}' already exists; choose another episode id.");

            var workspaceDir = Path.Combine(directory, "workspace");
            var startDir = Path.Combine(directory, "start");
            TaskFiles.CopyStartingFiles(task, startDir);
            FileTrees.Copy(startDir, workspaceDir);
            var info = new EpisodeInfo(id, task.Id, directory, workspaceDir, Path.Combine(directory, "trajectory.jsonl"), options.Hints, options.Seed)
            {
                TargetValLoss = task.TargetValLoss,
                EntryCommand = task.EntryCommand,
            };
            var budgets = options.Budgets ?? _options.DefaultBudgets;
            var episode = new Episode(info, task, budgets, time.GetTimestamp(), new TrajectoryWriter(info.TrajectoryPath, _options.FsyncTrajectory),
                new ToolContext
                {
                    Episode = info,
                    Task = task,
                    Workspace = new EpisodeWorkspace(workspaceDir, startDir),
                    Runs = new RunManager(_options.Sandbox, directory, id, _options.RunOptions, time),
                    Scorer = _options.Scorer,
                    Time = time,
                    Limits = _options.ToolLimits,
                    Budgets = budgets,
                    Launch = RunLaunch.For(task, _options.DataDirectory, options.Seed),
                    Reward = reward,
                    VerificationProgress = options.VerificationProgress,
                });
            File.WriteAllText(Path.Combine(directory, "episode.json"), new JsonObject
            {
                ["episode_id"] = id,
                ["task_id"] = task.Id,
                ["hints"] = HintRegimes.Format(options.Hints),
                ["seed"] = options.Seed,
                ["reward"] = reward?.Name,
                ["started_at"] = startedAt,
                ["budgets"] = System.Text.Json.JsonSerializer.SerializeToNode(budgets, JsonDefaults.Options),
            }.ToJsonString(JsonDefaults.Indented));

            var observation = new Observation(TaskPrompt.Render(task, options.Hints, Directory.EnumerateFiles(workspaceDir, "*", SearchOption.AllDirectories)
                .Select(f => Path.GetRelativePath(workspaceDir, f).Replace('\\', '/')).Order(StringComparer.Ordinal).ToList(),
                Scoring.HostTimes.Load(_options.DataDirectory, task.Id)));
            var resetInfo = new JsonObject
            {
                ["episode_id"] = id,
                ["task_id"] = task.Id,
                [StepInfo.TargetValLossKey] = task.TargetValLoss,
                ["hints"] = HintRegimes.Format(options.Hints),
                ["seed"] = options.Seed,
                ["episode_dir"] = directory,
            };
            episode.Trajectory.Append(new TrajectoryEntry
            {
                Kind = TrajectoryEntry.ResetKind,
                Step = 0,
                EpisodeId = id,
                TaskId = task.Id,
                Observation = new TrajectoryObservation(observation.Text, false),
                Info = resetInfo,
                Timings = new TrajectoryTimings(startedAt, time.GetElapsedTime(episode.StartTimestamp).TotalMilliseconds),
            });
            _episode = episode;
            return new ResetResult(observation, (JsonObject)resetInfo.DeepClone());
        }
        finally
        {
            _stepGate.Release();
        }
    }

    public async Task<StepResult> StepAsync(ToolCall call, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(call);
        var episode = _episode ?? throw new InvalidOperationException("Call ResetAsync before StepAsync.");
        await _stepGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return await episode.StepAsync(call, _registry, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _stepGate.Release();
        }
    }

    public IAsyncEnumerable<RunEvent> WatchRunAsync(string runId, CancellationToken cancellationToken = default)
    {
        var episode = _episode ?? throw new InvalidOperationException("Call ResetAsync before watching runs.");
        var run = episode.Runs.Find(runId) ?? throw new KeyNotFoundException($"There is no run '{runId}' in episode {episode.Info.EpisodeId}.");
        return run.WatchAsync(cancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        if (_episode is not null) await _episode.DisposeAsync().ConfigureAwait(false);
        _episode = null;
        _stepGate.Dispose();
    }
}
