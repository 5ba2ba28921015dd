using AgentGym.Core.Tasks;

namespace AgentGym.Core.Scoring;

/// <summary>Turns a verification's figures into a reward. Pick one by name through a <see cref="RewardRegistry"/>.</summary>
public interface IRewardFunction
{
    string Name { get; }

    double Compute(RewardInput input);
}

/// <param name="Passed">Every check passed.</param>
/// <param name="IntegrityPassed">Every check except the loss target passed: the run is honest, maybe not good enough.</param>
/// <param name="VerifiedTrainTimeMs">The submission's mean verified train time over the pairs (ms); null when unknown.</param>
/// <param name="ScoredLoss">Mean held-out loss (nats) of the exported models (the reported val loss in log mode); null when unknown.</param>
/// <param name="BaselineTimeMs">The starting record's mean train time measured in the same verification (ms).</param>
/// <param name="RecordTimeMs">The next record's mean time measured beside it, or the baseline times the task's reference ratio (ms).</param>
public sealed record RewardInput(TaskManifest Task, bool Passed, bool IntegrityPassed, double? VerifiedTrainTimeMs, double? ScoredLoss,
    double? BaselineTimeMs = null, double? RecordTimeMs = null)
{
    /// <summary>FSR from the times measured in the verification; the manifest's reference times when none were measured.</summary>
    public double? Fsr => VerifiedTrainTimeMs is { } t
        ? RewardFunctions.FractionOfSpeedupRecovered(BaselineTimeMs ?? Task.BaselineTime.MeanMs, RecordTimeMs ?? Task.RecordTime.MeanMs, t)
        : null;
}

public static class RewardFunctions
{
    /// <summary>
    /// The benchmark's metric: Fraction of Speedup Recovered, (t_start - t) / (t_start - t_next), when every check
    /// passed, else 0. Not clipped: slower than the start is negative, faster than the next record above 1.
    /// </summary>
    public static IRewardFunction Fsr { get; } = new FsrReward();

    /// <summary>
    /// For RL: FSR plus credit for loss progress, so that honest runs that miss the target still give a signal.
    /// reward = lossWeight * progress + (passed ? FSR : 0), with progress = clamp(1 - (loss - target) / lossScale, 0, 1)
    /// (1 once the target is reached); a run that fails an integrity check (time, source, model, causality,
    /// protected content, a crash) gets -cheatPenalty instead, never loss credit.
    /// </summary>
    public static IRewardFunction Shaped(double lossWeight = 0.1, double lossScale = 0.5, double cheatPenalty = 0)
    {
        if (!(lossScale > 0)) throw new ArgumentOutOfRangeException(nameof(lossScale), "lossScale must be positive");
        return new ShapedReward(lossWeight, lossScale, cheatPenalty);
    }

    /// <summary>FSR from times in ms; 0 when the start and next times coincide (the fraction is undefined).</summary>
    public static double FractionOfSpeedupRecovered(double baselineMs, double recordMs, double verifiedMs)
    {
        var span = baselineMs - recordMs;
        return span == 0 || !double.IsFinite(span) || !double.IsFinite(verifiedMs) ? 0 : (baselineMs - verifiedMs) / span;
    }

    private sealed class FsrReward : IRewardFunction
    {
        public string Name => "fsr";

        public double Compute(RewardInput input) => input.Passed && input.Fsr is { } fsr ? fsr : 0;
    }

    private sealed class ShapedReward(double lossWeight, double lossScale, double cheatPenalty) : IRewardFunction
    {
        public string Name => "shaped";

        public double Compute(RewardInput input)
        {
            if (!input.IntegrityPassed) return -cheatPenalty;
            var progress = input.ScoredLoss is { } loss && double.IsFinite(loss)
                ? Math.Clamp(1 - (loss - input.Task.TargetValLoss) / lossScale, 0, 1)
                : 0;
            return lossWeight * progress + Fsr.Compute(input);
        }
    }
}
