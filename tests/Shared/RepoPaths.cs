namespace AgentGym.Tests.Shared;

/// <summary>The checkout the tests run from, for tests of what the repository ships (tasks, READMEs, examples).</summary>
internal static class RepoPaths
{
    /// <summary>The checkout's root: the nearest folder above the test binaries holding AgentGym.sln.</summary>
    public static string Root
    {
        get
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
                if (File.Exists(Path.Combine(dir.FullName, "AgentGym.sln"))) return dir.FullName;
            throw new InvalidOperationException("AgentGym.sln not found above " + AppContext.BaseDirectory);
        }
    }

    public static string Tasks => Path.Combine(Root, "tasks");
}
