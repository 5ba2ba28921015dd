namespace AgentGym.Cli;

/// <summary>Where the CLI finds tasks and keeps its files: beside the repository, overridable by environment variables.</summary>
internal sealed record CliPaths(string RepoRoot, string TasksDirectory, string HomeDirectory)
{
    public string EpisodesDirectory => Path.Combine(HomeDirectory, "episodes");
    public string DataDirectory => Environment.GetEnvironmentVariable("AGENTGYM_DATA") is { Length: > 0 } d ? Path.GetFullPath(d) : Path.Combine(HomeDirectory, "data");

    public static CliPaths Discover(string? tasksOverride = null)
    {
        var repo = FindRepoRoot(Directory.GetCurrentDirectory()) ?? FindRepoRoot(AppContext.BaseDirectory) ?? Directory.GetCurrentDirectory();
        var tasks = tasksOverride ?? Environment.GetEnvironmentVariable("AGENTGYM_TASKS");
        var home = Environment.GetEnvironmentVariable("AGENTGYM_HOME");
        return new CliPaths(
            repo,
            Path.GetFullPath(string.IsNullOrEmpty(tasks) ? Path.Combine(repo, "tasks") : tasks),
            Path.GetFullPath(string.IsNullOrEmpty(home) ? Path.Combine(repo, ".agentgym") : home));
    }

    /// <summary>The nearest folder at or above start that holds AgentGym.sln.</summary>
    public static string? FindRepoRoot(string start)
    {
        for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "AgentGym.sln"))) return dir.FullName;
        return null;
    }
}
