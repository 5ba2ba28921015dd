namespace AgentGym.Core.Scoring;

/// <summary>
/// Every check of one verification, typed. The scorer writes it, and the CLI, Eval, the server and agents read it
/// (as this record, or as its snake_case JSON in the submit step's info under "checks").
/// A check that did not run (the runs were skipped because the source was refused, say) is null.
/// </summary>
public sealed record VerdictChecks
{
    public required ProtectedCheck Protected { get; init; }
    public required SourceCheck Source { get; init; }
    public RunsCheck? Runs { get; init; }
    public TimeAgreementCheck? TimeAgreement { get; init; }
    public TimingCheck? Timing { get; init; }
    public ModelCheck? Model { get; init; }
    public CausalityCheck? Causality { get; init; }
    public LossAgreementCheck? LossAgreement { get; init; }
    public TargetCheck? Target { get; init; }
    public required RewardSummary Reward { get; init; }

    /// <summary>Each check that ran, by its snake_case name, in the order they are reported.</summary>
    public IEnumerable<(string Name, VerdictCheck Check)> Named()
    {
        (string, VerdictCheck?)[] all =
        [
            ("protected", Protected), ("source", Source), ("runs", Runs), ("time_agreement", TimeAgreement), ("timing", Timing),
            ("model", Model), ("causality", Causality), ("loss_agreement", LossAgreement), ("target", Target),
        ];
        foreach (var (name, check) in all)
            if (check is not null) yield return (name, check);
    }

    public bool AllPassed => Named().All(c => c.Check.Passed);

    /// <summary>Every integrity check passed (the target may still be missed).</summary>
    public bool IntegrityPassed => Named().All(c => c.Check.Passed || !c.Check.IsIntegrity);
}
