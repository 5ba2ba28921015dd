// TEMPORARY (sandbox branch): a minimal entry point to exercise `agentgym sandbox ...`; the lead's Program.cs replaces it.
using System.CommandLine;
using AgentGym.Cli.Commands;

var root = new RootCommand("AgentGym: a gym environment for agents that improve training scripts");
root.Subcommands.Add(SandboxCommands.Create());
return await root.Parse(args).InvokeAsync();
