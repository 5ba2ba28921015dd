using System.CommandLine;
using System.Globalization;
using AgentGym.Core.Data;

namespace AgentGym.Cli.Commands;

internal static class DataCommands
{
    /// <summary>Datasets that `data prepare` knows by name, with their default source inside the repository.</summary>
    private static readonly Dictionary<string, string> KnownSources = new(StringComparer.Ordinal)
    {
        ["tiny-shakespeare"] = Path.Combine("data", "tinyshakespeare", "input.txt"),
    };

    public static Command Create()
    {
        var data = new Command("data", "Prepare and fetch training data.");
        data.Subcommands.Add(CreatePrepare());
        var fetch = new Command("fetch", "Download published datasets.");
        fetch.Subcommands.Add(SpeedrunCommands.CreateFetchCommand());
        data.Subcommands.Add(fetch);
        return data;
    }

    private static Command CreatePrepare()
    {
        var name = new Argument<string>("name") { Description = "Dataset name, e.g. tiny-shakespeare (the folder name under the data directory)." };
        var input = new Option<string?>("--input") { Description = "Any UTF-8 text file (default for tiny-shakespeare: data/tinyshakespeare/input.txt in the repository)." };
        var dest = new Option<string?>("--dest") { Description = "Output folder (default: <data directory>/<name>)." };
        var command = new Command("prepare", "Turn a UTF-8 text file into character-level token shards: train, visible val and held-out splits.") { name, input, dest };
        command.SetAction(parse =>
        {
            var paths = CliPaths.Discover();
            var datasetName = parse.GetValue(name)!;
            var source = parse.GetValue(input)
                ?? (KnownSources.TryGetValue(datasetName, out var known) ? Path.GetFullPath(Path.Combine(paths.RepoRoot, known)) : null);
            if (source is null)
            {
                Console.Error.WriteLine($"error: no default input for '{datasetName}'; pass --input <text file>.");
                return 1;
            }
            var destination = parse.GetValue(dest) ?? Path.Combine(paths.DataDirectory, datasetName);
            try
            {
                var result = CharDataset.Prepare(source, destination);
                Console.Out.WriteLine($"Prepared {datasetName} from {source}");
                Console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  vocabulary {result.VocabSize} characters, {result.TotalTokens:N0} tokens"));
                foreach (var (split, info) in result.Splits)
                    Console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {split,-8} {info.Tokens,10:N0} tokens  sha256 {info.Sha256[..16]}  {info.Path}"));
                return 0;
            }
            catch (Exception ex) when (ex is IOException or InvalidDataException or UnauthorizedAccessException)
            {
                Console.Error.WriteLine($"error: {ex.Message}");
                return 1;
            }
        });
        return command;
    }
}
