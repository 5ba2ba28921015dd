namespace AgentGym.Core.Tools;

/// <summary>
/// The names the environment's tools are called by: the action names of a step, and the tool names over HTTP and MCP.
/// Callers outside Core (agents, evaluation, the server) use these instead of literals, so a rename breaks the build.
/// </summary>
public static class ToolNames
{
    public const string ReadFile = "read_file";
    public const string ListFiles = "list_files";
    public const string EditFile = "edit_file";
    public const string WriteFile = "write_file";
    public const string InsertLines = "insert_lines";
    public const string UndoEdit = "undo_edit";
    public const string Diff = "diff";
    public const string RunTraining = "run_training";
    public const string RunStatus = "run_status";
    public const string InspectLogs = "inspect_logs";
    public const string GetMetrics = "get_metrics";
    public const string CancelRun = "cancel_run";
    public const string Submit = "submit";
}
