using System.Globalization;
using AgentGym.Core.Tasks;

namespace AgentGym.Core.Scoring;

/// <summary>
/// FSR from the times measured in one verification (see <see cref="TimingCheck"/>). Summing over the pairs before
/// dividing keeps one noisy pair from swinging the ratio.
/// </summary>
internal static class PairedTiming
{
    public const string MeasuredNext = "measured next record";
    public const string ReferenceRatio = "reference ratio";

    public static TimingCheck Build(TaskManifest task, IReadOnlyList<RoleRun> runs, double pValue)
    {
        var ratio = task.RecordTime.MeanMs / task.BaselineTime.MeanMs;
        var tolerance = task.Verification.TimeTolerance;
        var startUntimed = RunChecks.StartUntimedByPair(runs);
        var pairs = new List<PairTiming>();
        var problems = new List<string>();
        foreach (var pair in runs.Select(r => r.Pair).Distinct().Order())
        {
            var start = runs.Single(r => r.Pair == pair && r.Role == PairRole.Start);
            var submission = runs.Single(r => r.Pair == pair && r.Role == PairRole.Submission);
            var next = runs.SingleOrDefault(r => r.Pair == pair && r.Role == PairRole.Next);
            var untimed = startUntimed.GetValueOrDefault(pair);
            if (!start.Succeeded || untimed is null || start.Timing is null)
            {
                problems.Add($"pair {pair}: the starting record's run gave no timing ({start.Result.Outcome}: {start.Result.Reason}{(start.TimingError is null ? "" : "; " + start.TimingError)})");
                continue;
            }
            if (!submission.Succeeded || submission.VerifiedTrainTimeMs(untimed, tolerance) is not { } sub) continue; // the runs check says why
            double? nextMs = next is { Succeeded: true } ? next.VerifiedTrainTimeMs(untimed, tolerance) : null;
            if (next is not null && nextMs is null)
                problems.Add($"pair {pair}: the next record's run gave no timing ({next.Result.Outcome}: {next.Result.Reason})");
            var subUntimed = submission.UntimedMs ?? submission.WallMs;
            pairs.Add(new PairTiming(pair, R(start.Timing.FinalTrainTimeMs), R(sub), nextMs is { } n ? R(n) : null, R(submission.AllowedUntimedMs(untimed, tolerance) ?? 0), R(subUntimed),
                R(Math.Max(0, sub - submission.Timing!.FinalTrainTimeMs))));
        }

        var startMs = pairs.Sum(p => p.StartMs);
        var subMs = pairs.Sum(p => p.SubmissionMs);
        double? nextTotal = pairs.Count > 0 && pairs.All(p => p.NextMs is not null) ? pairs.Sum(p => p.NextMs!.Value) : null;
        var source = nextTotal is { } nt && nt < startMs ? MeasuredNext : ReferenceRatio;
        var nextMs2 = source == MeasuredNext ? nextTotal!.Value : startMs * ratio;
        double? fsr = pairs.Count > 0 && problems.Count == 0 ? RewardFunctions.FractionOfSpeedupRecovered(startMs, nextMs2, subMs) : null;
        var p = Significance.PValueAbove(pairs.Select(x => x.StartMs - x.SubmissionMs).ToList(), out _);
        var count = Math.Max(1, pairs.Count);
        return new TimingCheck
        {
            Passed = problems.Count == 0 && pairs.Count > 0,
            Reason = problems.Count > 0 ? string.Join("; ", problems) : pairs.Count == 0 ? "no pair gave both times" : null,
            Pairs = pairs,
            StartMs = R(startMs / count),
            SubmissionMs = R(subMs / count),
            NextMs = nextTotal is { } t ? R(t / count) : null,
            ReferenceRatio = Math.Round(ratio, 4),
            FsrSource = source,
            Fsr = fsr is { } f ? Math.Round(f, 4) : null,
            FasterPValue = p is { } pv ? Math.Round(pv, 5) : null,
            SignificantlyFaster = p is { } pv2 ? pv2 < pValue : null,
            PValueThreshold = pValue,
        };
    }

    /// <summary>The times FSR is computed from, as the mean per pair: (start, submission, next).</summary>
    public static (double Start, double Submission, double Next) Means(TimingCheck timing) =>
        (timing.StartMs, timing.SubmissionMs, timing.FsrSource == MeasuredNext && timing.NextMs is { } n ? n : timing.StartMs * timing.ReferenceRatio);

    public static string Describe(TimingCheck t) => string.Create(CultureInfo.InvariantCulture,
        $"start {t.StartMs / 1000:F2} s, submission {t.SubmissionMs / 1000:F2} s, next record {Means(t).Next / 1000:F2} s ({t.FsrSource})");

    private static double R(double value) => Math.Round(value, 1);
}
