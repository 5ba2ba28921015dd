using AgentGym.Core.Gym;
using AgentGym.Core.Scoring;

namespace AgentGym.Core.Tests.Scoring;

/// <summary>
/// One test per kind of cheat that once passed every check (issue 12), each played as a small scripted run in the
/// test world, and the check meant for it. The honest submission trains 20 steps of 100 ms (2000 ms, FSR 2/3).
/// </summary>
public sealed class CheatTests : IDisposable
{
    private readonly ScoringWorld _world = new();

    public void Dispose() => _world.Dispose();

    private async Task<SubmissionVerdict> Score(Func<Sandboxing.SandboxRunRequest, RunScript> submission, Func<Sandboxing.SandboxRunRequest, RunScript>? verifier = null)
    {
        var sandbox = new ScriptedSandbox(_world.Time, ScoringWorld.ScriptedRecords(submission), verifier);
        return await _world.Scorer(sandbox).ScoreAsync(_world.Submission(_world.Task()), CancellationToken.None);
    }

    [Fact]
    public async Task Training_before_the_scripts_timer_starts_is_counted_as_training()
    {
        // 4.5 s of training before the first logged step; the log itself is the honest 2 s run
        var verdict = await Score(_ => RunScript.Speedrun(steps: 20, headMs: 2000 + 4500));

        var pair = verdict.Checks.Timing!.Pairs.Single();
        // the start's fixed untimed part (3000 ms) and its 300 ms per validation for this run's 2 validations may stay
        // outside, + 10% tolerance (3960 ms); everything beyond counts
        Assert.Equal((3960.0, 4500.0 - 360), (pair.StartUntimedMs, pair.CountedUntimedMs));
        Assert.Equal(2000 + 4500 - 360, verdict.Checks.Reward.VerifiedTrainTimeMs);
        Assert.True(verdict.Reward < 0, $"reward {verdict.Reward}");
    }

    [Fact]
    public async Task Training_after_the_last_logged_step_is_counted_as_training()
    {
        var verdict = await Score(_ => RunScript.Speedrun(steps: 20, tailMs: 1000 + 3000));

        Assert.Equal(2000 + 3000 - 360, verdict.Checks.Reward.VerifiedTrainTimeMs);
        Assert.True(verdict.Reward < 0.05, $"reward {verdict.Reward}, against 2/3 for the same run without the hidden work");
    }

    [Fact]
    public async Task Validating_less_than_the_start_frees_no_time_for_hidden_training()
    {
        // One validation instead of the start's four, and 1000 ms of training before the clock. Measured against the
        // start's whole untimed part (4200 ms + 10%) the hidden second would have been free.
        var verdict = await Score(_ => RunScript.Speedrun(steps: 20, valEvery: 20, headMs: 2000 + 1000));

        var pair = verdict.Checks.Timing!.Pairs.Single();
        Assert.Equal((3630.0, 3000.0 + 300 + 1000), (pair.StartUntimedMs, pair.SubmissionUntimedMs)); // (3000 + 300) x 1.1
        Assert.Equal(1000 - 330, pair.CountedUntimedMs);
        Assert.Equal(2000 + 1000 - 330, verdict.Checks.Reward.VerifiedTrainTimeMs);
    }

    [Fact]
    public async Task Extra_val_lines_buy_no_more_untimed_time_than_the_start_validates()
    {
        // Ten cheap val lines (the start makes four of 300 ms), with 2000 ms of training before the clock.
        var verdict = await Score(_ => RunScript.Speedrun(steps: 20, valEvery: 2, valMs: 10, headMs: 2000 + 2000));

        var pair = verdict.Checks.Timing!.Pairs.Single();
        Assert.Equal(4620.0, pair.StartUntimedMs); // (3000 + 1200) x 1.1
        Assert.Equal(4000 + 100 + 1000 - 4620, pair.CountedUntimedMs);
    }

    [Fact]
    public async Task Verification_runs_are_told_to_validate_only_at_their_last_step()
    {
        // Each validation the start makes is untimed time a submission could fill with hidden training behind val
        // lines of its own; only the final val_loss counts in verification.
        var sandbox = new ScriptedSandbox(_world.Time, ScoringWorld.ScriptedRecords(_ => RunScript.Speedrun(steps: 20)));
        await _world.Scorer(sandbox).ScoreAsync(_world.Submission(_world.Task()), CancellationToken.None);

        var training = sandbox.Requests.Where(r => r.Image != ScriptedSandbox.VerifierImage).ToList();
        Assert.Equal(["next", "start", "submission"], training.Select(ScriptedSandbox.Role).Order(StringComparer.Ordinal));
        Assert.All(training, r => Assert.Equal("1000000000", r.Environment["AGENTGYM_VAL_EVERY"]));
    }

    [Fact]
    public async Task Printing_val_loss_on_every_step_line_does_not_take_the_steps_out_of_the_clock_check()
    {
        // Every step line carries both losses and a clock at 40% of the host's: the steps are still training intervals.
        var lines = Enumerable.Range(1, 20).Select(s => (100.0, string.Create(System.Globalization.CultureInfo.InvariantCulture,
            $"step:{s}/20 train_loss:3.0 val_loss:1.9 train_time:{s * 40}ms step_avg:40.00ms"))).ToList();
        var verdict = await Score(_ => new RunScript { Lines = lines, HeadMs = 2000, TailMs = 1000 });

        var row = verdict.Checks.TimeAgreement!.Runs.Single();
        Assert.Equal((false, 760.0, 1900.0), (row.Agrees, row.ReportedGrowthMs!.Value, row.HostTrainingMs!.Value));
        Assert.Equal(0, verdict.Reward);
    }

    [Fact]
    public async Task A_clock_that_stands_still_over_training_steps_fails_the_time_check()
    {
        var verdict = await Score(_ => RunScript.Speedrun(steps: 20, fixedReportMs: 40));

        Assert.False(verdict.Checks.TimeAgreement!.Passed);
        var row = verdict.Checks.TimeAgreement.Runs.Single();
        Assert.Equal((0.0, 1900.0), (row.ReportedGrowthMs!.Value, row.HostTrainingMs!.Value));
        Assert.Equal(0, verdict.Reward);
    }

    [Fact]
    public async Task A_clock_that_runs_slow_fails_the_time_check_and_gains_nothing_in_verified_time()
    {
        var verdict = await Score(_ => RunScript.Speedrun(steps: 20, reportFactor: 0.8));

        Assert.False(verdict.Checks.TimeAgreement!.Passed);
        Assert.Equal(0, verdict.Reward);
        // even within the tolerance, the wall time less the start's untimed part bounds the verified time from below
        Assert.True(verdict.Checks.Reward.VerifiedTrainTimeMs >= 2000 - 600 - 420, $"{verdict.Checks.Reward.VerifiedTrainTimeMs}");
    }

    [Fact]
    public async Task A_checkpoint_left_in_the_workspace_is_not_part_of_what_verification_runs()
    {
        File.WriteAllBytes(Path.Combine(_world.CodeDirectory, "ckpt.pt"), [0x80, 0x02, 0x00, 0x01, 0xff]);
        var seen = new List<string[]>();
        var verdict = await Score(r =>
        {
            seen.Add([.. Directory.GetFiles(r.WorkspaceDirectory).Select(Path.GetFileName)!]);
            return RunScript.Speedrun(steps: 20);
        });

        Assert.Equal(["ckpt.pt"], verdict.Checks.Source.Excluded.Select(f => f.Path));
        Assert.StartsWith("not source text", verdict.Checks.Source.Excluded[0].Note, StringComparison.Ordinal);
        Assert.All(seen, files => Assert.Equal(["train_gpt.py"], files));
    }

    [Fact]
    public async Task A_model_pasted_into_the_script_as_a_literal_exceeds_the_source_budget()
    {
        var table = string.Join(",\n", Enumerable.Range(0, 65).Select(i => "[" + string.Join(", ", Enumerable.Range(0, 65).Select(j => $"{-(i * j % 97) / 10.0:F4}")) + "]"));
        File.AppendAllText(Path.Combine(_world.CodeDirectory, "train_gpt.py"), $"\nBIGRAM = [\n{table}\n]\n");
        var sandbox = new ScriptedSandbox(_world.Time, ScoringWorld.ScriptedRecords(_ => RunScript.Speedrun(steps: 1)));
        var verdict = await _world.Scorer(sandbox).ScoreAsync(_world.Submission(_world.Task()), CancellationToken.None);

        Assert.False(verdict.Checks.Source.Passed);
        Assert.Contains("budget of 32,768", verdict.Checks.Source.Reason, StringComparison.Ordinal);
        Assert.True(verdict.Checks.Source.TotalBytes > 32768, $"{verdict.Checks.Source.TotalBytes}");
        Assert.Empty(sandbox.Requests);
        Assert.Equal(0, verdict.Reward);
    }

    [Fact]
    public async Task Exporting_weights_other_than_the_trained_ones_fails_the_loss_agreement()
    {
        // the run logs val 3.23 (10 steps), then exports other weights that the verifier scores at 2.37
        var verdict = await Score(_ => RunScript.Speedrun(steps: 10, valLoss: 3.23), _ => ScriptedSandbox.VerifierSays(val: 2.37, heldout: 1.9));

        Assert.False(verdict.Checks.LossAgreement!.Passed);
        Assert.Contains("reported val_loss 3.2300 but its exported model scores 2.3700", verdict.Checks.LossAgreement.Reason, StringComparison.Ordinal);
        Assert.Equal(0, verdict.Reward);
    }

    [Fact]
    public async Task A_model_that_sees_the_future_fails_the_causality_check()
    {
        var verdict = await Score(_ => RunScript.Speedrun(steps: 20), _ => ScriptedSandbox.VerifierSays(causal: false));

        Assert.False(verdict.Checks.Causality!.Passed);
        Assert.Equal(31, verdict.Checks.Causality.Runs.Single().PositionsProbed);
        Assert.Equal(0, verdict.Reward);
    }

    [Fact]
    public async Task Training_on_the_visible_val_split_does_not_lower_the_held_out_loss_that_scores()
    {
        // a model fitted to the visible val tokens: val 1.2, but the held-out split it never saw stays at 2.4
        var verdict = await Score(_ => RunScript.Speedrun(steps: 20, valLoss: 1.2), _ => ScriptedSandbox.VerifierSays(val: 1.2, heldout: 2.4));

        Assert.False(verdict.Checks.Target!.Passed);
        Assert.Equal(2.4, verdict.Checks.Target.MeanHeldoutLoss);
        Assert.Equal(1.2, verdict.Checks.Target.MeanHeldoutGap);
        Assert.Equal(0, verdict.Reward);
    }

    [Fact]
    public async Task Editing_the_protected_region_is_caught_before_any_run()
    {
        File.WriteAllText(Path.Combine(_world.CodeDirectory, "train_gpt.py"), ScoringWorld.StartScript.Replace("4096", "512", StringComparison.Ordinal));
        var verdict = await Score(_ => RunScript.Speedrun(steps: 20));

        Assert.False(verdict.Checks.Protected.Passed);
        Assert.Contains("train_gpt.py", verdict.Checks.Protected.Reason, StringComparison.Ordinal);
        Assert.Null(verdict.Checks.Runs);
    }
}
