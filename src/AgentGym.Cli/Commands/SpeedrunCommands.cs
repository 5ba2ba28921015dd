using System.CommandLine;
using System.Globalization;
using AgentGym.Core.Data;
using AgentGym.Core.Tasks;
using AgentGym.Datasets;

namespace AgentGym.Cli.Commands;

/// <summary>
/// `agentgym tasks import-speedrunner PATH` and `agentgym data fetch fineweb10B`: what the 19
/// nanogpt-speedrun tasks need that the repository cannot ship (scripts and hints under CC BY-NC, 20 GB of tokens).
/// </summary>
internal static class SpeedrunCommands
{
    private const int Ok = 0;
    private const int Incomplete = 1;
    private const int BadInput = 2;

    public static Command CreateImportCommand()
    {
        var path = new Argument<string>("path") { Description = "A local clone of facebookresearch/llm-speedrunner (the Automated LLM Speedrunning Benchmark)" };
        var tasks = new Option<string?>("--tasks") { Description = "The tasks folder to import into (default: tasks/ of the AgentGym checkout around the current folder)" };
        var command = new Command("import-speedrunner", "Import the starting scripts, metrics and hints of the 19 nanogpt-speedrun tasks from a local clone of the benchmark") { path, tasks };
        command.SetAction(async (ParseResult parse, CancellationToken ct) =>
        {
            var output = parse.InvocationConfiguration.Output;
            var error = parse.InvocationConfiguration.Error;
            var tasksRoot = parse.GetValue(tasks) ?? (FindRepoRoot(error, "--tasks") is { } root ? Path.Combine(root, "tasks") : null);
            if (tasksRoot is null) return BadInput;

            SpeedrunImportResult result;
            try
            {
                result = await SpeedrunImport.RunAsync(parse.GetRequiredValue(path), tasksRoot, ct).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is ArgumentException or IOException or UnauthorizedAccessException)
            {
                await error.WriteLineAsync($"import-speedrunner: {ex.Message}").ConfigureAwait(false);
                return BadInput;
            }

            await output.WriteLineAsync($"Imported {result.ImportedTasks.Count} of {SpeedrunImport.Records.Count} tasks into {Path.Combine(Path.GetFullPath(tasksRoot), SpeedrunImport.Family)}.").ConfigureAwait(false);
            await WriteListAsync(error, "Missing from the clone", result.MissingFiles).ConfigureAwait(false);
            await WriteListAsync(error, "Malformed", [.. result.MalformedFiles.Select(m => m.ToString())]).ConfigureAwait(false);
            await WriteListAsync(error, "Warnings", result.Warnings).ConfigureAwait(false);
            return result.Complete ? Ok : Incomplete;
        });
        return command;
    }

    public static Command CreateFetchCommand()
    {
        var shards = new Option<int>("--shards")
        {
            Description = $"Train shards to fetch (100M tokens, 200 MB each), 0..{FineWebFetchOptions.DatasetTrainShards}; the val shard always comes too",
            DefaultValueFactory = _ => FineWebFetchOptions.DatasetTrainShards,
        };
        var dest = new Option<string?>("--dest") { Description = "Where the shards go (default: .agentgym/data/fineweb10B/visible in the AgentGym checkout)" };
        var baseUrl = new Option<string>("--base-url")
        {
            Description = "The folder URL holding the shards (a mirror)",
            DefaultValueFactory = _ => FineWebFetchOptions.DefaultBaseUrl.ToString(),
        };
        var command = new Command("fineweb10B", "Download the speedrun's FineWeb10B GPT-2 token shards (kjj0/fineweb10B-gpt2), resuming interrupted downloads") { shards, dest, baseUrl };
        command.SetAction(async (ParseResult parse, CancellationToken ct) =>
        {
            var output = parse.InvocationConfiguration.Output;
            var error = parse.InvocationConfiguration.Error;
            var destination = parse.GetValue(dest);
            if (destination is null)
            {
                var root = FindRepoRoot(error, "--dest");
                if (root is null) return BadInput;
                destination = Path.Combine(root, ".agentgym", "data", "fineweb10B", "visible");
            }
            if (!Uri.TryCreate(parse.GetValue(baseUrl), UriKind.Absolute, out var url))
            {
                await error.WriteLineAsync($"fineweb10B: --base-url: '{parse.GetValue(baseUrl)}' is not an absolute URL.").ConfigureAwait(false);
                return BadInput;
            }
            var options = new FineWebFetchOptions
            {
                Destination = destination,
                TrainShards = parse.GetValue(shards),
                BaseUrl = url,
                Progress = new ConsoleProgress(output),
            };

            FineWebFetchResult result;
            try
            {
                result = await FineWebFetch.RunAsync(options, ct).ConfigureAwait(false);
            }
            catch (ArgumentException ex)
            {
                await error.WriteLineAsync($"fineweb10B: {ex.Message}").ConfigureAwait(false);
                return BadInput;
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                await error.WriteLineAsync($"fineweb10B: {destination}: {ex.Message}").ConfigureAwait(false);
                return Incomplete;
            }

            var present = result.Shards.Count(s => s.Status == ShardFetchStatus.AlreadyPresent);
            await output.WriteLineAsync(
                $"{result.Shards.Count} shard(s) in {Path.GetFullPath(destination)} ({result.Shards.Count - present} fetched, {present} already there, {result.Shards.Sum(s => s.Tokens):N0} tokens).").ConfigureAwait(false);
            await WriteListAsync(error, "Failed (run again to resume)", result.Errors).ConfigureAwait(false);
            return result.Succeeded ? Ok : Incomplete;
        });
        return command;
    }

    private static async Task WriteListAsync(TextWriter writer, string title, IReadOnlyList<string> items)
    {
        if (items.Count == 0) return;
        await writer.WriteLineAsync($"{title} ({items.Count}):").ConfigureAwait(false);
        foreach (var item in items) await writer.WriteLineAsync("  " + item).ConfigureAwait(false);
    }

    /// <summary>The nearest folder at or above the current one holding AgentGym.sln.</summary>
    private static string? FindRepoRoot(TextWriter error, string option)
    {
        for (var dir = new DirectoryInfo(Directory.GetCurrentDirectory()); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "AgentGym.sln"))) return dir.FullName;
        error.WriteLine($"No AgentGym checkout (AgentGym.sln) at or above {Directory.GetCurrentDirectory()}: run inside one, or give {option}.");
        return null;
    }

    /// <summary>One line when a file starts and at every tenth of it, so a 20 GB fetch shows life without flooding the terminal.</summary>
    private sealed class ConsoleProgress(TextWriter output) : IProgress<FineWebFetchProgress>
    {
        private readonly Lock _gate = new();
        private string? _file;
        private int _lastTenth = -1;

        public void Report(FineWebFetchProgress value)
        {
            lock (_gate)
            {
                if (value.File != _file)
                {
                    _file = value.File;
                    _lastTenth = -1;
                }
                var tenth = value.BytesTotal is > 0 and var total ? (int)(10 * value.BytesDone / total) : 0;
                if (tenth == _lastTenth) return;
                _lastTenth = tenth;
                var size = value.BytesTotal is { } t ? string.Create(CultureInfo.InvariantCulture, $"{value.BytesDone / 1e6:F0}/{t / 1e6:F0} MB") : string.Create(CultureInfo.InvariantCulture, $"{value.BytesDone / 1e6:F0} MB");
                output.WriteLine($"[{value.FileIndex + 1}/{value.FileCount}] {value.File} {size}");
            }
        }
    }
}
