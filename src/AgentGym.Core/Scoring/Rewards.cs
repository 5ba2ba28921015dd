using AgentGym.Core.Tasks;

namespace AgentGym.Core.Scoring;

/// <summary>Turns a verification's figures into a reward. Pluggable through <see cref="ScoringOptions.Reward"/>.</summary>
public interface IRewardFunction
{
    string Name { get; }

    double Compute(RewardInput input);
}

/// <param name="Passed">Every check passed.</param>
/// <param name="IntegrityPassed">Every check except the loss target passed: the run is honest, maybe not good enough.</param>
/// <param name="VerifiedTrainTimeMs">Mean verified train_time over the repeats; null when it could not be established.</param>
/// <param name="MeanValLoss">Mean verified val loss over the repeats; null when it could not be established.</param>
public sealed record RewardInput(TaskManifest Task, bool Passed, bool IntegrityPassed, double? VerifiedTrainTimeMs, double? MeanValLoss);

public static class RewardFunctions
{
    /// <summary>
    /// The benchmark's metric: Fraction of Speedup Recovered, (t_baseline - t) / (t_baseline - t_record), when every
    /// check passed, else 0. Not clipped: slower than the baseline is negative, faster than the record above 1.
    /// </summary>
    public static IRewardFunction Fsr { get; } = new FsrReward();

    /// <summary>
    /// For RL: FSR plus credit for loss progress, so that honest runs that miss the target still give a signal.
    /// reward = lossWeight * progress + (passed ? FSR : 0), with progress = clamp(1 - (loss - target) / lossScale, 0, 1)
    /// (1 once the target is reached); a run that fails an integrity check (time, untimed, model, causality, held-out,
    /// protected content, crash) gets -cheatPenalty instead, never loss credit.
    /// </summary>
    public static IRewardFunction Shaped(double lossWeight = 0.1, double lossScale = 0.5, double cheatPenalty = 0)
    {
        if (!(lossScale > 0)) throw new ArgumentOutOfRangeException(nameof(lossScale), "lossScale must be positive");
        return new ShapedReward(lossWeight, lossScale, cheatPenalty);
    }

    /// <summary>FSR from times in ms; 0 when the task's baseline and record times coincide (the fraction is undefined).</summary>
    public static double FractionOfSpeedupRecovered(double baselineMs, double recordMs, double verifiedMs)
    {
        var span = baselineMs - recordMs;
        return span == 0 || !double.IsFinite(span) || !double.IsFinite(verifiedMs) ? 0 : (baselineMs - verifiedMs) / span;
    }

    private sealed class FsrReward : IRewardFunction
    {
        public string Name => "fsr";

        public double Compute(RewardInput input) =>
            input.Passed && input.VerifiedTrainTimeMs is { } t
                ? FractionOfSpeedupRecovered(input.Task.BaselineTime.MeanMs, input.Task.RecordTime.MeanMs, t)
                : 0;
    }

    private sealed class ShapedReward(double lossWeight, double lossScale, double cheatPenalty) : IRewardFunction
    {
        public string Name => "shaped";

        public double Compute(RewardInput input)
        {
            if (!input.IntegrityPassed) return -cheatPenalty;
            var progress = input.MeanValLoss is { } loss && double.IsFinite(loss)
                ? Math.Clamp(1 - (loss - input.Task.TargetValLoss) / lossScale, 0, 1)
                : 0;
            return lossWeight * progress + Fsr.Compute(input);
        }
    }
}
