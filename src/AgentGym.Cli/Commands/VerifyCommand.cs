using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using AgentGym.Core.Json;
using AgentGym.Core.Scoring;
using AgentGym.Core.Tasks;

namespace AgentGym.Cli.Commands;

/// <summary>
/// `agentgym verify`: scores a folder of code for a task exactly as a submission is scored (paired timing beside the
/// task's records on permuted data, the independent verifier, protected content and the source budget). Exit codes: 0 passed, 3 verification failed,
/// 1 usage or set-up error.
/// </summary>
internal static class VerifyCommand
{
    public static Command Create()
    {
        var task = new Option<string>("--task") { Description = "Task id (see `agentgym tasks list`).", Required = true };
        var workspace = new Option<string>("--workspace") { Description = "The folder holding the code to verify (e.g. an episode's workspace or a run's snapshot).", Required = true };
        var pairs = new Option<int?>("--pairs") { Description = "Timing pairs instead of the task's verification.pairs." };
        var seed = new Option<int>("--seed") { Description = "Seed of the first pair (the next pairs add 1 each).", DefaultValueFactory = _ => 1 };
        var reward = CommonOptions.Reward();
        var sandbox = new Option<string>("--sandbox") { Description = "Where runs and the verifier run: docker.", DefaultValueFactory = _ => "docker" };
        var verifierImage = new Option<string?>("--verifier-image") { Description = "The verifier's image (default: the tag in .agentgym/verifier-image written by scripts/build-verifier.sh, else $AGENTGYM_VERIFIER_IMAGE, else agentgym-verifier:latest)." };
        var json = CommonOptions.Json();
        var tasksDir = CommonOptions.TasksDir();
        var judgeOptions = new JudgeOptions();
        var command = new Command("verify", "Verify code for a task: re-run it, check loss, time and protected content, and print the reward it would get.")
        {
            task, workspace, pairs, seed, reward, sandbox, verifierImage, json, tasksDir,
        };
        foreach (var option in judgeOptions.All) command.Options.Add(option);
        command.SetAction(async (ParseResult parse, CancellationToken cancellationToken) =>
        {
            var paths = CliPaths.Discover(parse.GetValue(tasksDir));
            var catalog = TaskCatalog.Load(paths.TasksDirectory);
            var taskId = parse.GetValue(task)!;
            if (!catalog.TryGet(taskId, out var manifest))
            {
                try { catalog.Get(taskId); }
                catch (KeyNotFoundException ex) { Console.Error.WriteLine($"error: {ex.Message}"); }
                return 1;
            }
            var code = Path.GetFullPath(parse.GetValue(workspace)!);
            if (!Directory.Exists(code))
            {
                Console.Error.WriteLine($"error: no folder {code}");
                return 1;
            }
            if (parse.GetValue(pairs) is < 1)
            {
                Console.Error.WriteLine("error: --pairs must be at least 1");
                return 1;
            }
            IRewardFunction rewardFunction;
            try
            {
                rewardFunction = RewardRegistry.CreateDefault().Resolve(parse.GetValue(reward)!);
            }
            catch (ArgumentException ex)
            {
                Console.Error.WriteLine($"error: --reward: {ex.Message.Split(" (Parameter", 2)[0]}");
                return 1;
            }
            Agents.Review.JudgeSettings? judge;
            try
            {
                judge = judgeOptions.Build(parse);
                // Build the judge now: a missing key must stop the command before minutes of re-runs.
                if (judge is not null) _ = Agents.Review.SubmissionReviewers.Create(judge);
            }
            catch (Exception ex) when (ex is ArgumentException or InvalidOperationException or FileNotFoundException or InvalidDataException)
            {
                Console.Error.WriteLine($"error: {ex.Message}");
                return 1;
            }
            var theSandbox = SandboxFactory.Create(parse.GetValue(sandbox)!, paths, out var sandboxError);
            if (theSandbox is null)
            {
                Console.Error.WriteLine($"error: verification needs a sandbox: {sandboxError ?? "none was configured"}");
                return 1;
            }

            var directory = Path.Combine(paths.HomeDirectory, "verify",
                DateTime.UtcNow.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture) + "-" + Guid.NewGuid().ToString("N")[..6]);
            Directory.CreateDirectory(directory);
            Core.Gym.Submission submission;
            try
            {
                submission = SubmissionScorers.Standalone(manifest, code, directory, parse.GetValue(seed)) with
                {
                    Reward = rewardFunction,
                    // Progress goes to stderr so that --json output stays one document.
                    Progress = new VerificationConsole(Console.Error),
                };
            }
            catch (FileNotFoundException ex)
            {
                (theSandbox as IDisposable)?.Dispose();
                Console.Error.WriteLine($"error: {ex.Message}");
                return 1;
            }
            var scorer = JudgeOptions.WithJudge(SubmissionScorers.Create(theSandbox, new ScoringOptions
            {
                DataDirectory = paths.DataDirectory,
                VerifierImage = parse.GetValue(verifierImage) ?? DefaultVerifierImage(paths),
                Pairs = parse.GetValue(pairs),
            }), judge)!;
            try
            {
                var verdict = await scorer.ScoreAsync(submission, cancellationToken).ConfigureAwait(false);
                if (parse.GetValue(json))
                {
                    Console.Out.WriteLine(new JsonObject
                    {
                        ["task_id"] = manifest.Id,
                        ["passed"] = verdict.Passed,
                        ["reward"] = verdict.Reward,
                        ["summary"] = verdict.Summary,
                        ["checks"] = JsonSerializer.SerializeToNode(verdict.Checks, JsonDefaults.Options),
                        ["records"] = directory,
                    }.ToJsonString(JsonDefaults.Indented));
                }
                else
                {
                    Console.Out.WriteLine(verdict.Summary);
                    var rows = verdict.Checks.Named().Select(c => new[] { c.Name, c.Check.Passed ? "passed" : "FAILED", c.Check.Reason ?? "" }).ToList();
                    TextTable.Write(Console.Out, ["check", "result", "reason"], rows);
                    VerificationConsole.WriteTimes(Console.Out, verdict.Checks);
                    Console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"reward {verdict.Reward:F4}; records in {directory}"));
                }
                return verdict.Passed ? 0 : 3;
            }
            finally
            {
                (theSandbox as IDisposable)?.Dispose();
            }
        });
        return command;
    }

    /// <summary>The tag scripts/build-verifier.sh recorded, else $AGENTGYM_VERIFIER_IMAGE, else agentgym-verifier:latest.</summary>
    public static string DefaultVerifierImage(CliPaths paths)
    {
        var stamp = Path.Combine(paths.RepoRoot, ".agentgym", "verifier-image");
        if (File.Exists(stamp) && File.ReadAllText(stamp).Trim() is { Length: > 0 } tag) return tag;
        return Environment.GetEnvironmentVariable("AGENTGYM_VERIFIER_IMAGE") is { Length: > 0 } image ? image : "agentgym-verifier:latest";
    }
}
