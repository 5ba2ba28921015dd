using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using AgentGym.Core.Sandboxing;
using AgentGym.Sandbox;

namespace AgentGym.Slurm.Tests;

/// <summary>The Slurm sandbox against the real one-node cluster (scripts/ensure-slurm.sh) with the Docker runtime.</summary>
public sealed partial class SlurmSandboxTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("agentgym-slurm-it-").FullName;

    public void Dispose()
    {
        try { Directory.Delete(_root, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }

    private ISandbox Sandbox(TimeSpan? outputPoll = null) => Sandboxes.CreateSlurm(new SlurmSandboxOptions
    {
        SharedDirectory = Path.Combine(_root, "shared"),
        OutputPollInterval = outputPoll ?? TimeSpan.FromMilliseconds(200),
        StatePollInterval = TimeSpan.FromSeconds(1),
        RepositoryRoot = RepoPaths.Root,
    });

    private SandboxRunRequest Request(string script, string run, TimeSpan? limit = null, SandboxLimits? limits = null)
    {
        var folder = Path.Combine(_root, run);
        Directory.CreateDirectory(Path.Combine(folder, "workspace"));
        return new SandboxRunRequest
        {
            RunId = run,
            EpisodeId = "slurm-it",
            WorkspaceDirectory = Path.Combine(folder, "workspace"),
            OutputDirectory = Path.Combine(folder, "outputs"),
            Command = ["sh", "-c", script],
            Image = "agentgym-cpu",
            Limits = limits ?? new SandboxLimits { Cpus = 1, MemoryMb = 256, Pids = 64, DiskMb = 16 },
            TimeLimit = limit ?? TimeSpan.FromMinutes(3),
        };
    }

    [SlurmFact]
    public async Task A_job_runs_in_the_hardened_container_streams_its_lines_and_returns_its_exit_code_and_outputs()
    {
        var output = new Lines();
        var result = await Sandbox().RunAsync(Request("id -u; echo to-stderr >&2; echo kept > /outputs/out.txt; touch /etc/x 2>/dev/null || echo read-only; exit 3", "exit"), output, CancellationToken.None);

        Assert.Equal(RunOutcome.Failed, result.Outcome);
        Assert.Equal(3, result.ExitCode);
        Assert.Equal(["65534", "read-only"], output.Stdout);
        Assert.Contains("to-stderr", output.Stderr);
        Assert.Equal("kept\n", File.ReadAllText(Path.Combine(_root, "exit", "outputs", "out.txt")));
        Assert.Contains(output.Harness, l => l.Contains("running on node", StringComparison.Ordinal));
    }

    [SlurmFact]
    public async Task Line_times_are_the_nodes_so_a_slow_shared_folder_does_not_stretch_or_squeeze_them()
    {
        // The gym reads the output only every 3 s (a slow shared file system); the two lines are 2 s apart on the node.
        var output = new Lines();
        var result = await Sandbox(outputPoll: TimeSpan.FromSeconds(3)).RunAsync(Request("echo a; sleep 2; echo b; sleep 1.5", "clock"), output, CancellationToken.None);

        Assert.Equal(RunOutcome.Succeeded, result.Outcome);
        var lines = output.All.Where(l => l.Stream == OutputStream.Stdout).ToList();
        Assert.Equal(["a", "b"], lines.Select(l => l.Text));
        var gap = Stopwatch.GetElapsedTime(lines[0].HostTimestamp, lines[1].HostTimestamp).TotalSeconds;
        Assert.InRange(gap, 1.9, 2.6);
        // The wall time is the command's on the node (queue and start-up excluded).
        Assert.InRange(result.WallTime.TotalSeconds, 3.4, 6.0);
    }

    [SlurmFact]
    public async Task Two_one_cpu_jobs_run_at_the_same_time()
    {
        var sandbox = Sandbox();
        var first = new Lines();
        var second = new Lines();
        const string script = "date +%s.%N; sleep 6; date +%s.%N";
        var results = await Task.WhenAll(
            sandbox.RunAsync(Request(script, "par-1"), first, CancellationToken.None),
            sandbox.RunAsync(Request(script, "par-2"), second, CancellationToken.None));

        Assert.All(results, r => Assert.Equal(RunOutcome.Succeeded, r.Outcome));
        var a = first.Stdout.Select(t => double.Parse(t, CultureInfo.InvariantCulture)).ToList();
        var b = second.Stdout.Select(t => double.Parse(t, CultureInfo.InvariantCulture)).ToList();
        // Each started before the other ended: the node ran them side by side, one CPU each.
        Assert.True(a[0] < b[1] && b[0] < a[1], $"first {a[0]}..{a[1]}, second {b[0]}..{b[1]}");
    }

    [SlurmFact]
    public async Task A_job_over_its_time_limit_is_timed_out_at_the_limit()
    {
        var output = new Lines();
        var result = await Sandbox().RunAsync(Request("echo started; sleep 120", "limit", limit: TimeSpan.FromSeconds(3)), output, CancellationToken.None);

        Assert.Equal(RunOutcome.TimedOut, result.Outcome);
        Assert.InRange(result.WallTime.TotalSeconds, 2.9, 8);
        Assert.Equal(["started"], output.Stdout);
        Assert.Contains(output.Harness, l => l.Contains("time limit of 3 s", StringComparison.Ordinal));
    }

    [SlurmFact]
    public async Task Cancelling_a_run_scancels_its_job_and_leaves_no_container()
    {
        var output = new Lines();
        using var cancel = new CancellationTokenSource();
        var run = Sandbox().RunAsync(Request("echo started; sleep 120", "cancel"), output, cancel.Token);
        for (var i = 0; i < 600 && !output.Stdout.Contains("started"); i++) await Task.Delay(200);
        Assert.Contains("started", output.Stdout);
        var jobId = JobId(output);
        Assert.Contains(jobId, await SlurmAsync("squeue", "-h", "-t", "RUNNING", "-o", "%i"));

        await cancel.CancelAsync();
        var result = await run.WaitAsync(TimeSpan.FromSeconds(60));

        Assert.Equal(RunOutcome.Cancelled, result.Outcome);
        Assert.DoesNotContain(jobId, (await SlurmAsync("squeue", "-h", "-t", "PENDING,RUNNING,COMPLETING", "-o", "%i")).Split('\n'));
        Assert.Equal("", (await DockerAsync("ps", "-aq", "--filter", "label=agentgym-slurm.run=cancel")).Trim());
    }

    [SlurmFact]
    public async Task A_job_that_asks_for_more_cpus_than_any_node_has_fails_clearly_instead_of_waiting()
    {
        var begin = Stopwatch.GetTimestamp();
        var output = new Lines();
        var result = await Sandbox().RunAsync(Request("echo never", "huge", limits: new SandboxLimits { Cpus = 4096, MemoryMb = 256 }), output, CancellationToken.None);

        Assert.Equal(RunOutcome.SandboxError, result.Outcome);
        Assert.Contains("4096 CPUs", result.Reason, StringComparison.Ordinal);
        Assert.Matches("can never start|sbatch refused", result.Reason);
        Assert.True(Stopwatch.GetElapsedTime(begin) < TimeSpan.FromSeconds(60));
        Assert.Empty(output.Stdout);
    }

    [SlurmFact]
    public async Task A_job_over_its_memory_is_reported_out_of_memory()
    {
        var result = await Sandbox().RunAsync(Request("python3 -c 'x = bytearray(512 * 1024 * 1024); print(len(x))'", "oom", limits: new SandboxLimits { Cpus = 1, MemoryMb = 128 }), new Lines(), CancellationToken.None);
        Assert.Equal(RunOutcome.OutOfMemory, result.Outcome);
    }

    private static string JobId(Lines output) =>
        JobIdPattern().Match(string.Join("\n", output.Harness)).Groups[1].Value is { Length: > 0 } id ? id : throw new InvalidOperationException("no job id: " + string.Join("\n", output.Harness));

    [GeneratedRegex(@"job (\d+) submitted")]
    private static partial Regex JobIdPattern();

    internal static Task<string> SlurmAsync(string tool, params string[] args) => RunAsync(tool, args);

    internal static Task<string> DockerAsync(params string[] args) => RunAsync("docker", args);

    private static async Task<string> RunAsync(string tool, string[] args)
    {
        using var process = Process.Start(new ProcessStartInfo(tool, args) { RedirectStandardOutput = true, RedirectStandardError = true })!;
        var output = await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        return output;
    }
}

/// <summary>Collects lines; thread-safe so a test can look while the run goes on.</summary>
internal sealed class Lines : ISandboxOutput
{
    private readonly ConcurrentQueue<SandboxLine> _lines = new();

    public void OnLine(SandboxLine line) => _lines.Enqueue(line);

    public IReadOnlyList<SandboxLine> All => _lines.ToList();
    public List<string> Stdout => _lines.Where(l => l.Stream == OutputStream.Stdout).Select(l => l.Text).ToList();
    public List<string> Stderr => _lines.Where(l => l.Stream == OutputStream.Stderr).Select(l => l.Text).ToList();
    public List<string> Harness => _lines.Where(l => l.Stream == OutputStream.Harness).Select(l => l.Text).ToList();
}
