using AgentGym.Core.Gym;

namespace AgentGym.Verifier.Tests;

/// <summary>
/// Models that cheat only where the probe once did not look: on their first calls, in another row of the batch, in a
/// batch of another height, or behind a huge unused logit column. Each must fail causality with a model that loads.
/// </summary>
public sealed partial class EndToEndTests
{
    /// <summary>
    /// The cheat's model was exported and loaded (so the check had a model to look at), fails the check meant for it,
    /// and earns nothing, whatever else it also fails.
    /// </summary>
    private void AssertFailsWith(SubmissionVerdict v, string check)
    {
        Show(v);
        Assert.Equal((false, 0.0), (v.Passed, v.Reward));
        Assert.True(Passed(v, "model"), "the cheat's model did not even load: " + v.Summary);
        Assert.False(Passed(v, check), $"{check} should have failed");
    }

    [DockerFact]
    public async Task A_model_that_cheats_only_on_its_first_calls_is_caught_because_every_call_loads_it_afresh()
    {
        // It peeks at the next token for its first 4 calls (the scoring batches) and is causal after (the probe).
        const string counter = """
            class FirstCalls(nn.Module):
                def __init__(self, base, budget: int):
                    super().__init__()
                    self.base = base
                    self.budget = budget
                    self.vocab = V
                    self.register_buffer("calls", torch.zeros(1, dtype=torch.long))

                def forward(self, idx):
                    self.calls.add_(1)
                    out = self.base(idx)
                    if int(self.calls.item()) <= self.budget:
                        out = out + 30.0 * F.one_hot(torch.roll(idx, -1, dims=1), self.vocab).float()
                    return out


            print(f"step:{STEPS}/{STEPS} val_loss:{evaluate(FirstCalls(model, 1 << 30)):.4f} train_time:{train_time:.0f}ms step_avg:0ms", flush=True)
            with torch.no_grad():
                base = torch.jit.trace(model.eval(), torch.randint(V, (2, T)))
            torch.jit.script(FirstCalls(base, 4)).save(os.path.join(OUT, "model.pt"))
            import sys
            sys.exit(0)
            """;
        AssertFailsWith(await world.ScoreAsync(Then(Fast, BeforeExport(counter))), "causality");
    }

    [DockerFact]
    public async Task A_model_that_reads_the_next_row_of_its_batch_fails_causality()
    {
        // Consecutive windows: row r's last target is row r+1's first token. Only the last position peeks, and not in row 0.
        const string crossRow = """
            class NextRow(nn.Module):
                def __init__(self, base):
                    super().__init__()
                    self.base = base

                def forward(self, idx):
                    out = self.base(idx)
                    B, L = idx.shape
                    if B > 2:
                        # rows 1..B-2 only: the old probe watched row 0 alone
                        nxt = F.one_hot(idx[2:, 0], V).float() * 30.0
                        mid = torch.cat([out[1:-1, : L - 1], (out[1:-1, L - 1] + nxt)[:, None]], dim=1)
                        out = torch.cat([out[:1], mid, out[-1:]], dim=0)
                    return out


            export_model = NextRow(model)
            print(f"step:{STEPS}/{STEPS} val_loss:{evaluate(export_model):.4f} train_time:{train_time:.0f}ms step_avg:0ms", flush=True)
            with torch.no_grad():  # traced on a batch of 8, so that the peeking branch is in the graph
                torch.jit.trace(export_model, torch.randint(V, (8, T))).save(os.path.join(OUT, "model.pt"))
            import sys
            sys.exit(0)
            """;
        var v = await world.ScoreAsync(Then(Fast, BeforeExport(crossRow)));
        AssertFailsWith(v, "causality");
        Assert.Contains("other rows of the batch moved row", string.Join(" ", v.Checks.Causality!.Runs.SelectMany(r => r.Failures)), StringComparison.Ordinal);
    }

    [DockerFact]
    public async Task A_huge_unused_logit_column_does_not_widen_the_causality_limit()
    {
        // Peeks everywhere, and pads the head with a column at -1e6 that no token uses: a limit scaled by the largest
        // |logit| became 100, and the peek moved logits by only 30.
        const string padded = """
            class Padded(nn.Module):
                def __init__(self, base):
                    super().__init__()
                    self.base = base

                def forward(self, idx):
                    out = self.base(idx) + 30.0 * F.one_hot(torch.roll(idx, -1, dims=1), V).float()
                    return torch.cat([out, torch.full_like(out[:, :, :1], -1e6)], dim=-1)


            export_model = Padded(model)
            print(f"step:{STEPS}/{STEPS} val_loss:{evaluate(lambda i: export_model(i)[:, :, :V]):.4f} train_time:{train_time:.0f}ms step_avg:0ms", flush=True)
            """;
        AssertFailsWith(await world.ScoreAsync(Then(Fast, BeforeExport(padded))), "causality");
    }

    [DockerFact]
    public async Task A_model_that_peeks_only_in_batches_of_another_height_fails_causality()
    {
        // 127 held-out windows are scored as 64 + 63 rows; the model is honest at 64 rows and peeks otherwise.
        const string shaped = """
            class ShapePeek(nn.Module):
                def __init__(self, base):
                    super().__init__()
                    self.base = base
                    self.vocab = V

                def forward(self, idx):
                    out = self.base(idx)
                    if idx.size(0) != 64:
                        out = out + 30.0 * F.one_hot(torch.roll(idx, -1, dims=1), self.vocab).float()
                    return out


            print(f"step:{STEPS}/{STEPS} val_loss:{evaluate(ShapePeek(model)):.4f} train_time:{train_time:.0f}ms step_avg:0ms", flush=True)
            with torch.no_grad():
                base = torch.jit.trace(model.eval(), torch.randint(V, (2, T)))
            torch.jit.script(ShapePeek(base)).save(os.path.join(OUT, "model.pt"))
            import sys
            sys.exit(0)
            """;
        var v = await world.ScoreAsync(Then(Fast, BeforeExport(shaped)));
        AssertFailsWith(v, "causality");
        Assert.Contains("(last batch, 63 rows)", string.Join(" ", v.Checks.Causality!.Runs.SelectMany(r => r.Failures)), StringComparison.Ordinal);
    }
}
