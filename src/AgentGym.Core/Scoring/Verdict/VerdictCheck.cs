namespace AgentGym.Core.Scoring;

/// <summary>
/// One check of a verification: whether it passed and, when not, why. Each check is its own record with its own
/// figures (see <see cref="VerdictChecks"/>); the figures are shown to people and agents, the flags decide the reward.
/// </summary>
public abstract record VerdictCheck
{
    public required bool Passed { get; init; }

    /// <summary>Why the check failed, in words; null when it passed.</summary>
    public string? Reason { get; init; }

    /// <summary>
    /// True when a failure says the submission was not honest (time, source, model, causality, protected content, a
    /// crash); false for a check that an honest run may miss (the loss target). The shaped reward gives loss credit
    /// only when every integrity check passed.
    /// </summary>
    public virtual bool IsIntegrity => true;
}
