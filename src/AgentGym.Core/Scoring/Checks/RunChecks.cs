using System.Globalization;

namespace AgentGym.Core.Scoring;

/// <summary>The checks read from the training runs themselves: did they run, and does the script's clock agree with the host's.</summary>
internal static class RunChecks
{
    public static RunsCheck Runs(IReadOnlyList<RoleRun> runs, double tolerance)
    {
        var startUntimed = StartUntimedByPair(runs);
        var bad = runs.Where(r => r.Role == PairRole.Submission && !r.Succeeded).ToList();
        return new RunsCheck
        {
            Passed = bad.Count == 0,
            Reason = bad.Count == 0 ? null : string.Join("; ", bad.Select(r => $"pair {r.Pair}: {r.Result.Outcome}{(r.Result.ExitCode is { } c ? $" (exit code {c})" : "")}: {r.Result.Reason}")),
            Runs = [.. runs.Select(r => new RoleRunFigures(r.Pair, r.Role, r.Seed, r.PermutationSeed, r.Result.Outcome, r.Result.ExitCode, r.Result.Reason,
                Math.Round(r.WallMs, 1), r.Timing?.FinalTrainTimeMs, Round(r.UntimedMs),
                Round(r.VerifiedTrainTimeMs(startUntimed.GetValueOrDefault(r.Pair), tolerance)), r.LogPath))],
        };
    }

    /// <summary>Only the submission's clock is checked: the reference records are the task's own scripts.</summary>
    public static TimeAgreementCheck TimeAgreement(IReadOnlyList<RoleRun> runs, double tolerance, double slackMs)
    {
        var rows = new List<TimeAgreementFigures>();
        var problems = new List<string>();
        foreach (var run in runs.Where(r => r.Role == PairRole.Submission))
        {
            if (run.Timing is not { } t)
            {
                problems.Add($"pair {run.Pair}: {run.TimingError}");
                rows.Add(new TimeAgreementFigures(run.Pair, false, null, null, null, 0, run.TimingError));
                continue;
            }
            var agrees = t.Agrees(tolerance, slackMs);
            if (!agrees)
                problems.Add(string.Create(CultureInfo.InvariantCulture,
                    $"pair {run.Pair}: over its training steps the reported train_time grew {t.ReportedTrainingGrowthMs:F0} ms while the host saw {t.HostTrainingMs:F0} ms (allowed difference {t.AllowedDifferenceMs(tolerance, slackMs):F0} ms: {tolerance:P0} + {slackMs:F0} ms)"));
            rows.Add(new TimeAgreementFigures(run.Pair, agrees, Math.Round(t.ReportedTrainingGrowthMs, 1), Math.Round(t.HostTrainingMs, 1),
                Math.Round(t.AllowedDifferenceMs(tolerance, slackMs), 1), t.TimedLines, null));
        }
        return new TimeAgreementCheck
        {
            Passed = problems.Count == 0,
            Reason = problems.Count == 0 ? null : string.Join("; ", problems),
            Tolerance = tolerance,
            SlackMs = slackMs,
            Runs = rows,
        };
    }

    /// <summary>The starting record's untimed allowance in each pair (null where its run gave no timing).</summary>
    public static Dictionary<int, UntimedAllowance?> StartUntimedByPair(IReadOnlyList<RoleRun> runs) =>
        runs.Where(r => r.Role == PairRole.Start).ToDictionary(r => r.Pair, UntimedAllowance.Of);

    private static double? Round(double? value) => value is { } v ? Math.Round(v, 1) : null;
}
