using System.Text.Json.Nodes;

namespace AgentGym.Core.Environment;

public sealed record StepResult(
    Observation Observation,
    double Reward,
    bool Terminated,
    bool Truncated,
    JsonObject Info);

public sealed record ResetResult(Observation Observation, JsonObject Info);
