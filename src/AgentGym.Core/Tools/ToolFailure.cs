namespace AgentGym.Core.Tools;

/// <summary>
/// A failure whose message is written for the agent (bad path, missing file, no match). The registry turns it into an
/// error observation; any other exception is reported as an internal tool error.
/// </summary>
internal sealed class ToolFailure(string message) : Exception(message);
