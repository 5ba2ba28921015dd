using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using AgentGym.Core.Data;
using AgentGym.Core.Gym;
using AgentGym.Core.Json;
using AgentGym.Core.Sandboxing;
using AgentGym.Core.Tasks;

namespace AgentGym.Core.Scoring;

/// <summary>
/// Scores a submission from verified facts only. Each of the task's pairs runs the starting record, the submission
/// and (where named) the next record alternately on this host, under the same limits, on a copy of the data whose
/// vocabulary is freshly permuted; the exported model of each submission run is scored in the verifier's own locked
/// sandbox on the permuted held-out split. FSR comes from the times measured side by side, so a slow or busy host
/// scales every time alike. Every check is typed in the verdict with its figures; a crash or timeout anywhere is a
/// failed check, never an exception.
/// </summary>
internal sealed class SubmissionScorer(ISandbox sandbox, ScoringOptions options) : ISubmissionScorer
{
    private readonly VerificationRunner _runner = new(sandbox, options);

    public async Task<SubmissionVerdict> ScoreAsync(Submission submission, CancellationToken cancellationToken)
    {
        var task = submission.Task;
        var v = task.Verification;
        var pairs = Math.Max(1, options.Pairs ?? v.Pairs);
        var independent = v.Mode == VerificationModes.Independent;
        var reward = submission.Reward ?? options.Reward;
        var stamp = options.TimeProvider.GetUtcNow().ToString("yyyyMMdd-HHmmss-fff", CultureInfo.InvariantCulture);
        var root = Path.Combine(submission.Episode.Directory, "verification", stamp);
        Directory.CreateDirectory(root);
        var roles = v.NextRecord is null ? new[] { PairRole.Start, PairRole.Submission } : [PairRole.Start, PairRole.Submission, PairRole.Next];
        var progress = new ProgressCounter(submission.Progress, pairs, pairs * (roles.Length + (independent ? 1 : 0)));

        progress.Report("source", 0, null, "checking protected regions and collecting the source");
        var protectedCheck = ProtectedChecks.Build(task, submission.StartDirectory, submission.CodeDirectory);
        var source = SourceSnapshot.Collect(task, submission.CodeDirectory, submission.StartDirectory, Path.Combine(root, "source"));
        var checks = new VerdictChecks { Protected = protectedCheck, Source = source, Reward = Placeholder(reward) };
        if (protectedCheck.Passed && source.Passed)
            checks = await RunPairsAsync(submission, root, pairs, roles, independent, checks, progress, cancellationToken).ConfigureAwait(false);

        progress.Report("checks", 0, null, "computing the reward");
        var timing = checks.Timing;
        var means = timing is null ? ((double?)null, (double?)null, (double?)null) : PairedTiming.Means(timing);
        var input = new RewardInput(task, checks.AllPassed, checks.IntegrityPassed, means.Item2, checks.Target?.MeanHeldoutLoss, means.Item1, means.Item3);
        var value = reward.Compute(input);
        checks = checks with
        {
            Reward = new RewardSummary
            {
                Function = reward.Name,
                Value = value,
                Fsr = timing?.Fsr,
                VerifiedTrainTimeMs = means.Item2,
                BaselineTimeMs = means.Item1,
                RecordTimeMs = means.Item3,
                VerifiedHeldoutLoss = checks.Target?.MeanHeldoutLoss,
                ReferenceBaselineTimeMs = task.BaselineTime.MeanMs,
                ReferenceRecordTimeMs = task.RecordTime.MeanMs,
                Note = checks.AllPassed ? "every check passed" : "a check failed, so the reward function was told the submission did not pass",
            },
        };
        var failed = checks.Named().Where(c => !c.Check.Passed).ToList();
        var summary = failed.Count == 0
            ? string.Create(CultureInfo.InvariantCulture,
                $"Verified over {pairs} pair(s): held-out loss {checks.Target?.MeanHeldoutLoss:F4} (target {task.TargetValLoss}); {PairedTiming.Describe(timing!)}; FSR {timing!.Fsr:F3}; every check passed.")
            : $"Verification failed: {string.Join(", ", failed.Select(c => $"{c.Name} ({c.Check.Reason ?? "failed"})"))}.";
        var verdict = new SubmissionVerdict(value, failed.Count == 0, summary, checks);
        await File.WriteAllTextAsync(Path.Combine(root, "verdict.json"),
            JsonSerializer.Serialize(new { task_id = task.Id, episode_id = submission.Episode.EpisodeId, run_id = submission.RunId, passed = verdict.Passed, reward = value, summary, checks },
                JsonDefaults.Indented), cancellationToken).ConfigureAwait(false);
        await HostTimes.SaveAsync(options, task, timing, sandbox.Name, cancellationToken).ConfigureAwait(false);
        progress.Report("done", 0, null, summary);
        return verdict;
    }

    private async Task<VerdictChecks> RunPairsAsync(Submission submission, string root, int pairs, PairRole[] roles, bool independent,
        VerdictChecks checks, ProgressCounter progress, CancellationToken cancellationToken)
    {
        var task = submission.Task;
        var codes = new Dictionary<PairRole, string>
        {
            [PairRole.Start] = submission.StartDirectory,
            [PairRole.Submission] = Path.Combine(root, "source"),
        };
        if (task.Verification.NextRecord is { } next)
        {
            codes[PairRole.Next] = Path.Combine(root, "next-record");
            TaskFiles.CopyFiles(task, next.StartingFiles, codes[PairRole.Next]);
        }
        var firstSeed = options.PermutationSeed ?? BitConverter.ToInt64(RandomNumberGenerator.GetBytes(8)) & long.MaxValue;
        var verifier = new ModelVerifier(_runner, options);
        var runs = new List<RoleRun>();
        var outcomes = new List<VerifierOutcome>();
        for (var pair = 1; pair <= pairs; pair++)
        {
            var pairDir = Path.Combine(root, $"pair-{pair}");
            var permutationSeed = firstSeed + pair - 1;
            var dataRoot = PermutedData(task, pairDir, permutationSeed);
            var seed = submission.Episode.Seed + pair - 1;
            // Alternate the order (start first in odd pairs, last in even ones) so that drift in the host's speed
            // during a verification falls on every role alike.
            var order = pair % 2 == 1 ? roles : roles.Reverse().ToArray();
            foreach (var role in order)
            {
                progress.Report("train", pair, role, $"pair {pair}/{pairs}: training the {Describe(role)}");
                runs.Add(await _runner.TrainAsync(task, codes[role], Path.Combine(pairDir, role.ToString().ToLowerInvariant()), pair, role, seed,
                    permutationSeed, dataRoot, submission.Episode.EpisodeId, cancellationToken).ConfigureAwait(false));
            }
            if (independent)
            {
                progress.Report("verify_model", pair, PairRole.Submission, $"pair {pair}/{pairs}: scoring the submission's exported model on the held-out split");
                outcomes.Add(await verifier.VerifyAsync(task, runs.Single(r => r.Pair == pair && r.Role == PairRole.Submission), dataRoot,
                    submission.Episode.EpisodeId, cancellationToken).ConfigureAwait(false));
            }
            if (dataRoot is not null && dataRoot.StartsWith(pairDir, StringComparison.Ordinal)) Directory.Delete(dataRoot, recursive: true);
        }

        var v = task.Verification;
        var submissionRuns = runs.Where(r => r.Role == PairRole.Submission).ToList();
        var losses = independent ? outcomes.Select(o => o.Report?.HeldoutLoss).ToList() : submissionRuns.Select(r => r.ReportedValLoss).ToList();
        var gaps = independent ? outcomes.Select(o => o.Report is { HeldoutLoss: { } h, ValLoss: { } val } ? h - val : (double?)null).ToList() : [];
        return checks with
        {
            Runs = RunChecks.Runs(runs, v.TimeTolerance),
            TimeAgreement = RunChecks.TimeAgreement(runs, v.TimeTolerance, options.TimeSlack.TotalMilliseconds),
            Timing = PairedTiming.Build(task, runs, v.PValue),
            Model = independent ? ModelChecks.Model(outcomes) : null,
            Causality = independent ? ModelChecks.Causality(outcomes) : null,
            LossAgreement = independent ? ModelChecks.LossAgreement(submissionRuns, outcomes, v.ReportedLossTolerance) : null,
            Target = ModelChecks.Target(task, losses, gaps, independent ? "held-out" : "reported val"),
        };
    }

    /// <summary>The pair's data: the task's dataset with a fresh vocabulary permutation; null when the task has none.</summary>
    private string? PermutedData(TaskManifest task, string pairDir, long seed)
    {
        if (options.DataDirectory is null || task.Data.Dataset is null) return options.DataDirectory;
        var source = Path.Combine(options.DataDirectory, task.Data.Dataset);
        if (!File.Exists(Path.Combine(source, "visible", "meta.json"))) return options.DataDirectory; // the runs will say the data is missing
        var dataRoot = Path.Combine(pairDir, "data");
        PermutedDataset.Write(source, Path.Combine(dataRoot, task.Data.Dataset), seed);
        return dataRoot;
    }

    private static string Describe(PairRole role) => role switch
    {
        PairRole.Start => "starting record",
        PairRole.Next => "next record",
        _ => "submission",
    };

    private static RewardSummary Placeholder(IRewardFunction reward) =>
        new() { Function = reward.Name, Value = 0, ReferenceBaselineTimeMs = 0, ReferenceRecordTimeMs = 0, Note = "" };

    private sealed class ProgressCounter(IProgress<VerificationProgress>? sink, int pairs, int total)
    {
        private int _step;

        public void Report(string phase, int pair, PairRole? role, string message)
        {
            if (phase is "train" or "verify_model") _step++;
            sink?.Report(new VerificationProgress(phase, pair, pairs, role, phase == "done" ? total : Math.Max(0, _step - (phase is "train" or "verify_model" ? 1 : 0)), total, message));
        }
    }
}
