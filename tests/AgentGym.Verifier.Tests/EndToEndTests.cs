using System.Text.Json;
using AgentGym.Core.Gym;
using AgentGym.Core.Json;
using AgentGym.Core.Scoring;
using Xunit.Abstractions;

namespace AgentGym.Verifier.Tests;

/// <summary>
/// Real verification: Docker, the CPU image, PyTorch training of a tiny model, and the TorchSharp verifier in its
/// own container. Each cheat must be caught by the check meant for it, and an honest speed-up must earn FSR near 1.
/// </summary>
[Collection(VerificationCollection.Name)]
public sealed partial class EndToEndTests(VerificationWorld world, ITestOutputHelper output)
{
    private const string ExportMarker = "# EXPORT";

    private static bool Passed(SubmissionVerdict v, string check) => v.Checks.Named().Single(c => c.Name == check).Check.Passed;

    private void Show(SubmissionVerdict v)
    {
        output.WriteLine(v.Summary);
        output.WriteLine(JsonSerializer.Serialize(v.Checks, JsonDefaults.Indented));
        // A failed run's own words, before the test's folder is deleted.
        foreach (var run in v.Checks.Runs?.Runs.Where(r => r.ExitCode is not (null or 0)) ?? [])
            if (File.Exists(run.Log)) output.WriteLine($"--- {run.Role} pair {run.Pair} log tail:\n" + string.Join('\n', File.ReadLines(run.Log).TakeLast(30)));
    }

    private static Func<string, string> Replace(string from, string to) => s =>
    {
        Assert.Contains(from, s, StringComparison.Ordinal);
        return s.Replace(from, to, StringComparison.Ordinal);
    };

    private static Func<string, string> Then(params Func<string, string>[] edits) => s => edits.Aggregate(s, (acc, e) => e(acc));

    private static Func<string, string> Fast => Replace("SLOW = 0.1", "SLOW = 0.0");

    private static Func<string, string> BeforeExport(string code) => Replace(ExportMarker, code + "\n" + ExportMarker);

    /// <summary>The check meant for the cheat fails, with reward 0, and nothing else fails but what follows from it.</summary>
    private void AssertCaughtBy(SubmissionVerdict v, string check, params string[] consequences)
    {
        Show(v);
        Assert.False(v.Passed);
        Assert.Equal(0, v.Reward);
        Assert.False(Passed(v, check), $"{check} should have failed");
        Assert.Contains(check, v.Summary, StringComparison.Ordinal);
        var failed = v.Checks.Named().Where(c => !c.Check.Passed).Select(c => c.Name).Order().ToList();
        Assert.Equal(consequences.Append(check).Order().ToList(), failed);
    }

    [DockerFact]
    public async Task The_unchanged_start_passes_with_fsr_near_zero()
    {
        var v = await world.ScoreAsync(s => s);
        Show(v);
        Assert.True(v.Passed, v.Summary);
        Assert.InRange(v.Reward, -0.35, 0.35);
    }

    [DockerFact]
    public async Task A_real_speedup_passes_over_two_pairs_with_fsr_near_one()
    {
        var v = await world.ScoreAsync(Fast, pairs: 2);
        Show(v);
        Assert.True(v.Passed, v.Summary);
        Assert.InRange(v.Reward, 0.6, 1.4);
        Assert.Equal(2, v.Checks.Timing!.Pairs.Count);
        Assert.Equal(true, v.Checks.Timing.SignificantlyFaster);
        Assert.All(v.Checks.Causality!.Runs, r => Assert.Equal((true, 31), (r.Ok, r.PositionsProbed)));
        // both pairs trained on their own permutation of the vocabulary, and the honest script learned each
        Assert.Equal(2, v.Checks.Runs!.Runs.Select(r => r.PermutationSeed).Distinct().Count());
    }

    [DockerFact]
    public async Task A_fake_low_val_loss_in_the_log_fails_the_loss_agreement() =>
        AssertCaughtBy(await world.ScoreAsync(Then(Fast, Replace("STEPS = 30", "STEPS = 2"), Replace("val_loss:{v_loss:.4f}", "val_loss:{0.5:.4f}"))),
            "loss_agreement", "target");

    [DockerFact]
    public async Task Under_reported_train_time_fails_time_agreement()
    {
        // The start's 3 s of timed steps, reported as a quarter: far outside tolerance and slack on any machine.
        var v = await world.ScoreAsync(Replace("REPORT = 1.0", "REPORT = 0.25"));
        AssertCaughtBy(v, "time_agreement");
        // and had it slipped through, the verified time would have been the wall time less the start's untimed part
        var run = v.Checks.Runs!.Runs.Single(r => r.Role == PairRole.Submission);
        Assert.True(run.VerifiedTrainTimeMs > 1.5 * run.ReportedTrainTimeMs, $"{run.VerifiedTrainTimeMs} vs {run.ReportedTrainTimeMs}");
    }

    [DockerFact]
    public async Task Training_before_the_timer_starts_counts_as_training()
    {
        // 400 hidden steps before the clock starts (a few seconds), then the honest 30 fast steps
        const string hidden = """
            for _ in range(400):
                ix = torch.randint(len(train) - T - 1, (16,))
                chunk = train[ix[:, None] + torch.arange(T + 1)[None, :]]
                loss = F.cross_entropy(model(chunk[:, :-1]).reshape(-1, V), chunk[:, 1:].reshape(-1))
                opt.zero_grad()
                loss.backward()
                opt.step()
            t0 = time.perf_counter()
            for step in range(1, STEPS + 1):
            """;
        var v = await world.ScoreAsync(Then(Fast, Replace("t0 = time.perf_counter()\nfor step in range(1, STEPS + 1):\n", hidden + "\n")));
        Show(v);
        Assert.True(v.Checks.Runs!.Passed, v.Summary);
        var pair = v.Checks.Timing!.Pairs.Single();
        Assert.True(pair.CountedUntimedMs > 1000, $"counted {pair.CountedUntimedMs} ms of hidden work");
        Assert.True(pair.SubmissionMs > pair.CountedUntimedMs, $"{pair.SubmissionMs}");
    }

    [DockerFact]
    public async Task Training_on_the_visible_val_split_misses_the_held_out_target()
    {
        // Exports a table of 5-token contexts memorised from the val tokens (hashed): causal, and far below target on
        // the val split, but it has seen almost none of the held-out contexts.
        const string memoriser = """
            class Memoriser(nn.Module):
                def __init__(self, tokens, n=5, buckets=65521):
                    super().__init__()
                    self.n, self.buckets = n, buckets
                    keys = self.keys(tokens[None, :-1])[0]
                    counts = torch.full((buckets, V), 0.01)
                    counts.index_put_((keys, tokens[1:]), torch.ones(len(keys)), accumulate=True)
                    self.register_buffer("table", (counts / counts.sum(1, keepdim=True)).log())

                def keys(self, idx):
                    key = torch.zeros_like(idx)
                    for i in range(self.n):  # token t-i, padded with the window's first token: past only
                        shifted = torch.cat([idx[:, :1].expand(-1, i), idx[:, : idx.size(1) - i]], dim=1)
                        key = (key * V + shifted) % self.buckets
                    return key

                def forward(self, idx):
                    return self.table[self.keys(idx)]


            export_model = Memoriser(val)
            """;
        var v = await world.ScoreAsync(Then(Fast, BeforeExport(memoriser + "\nprint(f\"step:{STEPS}/{STEPS} val_loss:{evaluate(export_model):.4f} train_time:{train_time:.0f}ms step_avg:0ms\", flush=True)")));
        AssertCaughtBy(v, "target");
        Assert.True(v.Checks.Target!.MeanHeldoutGap > 0.5, $"gap {v.Checks.Target.MeanHeldoutGap}");
        Assert.True(Passed(v, "causality"));
        Assert.True(Passed(v, "loss_agreement"));
    }

    [DockerFact]
    public async Task A_precomputed_table_collapses_on_the_permuted_vocabulary()
    {
        // The true transition table, pasted into the script as a literal and exported with no training: below the
        // target on the original token ids, noise once verification permutes the vocabulary.
        var rows = string.Join(",\n", world.TrueTransitions.Select(r => "[" + string.Join(", ", r.Select(x => Math.Log(x).ToString("F3", System.Globalization.CultureInfo.InvariantCulture))) + "]"));
        var table = $$"""
            TABLE = torch.tensor([
            {{rows}}
            ])


            class Table(nn.Module):
                def __init__(self):
                    super().__init__()
                    self.register_buffer("table", TABLE)

                def forward(self, idx):
                    return self.table[idx]


            export_model = Table()
            print(f"step:{STEPS}/{STEPS} val_loss:{evaluate(export_model):.4f} train_time:{train_time:.0f}ms step_avg:0ms", flush=True)
            """;
        var v = await world.ScoreAsync(Then(Fast, Replace("STEPS = 30", "STEPS = 2"), BeforeExport(table)));
        AssertCaughtBy(v, "target");
        Assert.True(v.Checks.Target!.MeanHeldoutLoss > 3, $"held-out loss {v.Checks.Target.MeanHeldoutLoss}");
    }

    [DockerFact]
    public async Task A_checkpoint_in_the_workspace_never_reaches_a_verification_run()
    {
        var v = await world.ScoreAsync(Then(Fast, Replace("model = Model()", "assert not os.path.exists(\"ckpt.pt\"), \"a checkpoint reached the run\"\nmodel = Model()")),
            extraFiles: new Dictionary<string, byte[]> { ["ckpt.pt"] = [0x50, 0x4b, 0x03, 0x04, 0x00, 0xff, 0x00] });
        Show(v);
        Assert.True(v.Passed, v.Summary);
        Assert.Equal(["ckpt.pt"], v.Checks.Source.Excluded.Select(f => f.Path));
    }

    [DockerFact]
    public async Task Exported_weights_other_than_the_evaluated_ones_fail_the_loss_agreement()
    {
        // logs the val loss of 2 steps, then exports a bigram table it counts (for a few ms) on the training split
        const string counted = """
            counts = torch.full((V, V), 0.01)
            counts.index_put_((train[:-1], train[1:]), torch.ones(len(train) - 1), accumulate=True)


            class Counted(nn.Module):
                def __init__(self):
                    super().__init__()
                    self.register_buffer("table", (counts / counts.sum(1, keepdim=True)).log())

                def forward(self, idx):
                    return self.table[idx]


            export_model = Counted()
            """;
        AssertCaughtBy(await world.ScoreAsync(Then(Fast, Replace("STEPS = 30", "STEPS = 2"), BeforeExport(counted))), "loss_agreement");
    }

    [DockerFact]
    public async Task A_model_that_looks_at_future_tokens_fails_causality()
    {
        const string peek = """
            class Peek(nn.Module):
                def __init__(self, base):
                    super().__init__()
                    self.base = base

                def forward(self, idx):
                    return self.base(idx) + 8.0 * F.one_hot(torch.roll(idx, -1, dims=1), V).float()


            export_model = Peek(model)
            """;
        AssertCaughtBy(await world.ScoreAsync(Then(Fast, BeforeExport(peek))), "causality", "loss_agreement");
    }

    [DockerFact]
    public async Task A_model_that_peeks_everywhere_but_at_a_few_positions_fails_causality()
    {
        // The old probe looked at positions 0, T/2 and T-2 only; this model is causal exactly there.
        const string peek = """
            class PeekMostly(nn.Module):
                def __init__(self, base):
                    super().__init__()
                    self.base = base
                    mask = torch.ones(T)
                    mask[[0, T // 2, T - 2]] = 0.0
                    self.register_buffer("mask", mask)

                def forward(self, idx):
                    L = idx.size(1)
                    return self.base(idx) + 8.0 * self.mask[:L, None] * F.one_hot(torch.roll(idx, -1, dims=1), V).float()


            export_model = PeekMostly(model)
            print(f"step:{STEPS}/{STEPS} val_loss:{evaluate(export_model):.4f} train_time:{train_time:.0f}ms step_avg:0ms", flush=True)
            """;
        var v = await world.ScoreAsync(Then(Fast, BeforeExport(peek)));
        AssertCaughtBy(v, "causality");
        Assert.Contains("more positions", string.Join(" ", v.Checks.Causality!.Runs.Single().Failures), StringComparison.Ordinal);
    }

    [DockerFact]
    public async Task Editing_the_protected_val_token_count_fails_protected_content()
    {
        var v = await world.ScoreAsync(Then(Fast, Replace("VAL_TOKENS = int(os.environ[\"AGENTGYM_VAL_TOKENS\"])", "VAL_TOKENS = 512")));
        AssertCaughtBy(v, "protected");
        Assert.Null(v.Checks.Runs); // nothing runs once the protected region changed
    }

    [DockerFact]
    public async Task A_script_that_exports_no_model_fails_the_model_check()
    {
        var v = await world.ScoreAsync(Then(Fast, BeforeExport("import sys\nsys.exit(0)")));
        AssertCaughtBy(v, "model", "causality", "loss_agreement", "target");
        Assert.Contains("model.pt", v.Checks.Model!.Reason, StringComparison.Ordinal);
    }
}
