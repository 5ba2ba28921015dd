using System.Text.Json.Nodes;

namespace AgentGym.Core.Gym;

public sealed record StepResult(
    Observation Observation,
    double Reward,
    bool Terminated,
    bool Truncated,
    JsonObject Info)
{
    /// <summary>The info's typed fields (run id, run state, truncation); not part of the wire format, which is Info.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public StepInfo Facts => StepInfo.Of(Info);
}

public sealed record ResetResult(Observation Observation, JsonObject Info);
