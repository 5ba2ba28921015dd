using AgentGym.Core.Runs;
using AgentGym.Core.Sandboxing;

namespace AgentGym.Core.Scoring;

/// <summary>One training run of a verification pair, with its host-side timing.</summary>
internal sealed record RoleRun(
    int Pair, PairRole Role, int Seed, long PermutationSeed, string Directory, SandboxRunResult Result,
    IReadOnlyList<MetricEvent> Metrics, RunTiming? Timing, string? TimingError)
{
    public string OutputDirectory => Path.Combine(Directory, "outputs");
    public string LogPath => Path.Combine(Directory, "log.txt");
    public bool Succeeded => Result.Outcome == RunOutcome.Succeeded && Result.ExitCode is null or 0;
    public double WallMs => Result.WallTime.TotalMilliseconds;

    /// <summary>Wall time minus the reported train_time: imports, data loading, validation and export, as the script tells it.</summary>
    public double? UntimedMs => Timing is { } t ? WallMs - t.FinalTrainTimeMs : null;

    /// <summary>The last val_loss the script printed; null when it printed none, or when that last one was nan or inf.</summary>
    public double? ReportedValLoss => Metrics.LastOrDefault(m => m.HasValLoss)?.ValLoss;

    /// <summary>
    /// The train time that counts: the reported one, or the wall time less the starting record's untimed allowance in
    /// the same pair (times 1 + tolerance) when that is longer. So training moved before the clock, after the last
    /// line, or hidden by a clock that lies counts all the same; only as much untimed work as the starting record
    /// needs for the same number of validations stays outside. The tolerance is the task's time_tolerance: process
    /// start-up and imports swing from run to run on a shared host, and without it that noise would only ever count
    /// against the submission.
    /// </summary>
    public double? VerifiedTrainTimeMs(UntimedAllowance? allowance, double tolerance) =>
        Timing is not { } t ? null
        : Role == PairRole.Start || allowance is null ? t.FinalTrainTimeMs
        : Math.Max(t.FinalTrainTimeMs, WallMs - AllowedUntimedMs(allowance, tolerance)!.Value);

    /// <summary>The untimed time this run may have (ms), tolerance included; null without timing.</summary>
    public double? AllowedUntimedMs(UntimedAllowance allowance, double tolerance) =>
        Timing is { } t ? allowance.For(t) * (1 + tolerance) : null;
}
