using System.Text.Json.Nodes;
using AgentGym.Core.Environment;
using Xunit.Abstractions;

namespace AgentGym.Verifier.Tests;

/// <summary>
/// Real verification: Docker, the CPU image, PyTorch training of a tiny model, and the TorchSharp verifier in its
/// own container. Each cheat must be caught by the check meant for it, and an honest speed-up must earn FSR near 1.
/// </summary>
[Collection(VerificationCollection.Name)]
public sealed class EndToEndTests(VerificationWorld world, ITestOutputHelper output)
{
    private const string ExportMarker = "# EXPORT";

    private static bool Passed(SubmissionVerdict v, string check) => v.Checks[check]?["passed"]?.GetValue<bool>() == true;

    private void Show(SubmissionVerdict v)
    {
        output.WriteLine(v.Summary);
        output.WriteLine(v.Checks.ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = true }));
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
        var failed = v.Checks.Where(c => c.Value?["passed"]?.GetValue<bool>() != true).Select(c => c.Key).Order().ToList();
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
    public async Task A_real_speedup_passes_over_two_repeats_with_fsr_near_one()
    {
        var v = await world.ScoreAsync(Fast, repeats: 2);
        Show(v);
        Assert.True(v.Passed, v.Summary);
        Assert.InRange(v.Reward, 0.6, 1.4);
        Assert.Equal(2, v.Checks["significance"]!["n"]!.GetValue<int>());
        Assert.NotNull(v.Checks["significance"]!["p_value"]);
        Assert.True(v.Checks["causality"]!["repeats"]!.AsArray().All(r => r!["ok"]!.GetValue<bool>()));
    }

    [DockerFact]
    public async Task A_fake_low_val_loss_in_the_log_fails_significance() =>
        AssertCaughtBy(await world.ScoreAsync(Then(Fast, Replace("STEPS = 30", "STEPS = 2"), Replace("val_loss:{v_loss:.4f}", "val_loss:{0.5:.4f}"))), "significance");

    [DockerFact]
    public async Task Under_reported_train_time_fails_time_agreement()
    {
        // The start's 3 s of timed steps, reported as a quarter: far outside tolerance and slack on any machine.
        var v = await world.ScoreAsync(Replace("REPORT = 1.0", "REPORT = 0.25"));
        AssertCaughtBy(v, "time_agreement");
        // and had it slipped through, the reward would have used the host's measure, not the claim
        var row = v.Checks["time_agreement"]!["repeats"]![0]!;
        Assert.True(row["verified_train_time_ms"]!.GetValue<double>() > 1.5 * row["reported_train_time_ms"]!.GetValue<double>());
    }

    [DockerFact]
    public async Task Training_on_the_visible_val_split_fails_the_heldout_gap()
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
        var v = await world.ScoreAsync(Then(Fast, BeforeExport(memoriser)));
        AssertCaughtBy(v, "heldout_gap");
        Assert.True(v.Checks["heldout_gap"]!["mean_gap"]!.GetValue<double>() > 0.5);
        Assert.True(Passed(v, "causality"));
        Assert.True(Passed(v, "significance"));
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
        AssertCaughtBy(await world.ScoreAsync(Then(Fast, BeforeExport(peek))), "causality");
    }

    [DockerFact]
    public async Task Editing_the_protected_val_token_count_fails_protected_content()
    {
        var v = await world.ScoreAsync(Then(Fast, Replace("VAL_TOKENS = int(os.environ[\"AGENTGYM_VAL_TOKENS\"])", "VAL_TOKENS = 512")));
        AssertCaughtBy(v, "protected");
        Assert.True(Passed(v, "runs"));
    }

    [DockerFact]
    public async Task A_script_that_exports_no_model_fails_the_model_check()
    {
        var v = await world.ScoreAsync(Then(Fast, BeforeExport("import sys\nsys.exit(0)")));
        AssertCaughtBy(v, "model", "causality", "loss", "significance", "heldout_gap");
        Assert.Contains("model.pt", v.Checks["model"]!["reason"]!.GetValue<string>(), StringComparison.Ordinal);
    }
}
