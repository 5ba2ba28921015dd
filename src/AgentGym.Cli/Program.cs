using System.CommandLine;
using AgentGym.Cli.Commands;

var root = new RootCommand("AgentGym: a gym environment for research agents that improve LLM training code.")
{
    TaskCommands.Create(),
    EpisodeCommand.Create(),
    DataCommands.Create(),
    ServeCommands.CreateServe(),
    ServeCommands.CreateMcp(),
    SandboxCommands.Create(),
    VerifyCommand.Create(),
    EvalCommands.CreateEval(),
    EvalCommands.CreateReport(),
    EvalCommands.CreateExport(),
};
return await root.Parse(args).InvokeAsync().ConfigureAwait(false);
