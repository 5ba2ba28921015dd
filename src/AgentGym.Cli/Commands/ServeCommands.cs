using System.CommandLine;
using AgentGym.Core.Gym;
using AgentGym.Core.Scoring;
using AgentGym.Core.Tasks;
using AgentGym.Eval.Reporting;
using AgentGym.Server;
using AgentGym.Server.Dashboard;

namespace AgentGym.Cli.Commands;

internal static class ServeCommands
{
    public static Command CreateServe()
    {
        var urls = new Option<string>("--urls") { Description = "Where to listen; several URLs separated by ';'.", DefaultValueFactory = _ => "http://127.0.0.1:8080" };
        var tokenEnv = new Option<string>("--token-env") { Description = "The environment variable holding the bearer token (a token on the command line would show in ps).", DefaultValueFactory = _ => "AGENTGYM_SERVER_TOKEN" };
        var allowNoToken = new Option<bool>("--allow-no-token") { Description = "Run without a token; refused unless every URL is a loopback address." };
        var maxBody = new Option<long>("--max-body-bytes") { Description = "Larger request bodies get 413.", DefaultValueFactory = _ => 1024 * 1024 };
        var maxEpisodes = new Option<int>("--max-episodes") { Description = "Open episodes (and MCP sessions) beyond this get 429.", DefaultValueFactory = _ => 64 };
        var task = new Option<string?>("--task") { Description = "Default task for creates and MCP resets that name none." };
        var results = new Option<string[]>("--results")
        {
            Description = "Results files (or folders of *.sqlite) the dashboard's evaluations view opens; repeatable.",
            DefaultValueFactory = _ => ["experiments"],
            AllowMultipleArgumentsPerToken = true,
        };
        var sandbox = Sandbox();
        var tasksDir = CommonOptions.TasksDir();
        var command = new Command("serve", "Serve the gym over HTTP: the dashboard at /, the episode API under /v1, run telemetry as SSE, MCP at /mcp.")
        {
            urls, tokenEnv, allowNoToken, maxBody, maxEpisodes, task, results, sandbox, tasksDir,
        };
        command.SetAction(async (ParseResult parse, CancellationToken cancellationToken) =>
        {
            if (!TryCreateGym(parse.GetValue(tasksDir), parse.GetValue(sandbox)!, parse.GetValue(task), out var gym)) return 1;
            var tokenVariable = parse.GetValue(tokenEnv)!;
            var token = Environment.GetEnvironmentVariable(tokenVariable);
            IGymServer server;
            try
            {
                server = await GymServer.StartAsync(new GymServerOptions
                {
                    Gym = gym,
                    Urls = parse.GetValue(urls)!.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries),
                    Token = string.IsNullOrEmpty(token) ? null : token,
                    AllowNoTokenOnLoopback = parse.GetValue(allowNoToken),
                    MaxRequestBodyBytes = parse.GetValue(maxBody),
                    MaxEpisodes = parse.GetValue(maxEpisodes),
                    DefaultTaskId = parse.GetValue(task),
                    Dashboard = new DashboardOptions { ResultsPaths = parse.GetValue(results)!, ReadResults = EvaluationSnapshots.LoadAsync },
                }, cancellationToken).ConfigureAwait(false);
            }
            catch (InvalidOperationException ex)
            {
                var where = string.IsNullOrEmpty(token) && ex.Message.StartsWith("Refusing", StringComparison.Ordinal) ? $" (no token found in ${tokenVariable})" : "";
                Console.Error.WriteLine($"error: {ex.Message}{where}");
                return 1;
            }

            await using (server.ConfigureAwait(false))
            {
                // Ready line on stdout: scripts and tests wait for it and read the bound address (port 0 included).
                Console.Out.WriteLine($"agentgym server listening on {string.Join(' ', server.Addresses)}");
                Console.Out.Flush();
                try
                {
                    await Task.WhenAny(server.Completion, Task.Delay(Timeout.Infinite, cancellationToken)).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                }
            }
            return 0;
        });
        return command;
    }

    public static Command CreateMcp()
    {
        var task = new Option<string?>("--task") { Description = "The task reset starts when it names none." };
        var sandbox = Sandbox();
        var tasksDir = CommonOptions.TasksDir();
        var command = new Command("mcp", "Serve the gym as an MCP server over stdio (one session, one environment): reset plus the gym's tools.")
        {
            task, sandbox, tasksDir,
        };
        command.SetAction(async (ParseResult parse, CancellationToken cancellationToken) =>
        {
            if (!TryCreateGym(parse.GetValue(tasksDir), parse.GetValue(sandbox)!, parse.GetValue(task), out var gym)) return 1;
            await GymMcp.RunStdioAsync(gym, parse.GetValue(task), cancellationToken).ConfigureAwait(false);
            return 0;
        });
        return command;
    }

    private static Option<string> Sandbox() =>
        new("--sandbox") { Description = "Where training runs: docker, local (no isolation) or none.", DefaultValueFactory = _ => "docker" };

    /// <summary>Builds the environment options from the CLI's paths; errors go to stderr (stdout may carry MCP).</summary>
    private static bool TryCreateGym(string? tasksDirOverride, string sandboxName, string? defaultTask, out GymOptions gym)
    {
        gym = null!;
        var paths = CliPaths.Discover(tasksDirOverride);
        var catalog = TaskCatalog.Load(paths.TasksDirectory);
        if (defaultTask is not null && !catalog.TryGet(defaultTask, out _))
        {
            try { catalog.Get(defaultTask); }
            catch (KeyNotFoundException ex) { Console.Error.WriteLine($"error: {ex.Message}"); }
            return false;
        }
        var sandbox = SandboxFactory.Create(sandboxName, paths, out var sandboxError);
        if (sandboxError is not null)
        {
            Console.Error.WriteLine($"error: {sandboxError}");
            return false;
        }
        gym = new GymOptions
        {
            Tasks = catalog,
            EpisodesDirectory = paths.EpisodesDirectory,
            DataDirectory = paths.DataDirectory,
            Sandbox = sandbox,
            // As in `agentgym episode`: submissions are verified whenever runs are possible (the dashboard shows the verdict).
            Scorer = sandbox is null ? null : SubmissionScorers.Create(sandbox, new ScoringOptions
            {
                DataDirectory = paths.DataDirectory,
                VerifierImage = VerifyCommand.DefaultVerifierImage(paths),
            }),
        };
        return true;
    }
}
