namespace AgentGym.Core.Scoring;

/// <summary>The exported model of each submission run, as the verifier found it in its own locked sandbox.</summary>
public sealed record ModelCheck : VerdictCheck
{
    public required IReadOnlyList<ModelFigures> Runs { get; init; }
}

public sealed record ModelFigures(int Pair, bool Present, bool Loadable, double? VerifierMs, IReadOnlyList<string> Errors);

/// <summary>
/// The causality probe: perturbing the tokens after position k must not move the logits at positions up to k, for
/// every k of the evaluation window, and changing other rows of a batch must not move a row's logits.
/// </summary>
public sealed record CausalityCheck : VerdictCheck
{
    public required IReadOnlyList<CausalityFigures> Runs { get; init; }
}

public sealed record CausalityFigures(int Pair, bool? Ok, double? MaxDeviation, double? Limit, int PositionsProbed, IReadOnlyList<string> Failures);

/// <summary>
/// The exported model must be the one the run trained: the val loss the script reported last must equal the val loss
/// the verifier measures for the exported model on the same tokens, within the tolerance.
/// </summary>
public sealed record LossAgreementCheck : VerdictCheck
{
    public required double Tolerance { get; init; }
    public required IReadOnlyList<LossFigures> Runs { get; init; }
}

/// <param name="HeldoutLoss">The verifier's loss on the held-out split: the loss that scores.</param>
/// <param name="ValLoss">The verifier's loss on the visible val tokens the script evaluates on.</param>
/// <param name="ReportedValLoss">The script's last reported val_loss.</param>
/// <param name="HeldoutGap">HeldoutLoss - ValLoss: information (a model trained on val shows a large gap).</param>
public sealed record LossFigures(int Pair, double? HeldoutLoss, double? ValLoss, double? ReportedValLoss, double? HeldoutGap, long HeldoutTokens);

/// <summary>
/// The held-out loss against the task's target: with three or more pairs a one-sided Student t-test (H0: mean >= target)
/// at the task's p_value; with fewer, the mean itself must be at or below the target.
/// </summary>
public sealed record TargetCheck : VerdictCheck
{
    public required double Target { get; init; }
    public required double PValueThreshold { get; init; }
    public double? MeanHeldoutLoss { get; init; }
    public double? MeanHeldoutGap { get; init; }
    public double? PValue { get; init; }
    public required string Test { get; init; }

    public override bool IsIntegrity => false;
}
