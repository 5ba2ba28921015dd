using System.CommandLine;

namespace AgentGym.Cli.Commands;

internal static class CommonOptions
{
    public static Option<bool> Json() => new("--json") { Description = "Write JSON instead of text." };

    public static Option<string?> TasksDir() => new("--tasks-dir") { Description = "The tasks folder (default: tasks/ of the repository, or $AGENTGYM_TASKS)." };
}
