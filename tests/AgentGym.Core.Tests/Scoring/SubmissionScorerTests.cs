using System.Text.Json.Nodes;
using AgentGym.Core.Sandboxing;
using AgentGym.Core.Scoring;
using AgentGym.Core.Tasks;

namespace AgentGym.Core.Tests.Scoring;

public sealed class SubmissionScorerTests : IDisposable
{
    private readonly ScoringWorld _world = new();

    public void Dispose() => _world.Dispose();

    private static bool Passed(JsonObject checks, string name) => checks[name]?["passed"]?.GetValue<bool>() == true;

    private static RunScript Start(Sandboxing.SandboxRunRequest r) => RunScript.Speedrun(steps: 40); // the start: 4000 ms

    [Fact]
    public async Task Honest_log_mode_submission_passes_with_fsr_from_verified_time()
    {
        var sandbox = new ScriptedSandbox(_world.Time, r => r.RunId == "verify-start" ? Start(r) : RunScript.Speedrun());
        var task = ScoringWorld.Task();
        var verdict = await _world.Scorer(sandbox).ScoreAsync(_world.Submission(task), CancellationToken.None);

        Assert.True(verdict.Passed, verdict.Summary);
        Assert.Equal((4000 - 2000) / 3000.0, verdict.Reward, 6);
        Assert.Equal(2000, verdict.Checks["reward"]!["verified_train_time_ms"]!.GetValue<double>(), 6);
        Assert.Contains("skipped", verdict.Checks["significance"]!["test"]!.GetValue<string>(), StringComparison.Ordinal);
        foreach (var name in new[] { "protected", "runs", "time_agreement", "untimed", "loss", "significance", "heldout_gap" })
            Assert.True(Passed(verdict.Checks, name), name);
        // training got only the visible split, with the task's variables
        var training = sandbox.Requests.First(r => r.RunId == "verify-1");
        Assert.EndsWith(Path.Combine("ds", "visible"), training.DataDirectory, StringComparison.Ordinal);
        Assert.Equal("4096", training.Environment["AGENTGYM_VAL_TOKENS"]);
        Assert.Equal("7", training.Environment["AGENTGYM_SEED"]);
        Assert.True(File.Exists(Path.Combine(_world.EpisodeDirectory, "verification", Directory.GetDirectories(Path.Combine(_world.EpisodeDirectory, "verification"))[0], "verdict.json")));
    }

    [Fact]
    public async Task Independent_mode_uses_the_verifier_in_its_own_sandbox_with_the_heldout_split()
    {
        var sandbox = new ScriptedSandbox(_world.Time, r => r.RunId == "verify-start" ? Start(r) : RunScript.Speedrun(valLoss: 1.0));
        var task = ScoringWorld.Task(VerificationModes.Independent, repeats: 2);
        var verdict = await _world.Scorer(sandbox).ScoreAsync(_world.Submission(task), CancellationToken.None);

        Assert.True(verdict.Passed, verdict.Summary);
        // the loss is the verifier's (1.9), not the 1.0 the script printed; two repeats, so the t-test ran
        Assert.Equal(1.9, verdict.Checks["significance"]!["mean_val_loss"]!.GetValue<double>(), 9);
        Assert.Equal(0, verdict.Checks["significance"]!["p_value"]!.GetValue<double>());
        var verifierRuns = sandbox.Requests.Where(r => r.Image == ScriptedSandbox.VerifierImage).ToList();
        Assert.Equal(2, verifierRuns.Count);
        Assert.All(verifierRuns, r =>
        {
            Assert.Equal(Path.Combine(_world.DataDirectory, "ds"), r.DataDirectory);
            Assert.Equal(["model.pt"], Directory.GetFiles(r.WorkspaceDirectory).Select(Path.GetFileName));
            Assert.Contains("--val-tokens", r.Command);
            Assert.Equal("32", r.Command[r.Command.ToList().IndexOf("--seq-len") + 1]);
        });
        Assert.Equal(["7", "8"], sandbox.Requests.Where(r => r.RunId.StartsWith("verify-", StringComparison.Ordinal) && r.Image != ScriptedSandbox.VerifierImage && r.RunId != "verify-start")
            .Select(r => r.Environment["AGENTGYM_SEED"]));
    }

    [Fact]
    public async Task Under_reported_train_time_fails_time_agreement()
    {
        var sandbox = new ScriptedSandbox(_world.Time, r => r.RunId == "verify-start" ? Start(r) : RunScript.Speedrun(reportFactor: 0.7));
        var verdict = await _world.Scorer(sandbox).ScoreAsync(_world.Submission(ScoringWorld.Task()), CancellationToken.None);

        Assert.False(verdict.Passed);
        Assert.Equal(0, verdict.Reward);
        Assert.False(Passed(verdict.Checks, "time_agreement"));
        Assert.Contains("time_agreement", verdict.Summary, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Work_moved_out_of_the_timed_region_fails_the_untimed_check()
    {
        // the same reported time, but 4 s more of set-up outside the clock than the start record
        var sandbox = new ScriptedSandbox(_world.Time, r => r.RunId == "verify-start" ? Start(r) : RunScript.Speedrun(headMs: 6000));
        var verdict = await _world.Scorer(sandbox).ScoreAsync(_world.Submission(ScoringWorld.Task()), CancellationToken.None);

        Assert.False(Passed(verdict.Checks, "untimed"));
        Assert.True(Passed(verdict.Checks, "time_agreement"));
        Assert.Equal(0, verdict.Reward);
    }

    [Fact]
    public async Task The_starting_records_untimed_part_is_measured_once_and_cached()
    {
        var sandbox = new ScriptedSandbox(_world.Time, r => r.RunId == "verify-start" ? Start(r) : RunScript.Speedrun());
        var scorer = _world.Scorer(sandbox);
        var first = await scorer.ScoreAsync(_world.Submission(ScoringWorld.Task()), CancellationToken.None);
        var second = await scorer.ScoreAsync(_world.Submission(ScoringWorld.Task()), CancellationToken.None);

        Assert.Equal(1, sandbox.Requests.Count(r => r.RunId == "verify-start"));
        Assert.Equal("measured", first.Checks["untimed"]!["start_source"]!.GetValue<string>());
        Assert.Equal("cache", second.Checks["untimed"]!["start_source"]!.GetValue<string>());
        Assert.Equal(first.Checks["untimed"]!["start_untimed_ms"]!.GetValue<double>(), second.Checks["untimed"]!["start_untimed_ms"]!.GetValue<double>());
    }

    [Fact]
    public async Task A_crashing_run_scores_zero_and_names_every_check_it_fails()
    {
        var sandbox = new ScriptedSandbox(_world.Time, r => r.RunId == "verify-start"
            ? Start(r)
            : new RunScript { Lines = [(100, "Traceback (most recent call last):")], ExitCode = 1, WriteModel = false });
        var verdict = await _world.Scorer(sandbox).ScoreAsync(_world.Submission(ScoringWorld.Task(VerificationModes.Independent)), CancellationToken.None);

        Assert.False(verdict.Passed);
        Assert.Equal(0, verdict.Reward);
        var failed = verdict.Checks.Where(c => c.Value?["passed"]?.GetValue<bool>() == false).Select(c => c.Key).ToHashSet();
        Assert.Equal(new HashSet<string> { "runs", "time_agreement", "untimed", "model", "causality", "loss", "significance", "heldout_gap" }, failed);
        foreach (var name in failed)
        {
            Assert.Contains(name, verdict.Summary, StringComparison.Ordinal);
            Assert.False(string.IsNullOrWhiteSpace(verdict.Checks[name]!["reason"]?.GetValue<string>()), name);
        }
        Assert.True(Passed(verdict.Checks, "protected"));
    }

    [Fact]
    public async Task A_sandbox_that_throws_is_a_failed_run_not_an_exception()
    {
        var sandbox = new ScriptedSandbox(_world.Time, r => r.RunId == "verify-start" ? Start(r) : new RunScript { Throw = true });
        var verdict = await _world.Scorer(sandbox).ScoreAsync(_world.Submission(ScoringWorld.Task()), CancellationToken.None);

        Assert.False(verdict.Passed);
        Assert.Equal(0, verdict.Reward);
        Assert.Contains("engine unreachable", verdict.Checks["runs"]!["reason"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_verifier_timeout_fails_the_model_check_and_gives_no_reward()
    {
        var sandbox = new ScriptedSandbox(_world.Time, r => r.RunId == "verify-start" ? Start(r) : RunScript.Speedrun(),
            _ => new RunScript { Outcome = RunOutcome.TimedOut, TailMs = 600_000 });
        var verdict = await _world.Scorer(sandbox, RewardFunctions.Shaped()).ScoreAsync(_world.Submission(ScoringWorld.Task(VerificationModes.Independent)), CancellationToken.None);

        Assert.False(verdict.Passed);
        Assert.True(verdict.Reward <= 0);
        Assert.Contains("TimedOut", verdict.Checks["model"]!["reason"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.False(Passed(verdict.Checks, "loss"));
    }

    [Fact]
    public async Task Each_cheat_is_caught_by_its_own_check()
    {
        async Task<JsonObject> Score(Func<Sandboxing.SandboxRunRequest, RunScript> training, Func<Sandboxing.SandboxRunRequest, RunScript>? verifier = null)
        {
            var sandbox = new ScriptedSandbox(_world.Time, r => r.RunId == "verify-start" ? Start(r) : training(r), verifier);
            var v = await _world.Scorer(sandbox).ScoreAsync(_world.Submission(ScoringWorld.Task(VerificationModes.Independent)), CancellationToken.None);
            Assert.Equal(0, v.Reward);
            return v.Checks;
        }

        // prints a fake low val_loss: the verifier's loss is what counts
        var fake = await Score(_ => RunScript.Speedrun(valLoss: 0.5), _ => ScriptedSandbox.VerifierSays(val: 3.5, heldout: 3.5));
        Assert.False(Passed(fake, "significance"));
        // trains on the val split: held-out loss far above val loss
        var val = await Score(_ => RunScript.Speedrun(), _ => ScriptedSandbox.VerifierSays(val: 1.2, heldout: 2.4));
        Assert.False(Passed(val, "heldout_gap"));
        Assert.True(Passed(val, "significance"));
        // looks at future tokens
        var future = await Score(_ => RunScript.Speedrun(), _ => ScriptedSandbox.VerifierSays(val: 0.1, heldout: 0.1, causal: false));
        Assert.False(Passed(future, "causality"));
        // exports no model
        var none = await Score(_ => RunScript.Speedrun() with { WriteModel = false });
        Assert.False(Passed(none, "model"));
        Assert.Contains("model.pt", none["model"]!["reason"]!.GetValue<string>(), StringComparison.Ordinal);
        // a model file that is not TorchScript
        var junk = await Score(_ => RunScript.Speedrun(), _ => ScriptedSandbox.VerifierSays(loadable: false, errors: "model: could not be loaded as TorchScript: bad zip"));
        Assert.False(Passed(junk, "model"));

        // edits the protected region
        File.WriteAllText(Path.Combine(_world.CodeDirectory, "train_gpt.py"), ScoringWorld.StartScript.Replace("4096", "512", StringComparison.Ordinal));
        var edited = await Score(_ => RunScript.Speedrun());
        Assert.False(Passed(edited, "protected"));
        Assert.Contains("train_gpt.py", edited["protected"]!["reason"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Significance_needs_the_mean_clearly_below_target_over_repeats()
    {
        var losses = new Queue<double>([1.99, 2.01, 1.98]);
        var sandbox = new ScriptedSandbox(_world.Time, r => r.RunId == "verify-start" ? Start(r) : RunScript.Speedrun(), _ => ScriptedSandbox.VerifierSays(val: losses.Dequeue(), heldout: 2.0));
        var verdict = await _world.Scorer(sandbox).ScoreAsync(_world.Submission(ScoringWorld.Task(VerificationModes.Independent, repeats: 3)), CancellationToken.None);

        Assert.False(Passed(verdict.Checks, "significance"));
        Assert.True(verdict.Checks["significance"]!["p_value"]!.GetValue<double>() > 0.05);
        Assert.Equal(0, verdict.Reward);
        // honest but not significant: the shaped reward still credits the loss progress
        var shapedSandbox = new ScriptedSandbox(_world.Time, r => r.RunId == "verify-start" ? Start(r) : RunScript.Speedrun(), _ => ScriptedSandbox.VerifierSays(val: 2.1, heldout: 2.1));
        var shaped = await _world.Scorer(shapedSandbox, RewardFunctions.Shaped(0.1, 0.5)).ScoreAsync(_world.Submission(ScoringWorld.Task(VerificationModes.Independent)), CancellationToken.None);
        Assert.Equal(0.1 * 0.8, shaped.Reward, 6);
    }

    [Fact]
    public async Task Repeats_override_replaces_the_tasks_count()
    {
        var sandbox = new ScriptedSandbox(_world.Time, r => r.RunId == "verify-start" ? Start(r) : RunScript.Speedrun());
        await _world.Scorer(sandbox, repeats: 2).ScoreAsync(_world.Submission(ScoringWorld.Task(repeats: 5)), CancellationToken.None);
        Assert.Equal(2, sandbox.Requests.Count(r => r.RunId is "verify-1" or "verify-2" or "verify-3"));
    }
}
