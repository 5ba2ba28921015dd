using AgentGym.Core.Sandboxing;

namespace AgentGym.Core.Scoring;

/// <summary>The roles of a verification pair: the task's starting record, the submission, and the next record.</summary>
public enum PairRole { Start, Submission, Next }

/// <summary>
/// Every training run of the verification: each pair runs the starting record, the submission and (where the task
/// names it) the next record alternately on the same host, under the same limits, on the same permuted data.
/// Fails when a submission run failed, or when a reference run failed so that the submission cannot be timed.
/// </summary>
public sealed record RunsCheck : VerdictCheck
{
    public required IReadOnlyList<RoleRunFigures> Runs { get; init; }
}

/// <param name="Pair">1-based pair number.</param>
/// <param name="PermutationSeed">Seed of the vocabulary permutation applied to every split for this pair.</param>
/// <param name="WallMs">Host-measured wall time of the whole process (ms).</param>
/// <param name="ReportedTrainTimeMs">The script's last reported train_time (ms); null when it reported none.</param>
/// <param name="UntimedMs">WallMs minus ReportedTrainTimeMs: imports, data loading, validation, export (ms).</param>
/// <param name="VerifiedTrainTimeMs">max(reported, wall - the start record's untimed part in the same pair x (1 + time_tolerance)) (ms).</param>
public sealed record RoleRunFigures(
    int Pair, PairRole Role, int Seed, long PermutationSeed, RunOutcome Outcome, int? ExitCode, string Reason,
    double WallMs, double? ReportedTrainTimeMs, double? UntimedMs, double? VerifiedTrainTimeMs, string Log);

/// <summary>
/// The submission's reported train_time against the host's clock over its training steps: an interval that ends
/// with a training-step line is training, whatever the script's clock says, so a clock that stands still over
/// training steps is caught. Allowed difference: tolerance x host time + a fixed slack for line delivery.
/// </summary>
public sealed record TimeAgreementCheck : VerdictCheck
{
    public required double Tolerance { get; init; }
    public required double SlackMs { get; init; }
    public required IReadOnlyList<TimeAgreementFigures> Runs { get; init; }
}

/// <param name="ReportedGrowthMs">Reported train_time growth over the training intervals (ms).</param>
/// <param name="HostTrainingMs">Host time over the same intervals (ms).</param>
/// <param name="Error">Why no timing could be read (too few timed lines, a clock going backwards).</param>
public sealed record TimeAgreementFigures(
    int Pair, bool Agrees, double? ReportedGrowthMs, double? HostTrainingMs, double? AllowedDifferenceMs, int TimedLines, string? Error);

/// <summary>
/// The paired timing that gives FSR. Times are verified train times measured in this verification on this host:
/// FSR = (t_start - t_submission) / (t_start - t_next) over the sums of the pairs; where the task names no next
/// record (or it was not measured faster), t_next = t_start x the manifest's reference ratio record/baseline.
/// Significance: a one-sided paired t-test of start - submission > 0 (information; it does not gate the reward).
/// </summary>
public sealed record TimingCheck : VerdictCheck
{
    public required IReadOnlyList<PairTiming> Pairs { get; init; }
    public required double StartMs { get; init; }
    public required double SubmissionMs { get; init; }
    public double? NextMs { get; init; }

    /// <summary>The manifest's record_time / baseline_time: reference figures measured elsewhere.</summary>
    public required double ReferenceRatio { get; init; }

    /// <summary>"measured next record" or "reference ratio".</summary>
    public required string FsrSource { get; init; }

    public double? Fsr { get; init; }
    public double? FasterPValue { get; init; }
    public bool? SignificantlyFaster { get; init; }
    public required double PValueThreshold { get; init; }

    public override bool IsIntegrity => false;
}

/// <param name="StartUntimedMs">The untimed time the submission may have, from the starting record in this pair: its fixed
/// untimed part plus its cost per validation for as many validations as the submission made (at most its own), times
/// 1 + time_tolerance (ms).</param>
/// <param name="SubmissionUntimedMs">The submission's wall time less its reported train_time (ms).</param>
/// <param name="CountedUntimedMs">Untimed time of the submission beyond that allowance, counted as training (ms).</param>
public sealed record PairTiming(int Pair, double StartMs, double SubmissionMs, double? NextMs, double StartUntimedMs, double SubmissionUntimedMs, double CountedUntimedMs);
