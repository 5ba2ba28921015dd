using AgentGym.Core.Data;
using AgentGym.Core.Sandboxing;
using AgentGym.Core.Scoring;
using AgentGym.Core.Tasks;

namespace AgentGym.Core.Tests.Scoring;

/// <summary>The paired verification: who runs when, on which data, and how FSR comes out of the measured times.</summary>
public sealed class SubmissionScorerTests : IDisposable
{
    private readonly ScoringWorld _world = new();

    public void Dispose() => _world.Dispose();

    private Task<Gym.SubmissionVerdict> Score(ScriptedSandbox sandbox, TaskManifest? task = null, IRewardFunction? reward = null, IProgress<VerificationProgress>? progress = null) =>
        _world.Scorer(sandbox, reward).ScoreAsync(_world.Submission(task ?? _world.Task()) with { Progress = progress }, CancellationToken.None);

    [Fact]
    public async Task Fsr_comes_from_the_start_submission_and_next_record_timed_side_by_side()
    {
        // start 4000 ms, next 1000 ms, submission 2000 ms of training: FSR = (4000 - 2000) / (4000 - 1000)
        var sandbox = new ScriptedSandbox(_world.Time, ScoringWorld.ScriptedRecords(_ => RunScript.Speedrun(steps: 20)));
        var verdict = await Score(sandbox);

        Assert.True(verdict.Passed, verdict.Summary);
        Assert.Equal(2.0 / 3, verdict.Reward, 6);
        var timing = verdict.Checks.Timing!;
        Assert.Equal(PairedTiming.MeasuredNext, timing.FsrSource);
        Assert.Equal((4000.0, 2000.0, (double?)1000.0), (timing.StartMs, timing.SubmissionMs, timing.NextMs));
        Assert.Equal(2000, verdict.Checks.Reward.VerifiedTrainTimeMs);
        Assert.Equal(4000, verdict.Checks.Reward.BaselineTimeMs);
        Assert.Equal(1.85, verdict.Checks.Target!.MeanHeldoutLoss);
        Assert.Equal(["start", "submission", "next", "model"], sandbox.Requests.Select(ScriptedSandbox.Role));
        Assert.True(File.Exists(Path.Combine(Directory.GetDirectories(Path.Combine(_world.EpisodeDirectory, "verification"))[0], "verdict.json")));
    }

    [Fact]
    public async Task The_typed_verdict_survives_its_json_as_eval_and_the_server_read_it()
    {
        var sandbox = new ScriptedSandbox(_world.Time, ScoringWorld.ScriptedRecords(_ => RunScript.Speedrun(steps: 20)));
        var verdict = await Score(sandbox);

        var json = System.Text.Json.JsonSerializer.SerializeToNode(verdict.Checks, Json.JsonDefaults.Options)!;
        var back = VerdictChecks.Read(json);
        Assert.Equal(verdict.Checks.Reward, back.Reward);
        Assert.Equal(verdict.Checks.Timing!.Pairs, back.Timing!.Pairs);
        Assert.Equal(verdict.Checks.Named().Select(c => (c.Name, c.Check.Passed)), back.Named().Select(c => (c.Name, c.Check.Passed)));
    }

    [Fact]
    public async Task A_host_twice_as_slow_gives_the_same_fsr()
    {
        var fast = await Score(new ScriptedSandbox(_world.Time, ScoringWorld.ScriptedRecords(_ => RunScript.Speedrun(steps: 20))));
        var slow = await Score(new ScriptedSandbox(_world.Time, ScoringWorld.ScriptedRecords(_ => RunScript.Speedrun(steps: 20), hostFactor: 2)));

        Assert.True(slow.Passed, slow.Summary);
        Assert.Equal(fast.Reward, slow.Reward, 6);
        Assert.Equal(2 * fast.Checks.Timing!.SubmissionMs, slow.Checks.Timing!.SubmissionMs, 6);
    }

    [Fact]
    public async Task The_unmodified_start_scores_zero_and_is_not_significantly_faster()
    {
        var sandbox = new ScriptedSandbox(_world.Time, ScoringWorld.ScriptedRecords(_ => RunScript.Speedrun(steps: 40)));
        var verdict = await Score(sandbox, _world.Task(pairs: 3));

        Assert.True(verdict.Passed, verdict.Summary);
        Assert.Equal(0, verdict.Reward, 6);
        Assert.Equal(false, verdict.Checks.Timing!.SignificantlyFaster);
        Assert.Equal(3, verdict.Checks.Timing.Pairs.Count);
    }

    [Fact]
    public async Task Without_a_next_record_the_reference_ratio_sets_fsrs_other_end()
    {
        // reference: baseline 4000, record 1000 => ratio 0.25; measured start 4000 => next = 1000
        var sandbox = new ScriptedSandbox(_world.Time, ScoringWorld.ScriptedRecords(_ => RunScript.Speedrun(steps: 20), hostFactor: 3));
        var verdict = await Score(sandbox, _world.Task(next: false));

        Assert.Equal(PairedTiming.ReferenceRatio, verdict.Checks.Timing!.FsrSource);
        Assert.Equal(0.25, verdict.Checks.Timing.ReferenceRatio);
        Assert.Equal(2.0 / 3, verdict.Reward, 6);
        Assert.DoesNotContain("next", sandbox.Requests.Select(ScriptedSandbox.Role));
    }

    [Fact]
    public async Task Pairs_alternate_their_order_and_each_gets_its_own_permutation_and_seed()
    {
        var sandbox = new ScriptedSandbox(_world.Time, ScoringWorld.ScriptedRecords(_ => RunScript.Speedrun(steps: 20)));
        var verdict = await Score(sandbox, _world.Task(pairs: 2));

        Assert.Equal(["start", "submission", "next", "model", "next", "submission", "start", "model"], sandbox.Requests.Select(ScriptedSandbox.Role));
        var training = sandbox.Requests.Where(r => r.Image != ScriptedSandbox.VerifierImage).ToList();
        Assert.Equal(["7", "7", "7", "8", "8", "8"], training.Select(r => r.Environment["AGENTGYM_SEED"]));
        Assert.All(training, r => Assert.EndsWith(Path.Combine($"pair-{ScriptedSandbox.Pair(r)}", "data", "ds", "visible"), r.DataDirectory, StringComparison.Ordinal));
        Assert.Equal([42L, 42, 42, 43, 43, 43], verdict.Checks.Runs!.Runs.Select(r => r.PermutationSeed));
        // the verifier gets the whole permuted dataset (visible and held-out); training never sees held-out/
        var model = sandbox.Requests.First(r => r.Image == ScriptedSandbox.VerifierImage);
        Assert.EndsWith(Path.Combine("pair-1", "data", "ds"), model.DataDirectory, StringComparison.Ordinal);
        Assert.Equal(["model.pt"], Directory.GetFiles(model.WorkspaceDirectory).Select(Path.GetFileName));
        // permuted copies are removed once their pair is done; the prepared data is untouched
        Assert.False(Directory.Exists(training[0].DataDirectory));
        Assert.Equal(1, TokenShard.ReadTokens(Path.Combine(_world.DataDirectory, "ds", "visible", "val_000.bin"))[0]);
    }

    [Fact]
    public async Task Progress_names_every_run_of_every_pair_and_ends_with_done()
    {
        var seen = new List<VerificationProgress>();
        var sandbox = new ScriptedSandbox(_world.Time, ScoringWorld.ScriptedRecords(_ => RunScript.Speedrun(steps: 20)));
        await Score(sandbox, _world.Task(pairs: 2), progress: new SyncProgress(seen.Add));

        var runs = seen.Where(p => p.Phase is "train" or "verify_model").ToList();
        Assert.Equal(8, runs.Count);
        Assert.Equal([0, 1, 2, 3, 4, 5, 6, 7], runs.Select(p => p.Step));
        Assert.All(seen, p => Assert.Equal(8, p.TotalSteps));
        Assert.Equal("pair 2/2: training the starting record", runs[6].Message);
        Assert.Equal("done", seen[^1].Phase);
    }

    [Fact]
    public async Task A_crashing_submission_scores_zero_and_names_every_check_it_fails()
    {
        var sandbox = new ScriptedSandbox(_world.Time, ScoringWorld.ScriptedRecords(_ =>
            new RunScript { Lines = [(100, "Traceback (most recent call last):")], ExitCode = 1, WriteModel = false }));
        var verdict = await Score(sandbox);

        Assert.False(verdict.Passed);
        Assert.Equal(0, verdict.Reward);
        var failed = verdict.Checks.Named().Where(c => !c.Check.Passed).Select(c => c.Name).ToList();
        Assert.Equal(["runs", "time_agreement", "timing", "model", "causality", "loss_agreement", "target"], failed);
        Assert.All(failed, name => Assert.Contains(name, verdict.Summary, StringComparison.Ordinal));
        Assert.True(verdict.Checks.Protected.Passed);
    }

    [Fact]
    public async Task A_sandbox_that_throws_is_a_failed_run_not_an_exception()
    {
        var sandbox = new ScriptedSandbox(_world.Time, ScoringWorld.ScriptedRecords(_ => new RunScript { Throw = true }));
        var verdict = await Score(sandbox);

        Assert.Equal((false, 0.0), (verdict.Passed, verdict.Reward));
        Assert.Contains("engine unreachable", verdict.Checks.Runs!.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_starting_record_that_fails_on_this_host_is_no_integrity_failure_of_the_submission()
    {
        var sandbox = new ScriptedSandbox(_world.Time, r => ScriptedSandbox.Role(r) == "start" ? new RunScript { ExitCode = 1 } : ScoringWorld.ScriptedRecords(_ => RunScript.Speedrun())(r));
        var verdict = await Score(sandbox, reward: RewardFunctions.Shaped(0.1, 0.5));

        Assert.False(verdict.Checks.Timing!.Passed);
        Assert.Contains("starting record", verdict.Checks.Timing.Reason, StringComparison.Ordinal);
        Assert.True(verdict.Checks.IntegrityPassed);
        Assert.Equal(0.1, verdict.Reward, 6); // loss credit only: the target was reached but no FSR could be measured
    }

    [Fact]
    public async Task A_verifier_timeout_fails_the_model_check_and_gives_no_reward()
    {
        var sandbox = new ScriptedSandbox(_world.Time, ScoringWorld.ScriptedRecords(_ => RunScript.Speedrun()),
            _ => new RunScript { Outcome = RunOutcome.TimedOut, TailMs = 600_000 });
        var verdict = await Score(sandbox, reward: RewardFunctions.Shaped());

        Assert.False(verdict.Passed);
        Assert.Equal(0, verdict.Reward);
        Assert.Contains("TimedOut", verdict.Checks.Model!.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_target_needs_a_significant_mean_with_three_pairs()
    {
        var losses = new Queue<double>([1.99, 2.01, 1.98]);
        var sandbox = new ScriptedSandbox(_world.Time, ScoringWorld.ScriptedRecords(_ => RunScript.Speedrun(valLoss: 1.9)),
            _ => ScriptedSandbox.VerifierSays(val: 1.9, heldout: losses.Dequeue()));
        var verdict = await Score(sandbox, _world.Task(pairs: 3));

        Assert.False(verdict.Checks.Target!.Passed);
        Assert.True(verdict.Checks.Target.PValue > 0.05, $"p = {verdict.Checks.Target.PValue}");
        Assert.Equal(0, verdict.Reward);
        Assert.True(verdict.Checks.IntegrityPassed);
    }

    [Fact]
    public async Task Pairs_override_replaces_the_tasks_count()
    {
        var sandbox = new ScriptedSandbox(_world.Time, ScoringWorld.ScriptedRecords(_ => RunScript.Speedrun()));
        await _world.Scorer(sandbox, pairs: 2).ScoreAsync(_world.Submission(_world.Task(pairs: 5)), CancellationToken.None);
        Assert.Equal(2, sandbox.Requests.Count(r => ScriptedSandbox.Role(r) == "submission"));
    }

    private sealed class SyncProgress(Action<VerificationProgress> report) : IProgress<VerificationProgress>
    {
        public void Report(VerificationProgress value) => report(value);
    }
}
