using System.Collections.Concurrent;
using AgentGym.Core.Sandboxing;
using AgentGym.Sandbox;

namespace AgentGym.IntegrationTests;

/// <summary>Collects lines; thread-safe so tests can look while a run is going.</summary>
internal sealed class CollectingOutput : ISandboxOutput
{
    private readonly ConcurrentQueue<SandboxLine> _lines = new();

    public void OnLine(SandboxLine line) => _lines.Enqueue(line);

    public IReadOnlyList<SandboxLine> Lines => _lines.ToList();

    public IEnumerable<string> Stdout => _lines.Where(l => l.Stream == OutputStream.Stdout).Select(l => l.Text);

    public string All => string.Join("\n", _lines.Select(l => $"[{l.Stream}] {l.Text}"));
}

/// <summary>A temp folder holding one run's workspace, outputs and workspace copy-back; deleted at the end.</summary>
internal sealed class RunFolder : IDisposable
{
    public RunFolder()
    {
        Root = Directory.CreateTempSubdirectory("agentgym-it-").FullName;
        Directory.CreateDirectory(Workspace);
        Directory.CreateDirectory(Outputs);
        Directory.CreateDirectory(Data);
    }

    public string Root { get; }
    public string Workspace => Path.Combine(Root, "workspace");
    public string Outputs => Path.Combine(Root, "outputs");
    public string Data => Path.Combine(Root, "data");
    public string WorkspaceBack => Path.Combine(Root, "workspace-back");

    public RunFolder With(string relative, string content)
    {
        var path = Path.Combine(Workspace, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, content);
        return this;
    }

    public SandboxRunRequest Request(IReadOnlyList<string> command, TimeSpan? timeLimit = null, SandboxLimits? limits = null,
        string episode = "ep-test", string run = "run-1", IReadOnlyDictionary<string, string>? env = null, bool copyWorkspaceBack = false) => new()
    {
        RunId = run,
        EpisodeId = episode,
        WorkspaceDirectory = Workspace,
        OutputDirectory = Outputs,
        DataDirectory = Data,
        Command = command,
        Environment = env ?? new Dictionary<string, string> { ["AGENTGYM_OUTPUT_DIR"] = "/outputs", ["PYTHONUNBUFFERED"] = "1" },
        Image = "agentgym-cpu",
        Limits = limits ?? new SandboxLimits { Cpus = 2, MemoryMb = 1024, Pids = 128, DiskMb = 64 },
        TimeLimit = timeLimit ?? TimeSpan.FromMinutes(2),
        WorkspaceResultDirectory = copyWorkspaceBack ? WorkspaceBack : null,
    };

    public void Dispose()
    {
        try { Directory.Delete(Root, recursive: true); }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }
}

/// <summary>One Docker sandbox shared by the tests of a class (the engine connection is reusable and thread-safe).</summary>
/// <summary>The Docker sandbox tests share one sandbox and run one at a time: a fork bomb must not share the host with a timed run.</summary>
[CollectionDefinition(Name)]
public sealed class DockerSandboxCollection : ICollectionFixture<DockerSandboxFixture>
{
    public const string Name = "docker sandbox";
}

public sealed class DockerSandboxFixture : IDisposable
{
    public DockerSandboxFixture()
    {
        Sandbox = Sandboxes.CreateDocker(new DockerSandboxOptions());
    }

    public ISandbox Sandbox { get; }

    public void Dispose() => (Sandbox as IDisposable)?.Dispose();
}
