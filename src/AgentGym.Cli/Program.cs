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
// Ctrl+C cancels the command's token; System.CommandLine then ends the process after this timeout (2 s by
// default), which cut off the cleanup: containers stopped, trajectories closed, "interrupted" said.
var invocation = new InvocationConfiguration { ProcessTerminationTimeout = TimeSpan.FromSeconds(60) };
return await root.Parse(args).InvokeAsync(invocation).ConfigureAwait(false);
