using AgentGym.Core.Scoring;

namespace AgentGym.Core.Tests.Scoring;

public sealed class RewardTests
{
    [Theory]
    [InlineData(10000, 8000, 10000, 0.0)]
    [InlineData(10000, 8000, 8000, 1.0)]
    [InlineData(10000, 8000, 9000, 0.5)]
    [InlineData(10000, 8000, 7000, 1.5)]
    [InlineData(10000, 8000, 11000, -0.5)]
    [InlineData(10000, 10000, 9000, 0.0)] // undefined: baseline == record
    public void Fsr_is_the_fraction_of_the_baseline_to_record_speedup(double baseline, double record, double verified, double expected) =>
        Assert.Equal(expected, RewardFunctions.FractionOfSpeedupRecovered(baseline, record, verified), 9);

    [Fact]
    public void Fsr_reward_is_zero_unless_every_check_passed()
    {
        using var world = new ScoringWorld();
        var task = world.Task();
        Assert.Equal(0.5, RewardFunctions.Fsr.Compute(new RewardInput(task, true, true, 2500, 1.9)), 9); // baseline 4000, record 1000
        Assert.Equal(0, RewardFunctions.Fsr.Compute(new RewardInput(task, false, true, 8000, 1.9)));
        Assert.Equal(0, RewardFunctions.Fsr.Compute(new RewardInput(task, false, false, 8000, 1.9)));
        Assert.Equal(0, RewardFunctions.Fsr.Compute(new RewardInput(task, true, true, null, 1.9)));
    }

    [Fact]
    public void Shaped_reward_credits_loss_progress_for_honest_runs_only()
    {
        using var world = new ScoringWorld();
        var task = world.Task(); // target 2.0
        var shaped = RewardFunctions.Shaped(lossWeight: 0.1, lossScale: 0.5, cheatPenalty: 0.2);
        // honest, missed the target by 0.25 of a 0.5 scale: half the loss credit, no FSR
        Assert.Equal(0.05, shaped.Compute(new RewardInput(task, false, true, 9000, 2.25)), 9);
        // honest, far off: no credit
        Assert.Equal(0, shaped.Compute(new RewardInput(task, false, true, 9000, 3.0)), 9);
        // passed: full loss credit plus FSR
        Assert.Equal(0.1 + 0.5, shaped.Compute(new RewardInput(task, true, true, 2500, 1.95)), 9);
        // an integrity failure: the penalty, whatever the loss
        Assert.Equal(-0.2, shaped.Compute(new RewardInput(task, false, false, 9000, 1.0)), 9);
    }

    [Fact]
    public void Fsr_uses_the_times_measured_in_the_verification_when_given()
    {
        using var world = new ScoringWorld();
        // measured start 8000, next 2000 on a slow host: the manifest's 4000/1000 are only references
        Assert.Equal(0.5, RewardFunctions.Fsr.Compute(new RewardInput(world.Task(), true, true, 5000, 1.9, 8000, 2000)), 9);
    }

    [Theory]
    [InlineData("fsr", "fsr")]
    [InlineData("shaped", "shaped")]
    [InlineData("shaped:loss_weight=0.2,cheat_penalty=1", "shaped")]
    public void The_registry_resolves_reward_specs(string spec, string name) =>
        Assert.Equal(name, RewardRegistry.CreateDefault().Resolve(spec).Name);

    [Theory]
    [InlineData("fs", "unknown reward function 'fs'; known: fsr, shaped")]
    [InlineData("shaped:loss_wieght=0.2", "reward function 'shaped' has no parameter 'loss_wieght'; it takes: loss_weight, loss_scale, cheat_penalty")]
    [InlineData("shaped:loss_scale=x", "reward parameter 'loss_scale' needs a number, as in loss_scale=0.1")]
    [InlineData("shaped:loss_scale=0", "reward function 'shaped': lossScale must be positive")]
    [InlineData("fsr:loss_weight=1", "reward function 'fsr' has no parameter 'loss_weight'; it takes: none")]
    public void The_registry_names_what_is_wrong_with_a_spec(string spec, string message)
    {
        var error = Assert.Throws<ArgumentException>(() => RewardRegistry.CreateDefault().Resolve(spec));
        Assert.StartsWith(message, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Shaped_parameters_from_a_spec_change_the_reward()
    {
        using var world = new ScoringWorld();
        var penalised = RewardRegistry.CreateDefault().Resolve("shaped:cheat_penalty=0.7");
        Assert.Equal(-0.7, penalised.Compute(new RewardInput(world.Task(), false, false, 9000, 1.0)), 9);
    }
}
