using System.Collections.Concurrent;
using AgentGym.Core.Sandboxing;
using AgentGym.Sandbox.Local;

namespace AgentGym.Sandbox.Tests;

public sealed class LocalSandboxTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("agentgym-local-test-").FullName;
    private readonly ISandbox _sandbox;

    public LocalSandboxTests()
    {
        _sandbox = Sandboxes.CreateLocal(new LocalSandboxOptions { RunsDirectory = Path.Combine(_root, "runs") });
        Directory.CreateDirectory(Workspace);
        Directory.CreateDirectory(Data);
    }

    private string Workspace => Path.Combine(_root, "workspace");
    private string Outputs => Path.Combine(_root, "outputs");
    private string Data => Path.Combine(_root, "data");

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private SandboxRunRequest Request(IReadOnlyList<string> command, TimeSpan? limit = null, Dictionary<string, string>? env = null, string? back = null) => new()
    {
        RunId = "run-1",
        EpisodeId = "ep-local",
        WorkspaceDirectory = Workspace,
        OutputDirectory = Outputs,
        DataDirectory = Data,
        Command = command,
        Environment = env ?? new Dictionary<string, string> { ["AGENTGYM_OUTPUT_DIR"] = "/outputs", ["AGENTGYM_TRAIN_FILES"] = "/data/train_*.bin" },
        Image = "ignored",
        TimeLimit = limit ?? TimeSpan.FromSeconds(60),
        WorkspaceResultDirectory = back,
    };

    [Fact]
    public async Task Runs_in_a_copy_of_the_workspace_with_rewritten_paths_and_copies_outputs_back()
    {
        File.WriteAllText(Path.Combine(Workspace, "main.py"), """
            import os, sys
            print("cwd-is-copy", os.getcwd() != sys.argv[1])
            print("out", os.environ["AGENTGYM_OUTPUT_DIR"].endswith("/outputs"))
            print("train", os.environ["AGENTGYM_TRAIN_FILES"])
            print("home", os.environ["HOME"] == os.environ["TMPDIR"])
            open(os.path.join(os.environ["AGENTGYM_OUTPUT_DIR"], "r.txt"), "w").write("ok")
            open("scratch.txt", "w").write("scratch")
            print("to stderr", file=sys.stderr)
            """);
        var output = new Collector();
        var result = await _sandbox.RunAsync(Request(["python3", "/workspace/main.py", Workspace]), output, CancellationToken.None);
        Assert.True(result.Outcome == RunOutcome.Succeeded, result.Reason + string.Join("\n", output.Texts));
        Assert.Contains("cwd-is-copy True", output.Texts);
        Assert.Contains("out True", output.Texts);
        Assert.Contains($"train {Data}/train_*.bin", output.Texts);
        Assert.Contains("home True", output.Texts);
        Assert.Contains(output.Lines, l => l.Stream == OutputStream.Stderr && l.Text == "to stderr");
        Assert.Equal("ok", File.ReadAllText(Path.Combine(Outputs, "r.txt")));
        // The host workspace is untouched.
        Assert.False(File.Exists(Path.Combine(Workspace, "scratch.txt")));
        // The per-run folder is gone.
        Assert.Empty(Directory.EnumerateDirectories(Path.Combine(_root, "runs")));
    }

    [Fact]
    public async Task Only_the_request_environment_plus_path_home_tmpdir_is_passed()
    {
        System.Environment.SetEnvironmentVariable("AGENTGYM_LOCAL_SECRET", "x");
        var output = new Collector();
        var result = await _sandbox.RunAsync(Request(["env"], env: new() { ["MINE"] = "1" }), output, CancellationToken.None);
        Assert.Equal(RunOutcome.Succeeded, result.Outcome);
        var keys = output.Texts.Select(l => l[..l.IndexOf('=', StringComparison.Ordinal)]).Order(StringComparer.Ordinal);
        Assert.Equal(["HOME", "MINE", "PATH", "TMPDIR"], keys);
    }

    [Fact]
    public async Task Timeout_kills_the_whole_process_group_including_background_children()
    {
        var pidFile = Path.Combine(_root, "child.pid");
        var output = new Collector();
        var script = $"sleep 300 & echo $! > {pidFile}; echo started; wait";
        var result = await _sandbox.RunAsync(Request(["sh", "-c", script], limit: TimeSpan.FromSeconds(2)), output, CancellationToken.None);
        Assert.Equal(RunOutcome.TimedOut, result.Outcome);
        Assert.Contains("started", output.Texts);
        var child = int.Parse(File.ReadAllText(pidFile).Trim(), System.Globalization.CultureInfo.InvariantCulture);
        // A killed child lingers as a zombie only until its parent is reaped; wait for /proc to drop it.
        for (var i = 0; i < 50 && ProcessRunning(child); i++) await Task.Delay(100);
        Assert.False(ProcessRunning(child), "the background child should have been killed with its group");
    }

    private static bool ProcessRunning(int pid)
    {
        var stat = $"/proc/{pid}/stat";
        if (!File.Exists(stat)) return false;
        try { return !File.ReadAllText(stat).Split(' ')[2].Equals("Z", StringComparison.Ordinal); }
        catch (IOException) { return false; }
    }

    [Fact]
    public async Task Cancellation_kills_the_run()
    {
        var output = new Collector();
        using var cts = new CancellationTokenSource();
        var run = _sandbox.RunAsync(Request(["sh", "-c", "echo started; sleep 300"]), output, cts.Token);
        await output.WaitFor("started").WaitAsync(TimeSpan.FromSeconds(30));
        await cts.CancelAsync();
        var result = await run;
        Assert.Equal(RunOutcome.Cancelled, result.Outcome);
    }

    [Fact]
    public async Task Non_zero_exits_fail_with_the_code()
    {
        var result = await _sandbox.RunAsync(Request(["sh", "-c", "exit 7"]), new Collector(), CancellationToken.None);
        Assert.Equal(RunOutcome.Failed, result.Outcome);
        Assert.Equal(7, result.ExitCode);
    }

    [Fact]
    public async Task Workspace_copy_back_keeps_plain_files_and_drops_symlinks()
    {
        var back = Path.Combine(_root, "back");
        var output = new Collector();
        var result = await _sandbox.RunAsync(Request(["sh", "-c", "echo new > new.txt; ln -s /etc/passwd link; ln -s /etc/passwd \"$AGENTGYM_OUTPUT_DIR/plink\""], back: back), output, CancellationToken.None);
        Assert.Equal(RunOutcome.Succeeded, result.Outcome);
        Assert.Equal("new\n", File.ReadAllText(Path.Combine(back, "new.txt")));
        Assert.False(Path.Exists(Path.Combine(back, "link")));
        Assert.False(Path.Exists(Path.Combine(Outputs, "plink")));
        Assert.Contains(output.Lines, l => l.Stream == OutputStream.Harness && l.Text.Contains("plink", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("/workspace", "/w")]
    [InlineData("/workspace/train.py", "/w/train.py")]
    [InlineData("/workspaces", "/workspaces")]
    [InlineData("/outputs/model.pt", "/o/model.pt")]
    [InlineData("/data/train_*.bin", "/d/train_*.bin")]
    [InlineData("relative/data", "relative/data")]
    [InlineData("x=/data", "x=/data")]
    public void Container_paths_are_rewritten_only_as_whole_prefixes(string value, string expected) =>
        Assert.Equal(expected, LocalSandbox.Rewrite(value, "/w", "/o", "/d"));

    [Fact]
    public async Task A_consumer_that_throws_on_a_line_still_gets_every_later_line()
    {
        File.WriteAllText(Path.Combine(Workspace, "main.py"), "print('one')\nprint('boom')\nprint('three')\n");
        var output = new Collector { ThrowOn = "boom" };
        var result = await _sandbox.RunAsync(Request(["python3", "main.py"]), output, CancellationToken.None);
        Assert.Equal(RunOutcome.Succeeded, result.Outcome);
        Assert.Equal(["one", "boom", "three"], output.Texts);
    }

    private sealed class Collector : ISandboxOutput
    {
        public string? ThrowOn { get; init; }

        private readonly ConcurrentQueue<SandboxLine> _lines = new();
        private readonly ConcurrentDictionary<string, TaskCompletionSource> _waits = new();

        public IReadOnlyList<SandboxLine> Lines => _lines.ToList();
        public IReadOnlyList<string> Texts => _lines.Where(l => l.Stream == OutputStream.Stdout).Select(l => l.Text).ToList();

        public Task WaitFor(string text)
        {
            var tcs = _waits.GetOrAdd(text, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
            if (_lines.Any(l => l.Text == text)) tcs.TrySetResult();
            return tcs.Task;
        }

        public void OnLine(SandboxLine line)
        {
            _lines.Enqueue(line);
            if (_waits.TryGetValue(line.Text, out var tcs)) tcs.TrySetResult();
            if (line.Text == ThrowOn) throw new InvalidOperationException("a consumer's bug");
        }
    }
}
