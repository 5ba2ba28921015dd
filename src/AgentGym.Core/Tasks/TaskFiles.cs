namespace AgentGym.Core.Tasks;

internal static class TaskFiles
{
    /// <summary>Copies each starting file by name, and each starting folder's contents, into the destination.</summary>
    public static void CopyStartingFiles(TaskManifest task, string destination) => CopyFiles(task, task.StartingFiles, destination);

    /// <summary>Copies each entry (a file by name, or a folder's contents), relative to the task folder, into the destination.</summary>
    public static void CopyFiles(TaskManifest task, IReadOnlyList<string> entries, string destination)
    {
        Directory.CreateDirectory(destination);
        foreach (var entry in entries)
        {
            var source = Path.GetFullPath(Path.Combine(task.Directory, entry));
            if (Directory.Exists(source)) FileTrees.Copy(source, destination);
            else if (File.Exists(source)) File.Copy(source, Path.Combine(destination, Path.GetFileName(source)), overwrite: true);
            else throw new FileNotFoundException(task.RequiresImport
                ? $"Task {task.Id}: starting file '{entry}' is missing; this task ships without its scripts: run `agentgym tasks import-speedrunner <clone of the benchmark>` first."
                : $"Task {task.Id}: starting file '{entry}' is missing.", source);
        }
    }

    /// <summary>The text of a hint level (L0..L3), or null when the task has none.</summary>
    public static string? ReadHint(TaskManifest task, string level) =>
        task.Hints.TryGetValue(level, out var file) && File.Exists(Path.Combine(task.Directory, file))
            ? File.ReadAllText(Path.Combine(task.Directory, file))
            : null;
}
