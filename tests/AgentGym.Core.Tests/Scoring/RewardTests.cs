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
        var task = ScoringWorld.Task();
        Assert.Equal(0.5, RewardFunctions.Fsr.Compute(new RewardInput(task, true, true, 2500, 1.9)), 9); // baseline 4000, record 1000
        Assert.Equal(0, RewardFunctions.Fsr.Compute(new RewardInput(task, false, true, 8000, 1.9)));
        Assert.Equal(0, RewardFunctions.Fsr.Compute(new RewardInput(task, false, false, 8000, 1.9)));
        Assert.Equal(0, RewardFunctions.Fsr.Compute(new RewardInput(task, true, true, null, 1.9)));
    }

    [Fact]
    public void Shaped_reward_credits_loss_progress_for_honest_runs_only()
    {
        var task = ScoringWorld.Task(); // target 2.0
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
}
