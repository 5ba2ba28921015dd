using System.Text.Json.Nodes;
using AgentGym.Core.Gym;

namespace AgentGym.Server.Episodes;

/// <summary>
/// One episode of the HTTP API: its own environment (so episodes share nothing but the host), a one-step-at-a-time
/// gate that refuses instead of queueing, and the counters the read endpoint reports.
/// </summary>
internal sealed class HostedEpisode(IGymEnvironment environment, EpisodeInfo info, IDisposable slot, DateTimeOffset createdAt, VerificationFeed verification)
{
    private readonly Lock _gate = new();

    // Cancelled when the episode is closed, which ends its steps in flight (telemetry streams end with the runs).
    // Never disposed on purpose: in-flight steps link to its token, and a CancellationTokenSource
    // without a timer holds nothing that needs releasing.
    private readonly CancellationTokenSource _closing = new();
    private TaskCompletionSource? _stepDone;
    private bool _closed;
    private int _steps;
    private double _totalReward;
    private bool _terminated;
    private bool _truncated;
    private DateTimeOffset? _lastStepAt;

    public string Id => info.EpisodeId;
    public EpisodeInfo Info => info;
    public IGymEnvironment Environment => environment;

    /// <summary>What the episode's verification reports while submit runs.</summary>
    public VerificationFeed Verification => verification;

    /// <summary>Cancelled when the episode is closed, which ends its steps and its verification stream.</summary>
    public CancellationToken Closing => _closing.Token;

    /// <summary>True once a step terminated or truncated the episode.</summary>
    public bool Ended { get { lock (_gate) return _terminated || _truncated; } }

    public enum StepStatus { Done, Busy, Closed }

    public async Task<(StepStatus Status, StepResult? Result)> StepAsync(ToolCall call, TimeProvider time, CancellationToken cancellationToken)
    {
        TaskCompletionSource done;
        lock (_gate)
        {
            if (_closed) return (StepStatus.Closed, null);
            if (_stepDone is not null) return (StepStatus.Busy, null);
            done = _stepDone = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }
        try
        {
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _closing.Token);
            var result = await environment.StepAsync(call, linked.Token).ConfigureAwait(false);
            lock (_gate)
            {
                // A call after the end is answered (409) but is no step of the episode.
                if (result.Facts.EpisodeOver) return (StepStatus.Done, result);
                _steps++;
                _totalReward += result.Reward;
                _terminated |= result.Terminated;
                _truncated |= result.Truncated;
                _lastStepAt = time.GetUtcNow();
            }
            return (StepStatus.Done, result);
        }
        finally
        {
            lock (_gate) _stepDone = null;
            done.SetResult();
        }
    }

    public JsonObject Describe()
    {
        lock (_gate)
        {
            return new JsonObject
            {
                ["episode_id"] = info.EpisodeId,
                ["task_id"] = info.TaskId,
                ["hints"] = HintRegimes.Format(info.Hints),
                ["seed"] = info.Seed,
                ["created_at"] = createdAt,
                ["last_step_at"] = _lastStepAt,
                ["steps"] = _steps,
                ["step_in_flight"] = _stepDone is not null,
                ["total_reward"] = _totalReward,
                ["terminated"] = _terminated,
                ["truncated"] = _truncated,
                ["ended"] = _terminated || _truncated,
                ["trajectory"] = info.TrajectoryPath,
            };
        }
    }

    /// <summary>Stops the episode: cancels a step in flight and waits for it, then disposes the environment (its runs are cancelled).</summary>
    public async ValueTask CloseAsync()
    {
        Task? inFlight;
        lock (_gate)
        {
            if (_closed) return;
            _closed = true;
            inFlight = _stepDone?.Task;
        }
        await _closing.CancelAsync().ConfigureAwait(false);
        if (inFlight is not null) await inFlight.ConfigureAwait(false);
        try
        {
            await environment.DisposeAsync().ConfigureAwait(false);
        }
        finally
        {
            slot.Dispose();
        }
    }
}
