using System.Text.Json;
using System.Text.Json.Serialization;

namespace AgentGym.Core.Scoring;

// One file, compiled into both AgentGym.Core and AgentGym.Verifier (linked in the verifier's project), so that the
// verifier's stdout and the scorer's reader are one type instead of string-keyed JSON on either side.

/// <summary>
/// What the verifier prints, as one JSON line on stdout, for one exported model. Losses are mean next-token
/// cross-entropy (nats) over non-overlapping windows of SequenceLength tokens.
/// </summary>
public sealed record VerifierReport
{
    public const int CurrentFormat = 2;

    public int Format { get; init; } = CurrentFormat;
    public bool ModelLoadable { get; set; }
    public double? ValLoss { get; set; }
    public long ValTokensEvaluated { get; set; }
    public double? HeldoutLoss { get; set; }
    public long HeldoutTokensEvaluated { get; set; }
    public CausalityReport? Causality { get; set; }
    public int? SequenceLength { get; set; }
    public int? VocabSize { get; set; }
    public long? LogitsWidth { get; set; }
    public string? JitExecutor { get; set; }
    public List<string> Errors { get; init; } = [];

    /// <summary>Phase durations in ms (load_ms, val_ms, heldout_ms, probe_ms, total_ms).</summary>
    public Dictionary<string, double> Timings { get; init; } = [];

    public static JsonSerializerOptions JsonOptions { get; } = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DictionaryKeyPolicy = null,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Skip,
    };

    public string ToJson() => JsonSerializer.Serialize(this, JsonOptions);

    /// <summary>Reads a report line; throws JsonException for anything that is not one.</summary>
    public static VerifierReport Parse(string json) =>
        JsonSerializer.Deserialize<VerifierReport>(json, JsonOptions) ?? throw new JsonException("the verifier printed null");
}

/// <param name="Positions">Every k probed: logits at positions up to k must not move when later tokens change.</param>
/// <param name="CrossRowDeviation">How far a row's logits moved when the other rows of its batch changed.</param>
public sealed record CausalityReport(
    bool Ok, double MaxDeviation, double Limit, double Tolerance, IReadOnlyList<int> Positions, double CrossRowDeviation, IReadOnlyList<string> Failures);
