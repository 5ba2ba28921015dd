using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using AgentGym.Agents;
using AgentGym.Core.Agents;
using AgentGym.Core.Gym;
using AgentGym.Core.Json;
using AgentGym.Core.Scoring;
using AgentGym.Core.Tasks;

namespace AgentGym.Cli.Commands;

internal static class EpisodeCommand
{
    public static Command Create()
    {
        var task = new Option<string>("--task") { Description = "Task id (see `agentgym tasks list`).", Required = true };
        var agent = new Option<string>("--agent") { Description = $"Which agent acts: {string.Join(", ", AgentFactory.Names)}.", DefaultValueFactory = _ => "replay" };
        var trajectory = new Option<string?>("--trajectory") { Description = "For --agent replay: the trajectory file whose tool calls are replayed." };
        var hints = new Option<string>("--hints") { Description = "Hint regime: none, L1, L2, L3, L1+L2, L1+L2+L3.", DefaultValueFactory = _ => "none" };
        var seed = new Option<int>("--seed") { Description = "Episode seed (passed to training scripts as AGENTGYM_SEED).", DefaultValueFactory = _ => 1 };
        var maxSteps = new Option<int?>("--max-steps") { Description = "Step budget; the episode is truncated when it runs out." };
        var sandbox = new Option<string>("--sandbox") { Description = "Where training runs: docker, local (no isolation), slurm (one cluster job per run, AGENTGYM_SLURM_* settings) or none.", DefaultValueFactory = _ => "docker" };
        var reward = CommonOptions.Reward();
        var json = CommonOptions.Json();
        var tasksDir = CommonOptions.TasksDir();
        var agentOptions = new AgentOptions();
        var judgeOptions = new JudgeOptions();
        var command = new Command("episode", "Run one episode with an agent, printing each step.")
        {
            task, agent, trajectory, hints, seed, maxSteps, sandbox, reward, json, tasksDir,
        };
        foreach (var option in agentOptions.All.Concat(judgeOptions.All)) command.Options.Add(option);
        command.SetAction(async (parse, cancellationToken) =>
        {
            var paths = CliPaths.Discover(parse.GetValue(tasksDir));
            var catalog = TaskCatalog.Load(paths.TasksDirectory);
            var taskId = parse.GetValue(task)!;
            if (!catalog.TryGet(taskId, out _))
            {
                try { catalog.Get(taskId); }
                catch (KeyNotFoundException ex) { Console.Error.WriteLine($"error: {ex.Message}"); }
                return 1;
            }
            if (!HintRegimes.TryParse(parse.GetValue(hints), out var regime))
            {
                Console.Error.WriteLine($"error: unknown hint regime '{parse.GetValue(hints)}'; use none, L1, L2, L3, L1+L2 or L1+L2+L3.");
                return 1;
            }

            IEpisodeAgent theAgent;
            Agents.Review.JudgeSettings? judge;
            try
            {
                theAgent = AgentFactory.Create(parse.GetValue(agent)!, parse.GetValue(trajectory), () => agentOptions.Build(parse), catalog);
                judge = judgeOptions.Build(parse);
                if (judge is not null) _ = Agents.Review.SubmissionReviewers.Create(judge);
            }
            catch (Exception ex) when (ex is ArgumentException or FileNotFoundException or InvalidDataException or ConfigException or InvalidOperationException or DirectoryNotFoundException)
            {
                Console.Error.WriteLine($"error: {ex.Message}");
                return 1;
            }

            var sandboxName = parse.GetValue(sandbox)!;
            var theSandbox = SandboxFactory.Create(sandboxName, paths, out var sandboxError);
            using var sandboxLifetime = theSandbox as IDisposable;
            if (sandboxError is not null)
            {
                Console.Error.WriteLine($"error: {sandboxError}");
                return 1;
            }
            if (judge is not null && theSandbox is null)
                Console.Error.WriteLine("note: --judge-model reviews verified submissions; with --sandbox none nothing is verified, so nothing is reviewed.");

            var budgets = new EpisodeBudgets { MaxSteps = parse.GetValue(maxSteps) ?? 200 };
            await using var environment = GymEnvironment.Create(new GymOptions
            {
                Tasks = catalog,
                EpisodesDirectory = paths.EpisodesDirectory,
                DataDirectory = paths.DataDirectory,
                Sandbox = theSandbox,
                // Submissions are verified whenever runs are possible; without a sandbox, submit says it was not.
                Scorer = JudgeOptions.WithJudge(theSandbox is null ? null : SubmissionScorers.Create(theSandbox, new ScoringOptions
                {
                    DataDirectory = paths.DataDirectory,
                    VerifierImage = VerifyCommand.DefaultVerifierImage(paths),
                }), judge),
                DefaultBudgets = budgets,
            });
            var asJson = parse.GetValue(json);
            EpisodeOutcome outcome;
            try
            {
                outcome = await theAgent.RunAsync(environment,
                    new ResetOptions
                    {
                        TaskId = taskId, Hints = regime, Seed = parse.GetValue(seed), Budgets = budgets, Reward = parse.GetValue(reward),
                        // On stderr: with --json, stdout stays one JSON object per step.
                        VerificationProgress = new VerificationConsole(Console.Error),
                    },
                    (step, call, result) => PrintStep(step, call, result, asJson),
                    cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is FileNotFoundException or InvalidDataException or ArgumentException)
            {
                // A task that cannot start (scripts not imported, a broken L0 diff for the oracle): its own words suffice.
                await Console.Error.WriteLineAsync($"error: {ex.Message}").ConfigureAwait(false);
                return 1;
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                await Console.Error.WriteLineAsync($"interrupted: the steps so far are in the episode's trajectory under {paths.EpisodesDirectory}").ConfigureAwait(false);
                return 130;
            }

            var summary = new JsonObject
            {
                ["episode_id"] = outcome.Episode.EpisodeId,
                ["task_id"] = outcome.Episode.TaskId,
                ["agent"] = theAgent.Name,
                ["steps"] = outcome.Steps,
                ["reward"] = outcome.TotalReward,
                ["terminated"] = outcome.Terminated,
                ["truncated"] = outcome.Truncated,
                ["trajectory"] = outcome.Episode.TrajectoryPath,
            };
            if (asJson) Console.Out.WriteLine(new JsonObject { ["summary"] = summary }.ToJsonString(JsonDefaults.Options));
            else
            {
                Console.Out.WriteLine();
                Console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"Episode {outcome.Episode.EpisodeId}: {outcome.Steps} steps, reward {outcome.TotalReward:F4}, {(outcome.Terminated ? "terminated" : outcome.Truncated ? "truncated" : "agent stopped")}."));
                Console.Out.WriteLine($"Trajectory: {outcome.Episode.TrajectoryPath}");
            }
            return 0;
        });
        return command;
    }

    private static void PrintStep(int step, ToolCall call, StepResult result, bool asJson)
    {
        if (asJson)
        {
            Console.Out.WriteLine(new JsonObject
            {
                ["step"] = step,
                ["tool"] = call.Name,
                ["arguments"] = call.ArgumentsJson,
                ["observation"] = result.Observation.Text,
                ["is_error"] = result.Observation.IsError,
                ["reward"] = result.Reward,
                ["terminated"] = result.Terminated,
                ["truncated"] = result.Truncated,
            }.ToJsonString(JsonDefaults.Options));
            return;
        }
        var args = call.ArgumentsJson.Length > 160 ? call.ArgumentsJson[..160] + "..." : call.ArgumentsJson;
        Console.Out.WriteLine($"── step {step}: {call.Name} {args}");
        var text = result.Observation.Text;
        var lines = text.Split('\n');
        var shown = lines.Length > 30 ? string.Join('\n', lines.Take(30)) + $"\n   [... {lines.Length - 30} more lines in the trajectory file]" : text;
        Console.Out.WriteLine((result.Observation.IsError ? "error: " : "") + shown);
        if (result.Reward != 0 || result.Terminated || result.Truncated)
            Console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"   reward {result.Reward:F4}{(result.Terminated ? ", terminated" : "")}{(result.Truncated ? ", truncated" : "")}"));
    }
}
