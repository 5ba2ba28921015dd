namespace AgentGym.Core;

/// <summary>
/// A failure whose message is written for the agent (bad path, missing file, no match). The tool registry turns it
/// into an error observation; any other exception is reported as an internal tool error. It lives at Core's root, below
/// every folder, because the workspace and the run manager refuse input in the agent's terms too.
/// </summary>
internal sealed class ToolFailure(string message) : Exception(message);
