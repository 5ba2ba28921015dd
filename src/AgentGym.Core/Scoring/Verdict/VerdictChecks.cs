using System.Text.Json;
using System.Text.Json.Nodes;
using AgentGym.Core.Json;

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

    /// <summary>The optional code review (Core/Review), after the measured checks; null when no judge is configured.</summary>
    public AgentGym.Core.Review.ReviewCheck? Review { get; init; }

    /// <summary>Each check that ran, by its snake_case name, in the order they are reported.</summary>
    public IEnumerable<(string Name, VerdictCheck Check)> Named()
    {
        (string, VerdictCheck?)[] all =
        [
            ("protected", Protected), ("source", Source), ("runs", Runs), ("time_agreement", TimeAgreement), ("timing", Timing),
            ("model", Model), ("causality", Causality), ("loss_agreement", LossAgreement), ("target", Target), ("review", Review),
        ];
        foreach (var (name, check) in all)
            if (check is not null) yield return (name, check);
    }

    public bool AllPassed => Named().All(c => c.Check.Passed);

    /// <summary>Every integrity check passed (the target may still be missed).</summary>
    public bool IntegrityPassed => Named().All(c => c.Check.Passed || !c.Check.IsIntegrity);

    // The gym writes nulls by leaving them out, so reading back must not require every constructor parameter.
    private static readonly JsonSerializerOptions ReadOptions = new(JsonDefaults.Options) { RespectRequiredConstructorParameters = false };

    /// <summary>Reads the verdict's JSON (a submit step's info "checks", or verdict.json's); throws JsonException when it is not one.</summary>
    public static VerdictChecks Read(JsonNode json) =>
        json.Deserialize<VerdictChecks>(ReadOptions) ?? throw new JsonException("the verdict is null");
}
