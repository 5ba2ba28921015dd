using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using AgentGym.Core.Json;
using AgentGym.Core.Tasks;
using AgentGym.Eval.Export;
using AgentGym.Eval.Progress;
using AgentGym.Eval.Reporting;
using AgentGym.Eval.Running;
using AgentGym.Eval.Spec;
using Microsoft.Data.Sqlite;

namespace AgentGym.Cli.Commands;

/// <summary>
/// `agentgym eval`, `agentgym report` and `agentgym export`: run an experiment into a results file (resumable),
/// turn the file into tables and plots, and export episodes as chat-format JSON Lines.
/// Exit codes: 0 success, 1 bad input or set-up, 3 some cells failed (eval), 130 interrupted.
/// </summary>
internal static class EvalCommands
{
    public static Command CreateEval()
    {
        var spec = new Argument<string>("spec") { Description = "The experiment spec (JSON): tasks, hints, agents, seeds, budgets, concurrency, scoring." };
        var results = new Option<string?>("--results") { Description = "The SQLite results file (default: the spec's name with .sqlite). Rerun the same command to resume." };
        var episodes = new Option<string?>("--episodes-dir") { Description = "Where episode folders go (default: <results>.episodes beside the results file)." };
        var sandbox = new Option<string?>("--sandbox") { Description = "Where training runs: docker, local (no isolation), slurm (one cluster job per run) or none (no runs, nothing verified). Default: the spec's \"sandbox\", else docker." };
        var verifierImage = new Option<string?>("--verifier-image") { Description = "The verifier's image when the spec names none." };
        var json = new Option<bool>("--json") { Description = "Progress as JSON lines (one object per event)." };
        var plain = new Option<bool>("--plain") { Description = "Progress as plain lines even on a terminal." };
        var tasksDir = CommonOptions.TasksDir();
        var command = new Command("eval", "Run an experiment (tasks x hint regimes x agents x seeds) into a resumable SQLite results file.")
        {
            spec, results, episodes, sandbox, verifierImage, json, plain, tasksDir,
        };
        command.SetAction(async (ParseResult parse, CancellationToken cancellationToken) =>
        {
            var specPath = Path.GetFullPath(parse.GetValue(spec)!);
            ExperimentSpec experiment;
            try
            {
                experiment = ExperimentSpecs.Load(specPath);
            }
            catch (ExperimentSpecException ex)
            {
                await Console.Error.WriteLineAsync($"error: {specPath}: {ex.Message}").ConfigureAwait(false);
                return 1;
            }
            var paths = CliPaths.Discover(parse.GetValue(tasksDir));
            var catalog = TaskCatalog.Load(paths.TasksDirectory);
            var theSandbox = SandboxFactory.Create(parse.GetValue(sandbox) ?? experiment.Sandbox ?? "docker", paths, out var sandboxError);
            if (sandboxError is not null)
            {
                await Console.Error.WriteLineAsync($"error: {sandboxError}").ConfigureAwait(false);
                return 1;
            }
            var style = parse.GetValue(json) ? EvalProgressStyle.Json
                : !parse.GetValue(plain) && !Console.IsOutputRedirected && Spectre.Console.AnsiConsole.Profile.Capabilities.Interactive ? EvalProgressStyle.Live
                : EvalProgressStyle.Lines;
            var resultsPath = parse.GetValue(results) ?? Path.ChangeExtension(specPath, ".sqlite");
            try
            {
                var summary = await Evaluations.RunAsync(new EvalOptions
                {
                    Spec = experiment,
                    Tasks = catalog,
                    ResultsPath = resultsPath,
                    EpisodesDirectory = parse.GetValue(episodes),
                    DataDirectory = paths.DataDirectory,
                    Sandbox = theSandbox,
                    VerifierImage = parse.GetValue(verifierImage) ?? VerifyCommand.DefaultVerifierImage(paths),
                    Progress = style,
                }, cancellationToken).ConfigureAwait(false);
                var line = string.Create(CultureInfo.InvariantCulture,
                    $"{summary.Done + summary.AlreadyDone}/{summary.Cells} cells done ({summary.AlreadyDone} from earlier runs), {summary.Failed} failed; results in {summary.ResultsPath}");
                if (style == EvalProgressStyle.Json)
                    Console.Out.WriteLine(new JsonObject
                    {
                        ["summary"] = new JsonObject
                        {
                            ["cells"] = summary.Cells, ["already_done"] = summary.AlreadyDone, ["done"] = summary.Done, ["failed"] = summary.Failed,
                            ["pending"] = summary.Pending, ["results"] = summary.ResultsPath, ["episodes_dir"] = summary.EpisodesDirectory,
                        },
                    }.ToJsonString(JsonDefaults.Options));
                else Console.Out.WriteLine(line);
                return summary.Failed > 0 ? 3 : 0;
            }
            catch (ExperimentSpecException ex)
            {
                await Console.Error.WriteLineAsync($"error: {specPath}: {ex.Message}").ConfigureAwait(false);
                return 1;
            }
            catch (Exception ex) when (ex is IOException or InvalidDataException or SqliteException or UnauthorizedAccessException)
            {
                await Console.Error.WriteLineAsync($"error: {ex.Message}").ConfigureAwait(false);
                return 1;
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                await Console.Error.WriteLineAsync("interrupted: finished cells are kept; rerun the same command to resume.").ConfigureAwait(false);
                return 130;
            }
            finally
            {
                (theSandbox as IDisposable)?.Dispose();
            }
        });
        return command;
    }

    public static Command CreateReport()
    {
        var results = new Argument<string>("results") { Description = "The SQLite results file of `agentgym eval`." };
        var output = new Option<string?>("--out") { Description = "The report folder (default: <results>-report beside the results file)." };
        var command = new Command("report", "Write tables (Markdown, HTML) and PNG plots from a results file.") { results, output };
        command.SetAction(async (ParseResult parse, CancellationToken cancellationToken) =>
        {
            var path = Path.GetFullPath(parse.GetValue(results)!);
            var outDir = Path.GetFullPath(parse.GetValue(output) ?? Path.ChangeExtension(path, null) + "-report");
            try
            {
                var files = await Reports.WriteAsync(path, outDir, cancellationToken).ConfigureAwait(false);
                Console.Out.WriteLine($"report: {files.MarkdownPath}");
                Console.Out.WriteLine($"        {files.HtmlPath} (self-contained)");
                foreach (var image in files.Images) Console.Out.WriteLine($"        {image}");
                return 0;
            }
            catch (Exception ex) when (ex is IOException or InvalidDataException or SqliteException or UnauthorizedAccessException)
            {
                await Console.Error.WriteLineAsync($"error: {ex.Message}").ConfigureAwait(false);
                return 1;
            }
        });
        return command;
    }

    public static Command CreateExport()
    {
        var source = new Argument<string>("source") { Description = "A results file (SQLite), an episodes folder or one episode folder." };
        var output = new Option<string>("--out") { Description = "The JSON Lines file to write.", Required = true };
        var command = new Command("export", "Export episodes as JSON Lines in the OpenAI chat format (tool calls, tool results, reward) for SFT/RL.") { source, output };
        command.SetAction(async (ParseResult parse, CancellationToken cancellationToken) =>
        {
            try
            {
                var summary = await ChatExport.WriteAsync(parse.GetValue(source)!, parse.GetValue(output)!, cancellationToken).ConfigureAwait(false);
                foreach (var skipped in summary.Skipped) await Console.Error.WriteLineAsync($"skipped: {skipped}").ConfigureAwait(false);
                Console.Out.WriteLine($"{summary.Episodes} episodes written to {summary.OutputPath}");
                return 0;
            }
            catch (Exception ex) when (ex is IOException or InvalidDataException or SqliteException or UnauthorizedAccessException)
            {
                await Console.Error.WriteLineAsync($"error: {ex.Message}").ConfigureAwait(false);
                return 1;
            }
        });
        return command;
    }
}
