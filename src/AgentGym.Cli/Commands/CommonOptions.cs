using System.CommandLine;

namespace AgentGym.Cli.Commands;

internal static class CommonOptions
{
    public static Option<bool> Json() => new("--json") { Description = "Write JSON instead of text." };

    public static Option<string> Reward() => new("--reward")
    {
        Description = "Reward function: fsr, or shaped (FSR plus loss credit for RL), with parameters as in shaped:loss_weight=0.2,cheat_penalty=1.",
        DefaultValueFactory = _ => "fsr",
    };

    public static Option<string?> TasksDir() => new("--tasks-dir") { Description = "The tasks folder (default: tasks/ of the repository, or $AGENTGYM_TASKS)." };
}
