using AgentGym.Core.Scoring;

namespace AgentGym.Tests.Shared;

/// <summary>Minimal typed verdicts for scorers that tests stand in for the real one.</summary>
internal static class TestVerdicts
{
    public static VerdictChecks Passed(double reward) => new()
    {
        Protected = new ProtectedCheck { Passed = true, Regions = [] },
        Source = new SourceCheck { Passed = true, BudgetBytes = 32768, TotalBytes = 0, Files = [], Excluded = [] },
        Reward = new RewardSummary
        {
            Function = "fsr", Value = reward, Fsr = reward, ReferenceBaselineTimeMs = 1000, ReferenceRecordTimeMs = 500, Note = "test verdict",
        },
    };
}
