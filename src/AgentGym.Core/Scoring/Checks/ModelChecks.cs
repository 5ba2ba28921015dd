using System.Globalization;
using AgentGym.Core.Tasks;

namespace AgentGym.Core.Scoring;

/// <summary>The checks read from the verifier's reports of the submission's exported models.</summary>
internal static class ModelChecks
{
    public static ModelCheck Model(IReadOnlyList<VerifierOutcome> outcomes)
    {
        var problems = new List<string>();
        var rows = new List<ModelFigures>();
        foreach (var o in outcomes)
        {
            var errors = o.Report?.Errors ?? [];
            string? problem = !o.ModelPresent ? "no model.pt was exported"
                : o.Error is not null ? o.Error
                : o.Report is { ModelLoadable: false } ? "the model could not be loaded: " + string.Join("; ", errors)
                : errors.Count > 0 ? string.Join("; ", errors)
                : null;
            if (problem is not null) problems.Add($"pair {o.Pair}: {problem}");
            rows.Add(new ModelFigures(o.Pair, o.ModelPresent, o.Report?.ModelLoadable ?? false, o.Report?.Timings.GetValueOrDefault("total_ms"),
                [.. errors, .. o.Error is null ? [] : new[] { o.Error }]));
        }
        return new ModelCheck { Passed = problems.Count == 0 && rows.Count > 0, Reason = Join(problems, rows.Count), Runs = rows };
    }

    public static CausalityCheck Causality(IReadOnlyList<VerifierOutcome> outcomes)
    {
        var problems = new List<string>();
        var rows = new List<CausalityFigures>();
        foreach (var o in outcomes)
        {
            var c = o.Report?.Causality;
            if (c?.Ok != true)
                problems.Add($"pair {o.Pair}: " + (c is { Ok: false } ? string.Join("; ", c.Failures) : "the probe did not run (" + (o.Error ?? string.Join("; ", o.Report?.Errors ?? [])) + ")"));
            rows.Add(new CausalityFigures(o.Pair, c?.Ok, c?.MaxDeviation, c?.Limit, c?.Positions.Count ?? 0, c?.Failures ?? []));
        }
        return new CausalityCheck { Passed = problems.Count == 0 && rows.Count > 0, Reason = Join(problems, rows.Count), Runs = rows };
    }

    /// <summary>Reported final val_loss against the verifier's val loss of the exported model, run by run.</summary>
    public static LossAgreementCheck LossAgreement(IReadOnlyList<RoleRun> submissionRuns, IReadOnlyList<VerifierOutcome> outcomes, double tolerance)
    {
        var problems = new List<string>();
        var rows = new List<LossFigures>();
        foreach (var run in submissionRuns)
        {
            var report = outcomes.FirstOrDefault(o => o.Pair == run.Pair)?.Report;
            var reported = run.ReportedValLoss;
            var val = report?.ValLoss;
            if (val is null) problems.Add($"pair {run.Pair}: the verifier measured no val loss");
            else if (reported is null || !double.IsFinite(reported.Value)) problems.Add($"pair {run.Pair}: the script reported no final val_loss");
            else if (Math.Abs(reported.Value - val.Value) > tolerance)
                problems.Add(string.Create(CultureInfo.InvariantCulture,
                    $"pair {run.Pair}: the script reported val_loss {reported:F4} but its exported model scores {val:F4} on the same tokens (allowed {tolerance}): the exported model is not the one the run evaluated"));
            rows.Add(Figures(run.Pair, report, reported));
        }
        return new LossAgreementCheck { Passed = problems.Count == 0 && rows.Count > 0, Reason = Join(problems, rows.Count), Tolerance = tolerance, Runs = rows };
    }

    public static LossFigures Figures(int pair, VerifierReport? report, double? reported) =>
        new(pair, report?.HeldoutLoss, report?.ValLoss, reported,
            report is { HeldoutLoss: { } h, ValLoss: { } v } ? Math.Round(h - v, 4) : null, report?.HeldoutTokensEvaluated ?? 0);

    /// <summary>
    /// The scored loss against the target: the held-out loss (the verifier's) in independent mode, the reported
    /// val_loss in log mode. The held-out minus val gap is kept as information.
    /// </summary>
    public static TargetCheck Target(TaskManifest task, IReadOnlyList<double?> losses, IReadOnlyList<double?> gaps, string source)
    {
        var target = task.TargetValLoss;
        var p = task.Verification.PValue;
        double? meanGap = gaps.Count > 0 && gaps.All(g => g is not null) ? Math.Round(gaps.Average(g => g!.Value), 4) : null;
        if (losses.Count == 0 || losses.Any(l => l is null || !double.IsFinite(l.Value)))
            return new TargetCheck { Passed = false, Reason = $"not every pair has a {source} loss", Target = target, PValueThreshold = p, Test = "none", MeanHeldoutGap = meanGap };
        var values = losses.Select(l => l!.Value).ToList();
        var mean = values.Average();
        if (values.Count < 3)
            return new TargetCheck
            {
                Passed = mean <= target,
                Reason = mean <= target ? null : string.Create(CultureInfo.InvariantCulture, $"mean {source} loss {mean:F4} > target {target}"),
                Target = target, PValueThreshold = p, MeanHeldoutLoss = Math.Round(mean, 5), MeanHeldoutGap = meanGap,
                Test = $"fewer than 3 pairs: the mean {source} loss itself must be <= target",
            };
        var pValue = Significance.PValueBelow(values, target, out _)!.Value;
        return new TargetCheck
        {
            Passed = pValue < p,
            Reason = pValue < p ? null : string.Create(CultureInfo.InvariantCulture,
                $"mean {source} loss {mean:F4} over {values.Count} pairs is not significantly below {target} (p = {pValue:G3}, needs < {p})"),
            Target = target, PValueThreshold = p, MeanHeldoutLoss = Math.Round(mean, 5), MeanHeldoutGap = meanGap, PValue = pValue,
            Test = $"one-sided Student t on the {source} losses, H0: mean >= target, df = {values.Count - 1}",
        };
    }

    private static string? Join(List<string> problems, int rows) =>
        problems.Count > 0 ? string.Join("; ", problems) : rows == 0 ? "no submission run reached the verifier" : null;
}
