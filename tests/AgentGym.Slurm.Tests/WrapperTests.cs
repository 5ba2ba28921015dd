using System.Diagnostics;
using System.Globalization;
using System.Text;
using AgentGym.Core.Sandboxing;
using AgentGym.Sandbox;
using AgentGym.Sandbox.Slurm;

namespace AgentGym.Slurm.Tests;

/// <summary>
/// The job wrapper run directly by bash (runtime none), as a node would run it, without a cluster: node stamps,
/// the exact time limit, the end record, and TERM (what scancel sends).
/// </summary>
public sealed class WrapperTests : IDisposable
{
    private readonly string _run = Directory.CreateTempSubdirectory("agentgym-wrapper-").FullName;

    public void Dispose()
    {
        try { Directory.Delete(_run, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }

    private Process Start(IReadOnlyList<string> command, TimeSpan limit)
    {
        Directory.CreateDirectory(Path.Combine(_run, "workspace"));
        Directory.CreateDirectory(Path.Combine(_run, "outputs"));
        var request = new SandboxRunRequest
        {
            RunId = "r", EpisodeId = "e", WorkspaceDirectory = "/unused", OutputDirectory = "/unused",
            Command = command, Image = "none", TimeLimit = limit,
            Environment = new Dictionary<string, string> { ["OUT"] = "/outputs/file.txt" },
        };
        var script = SlurmJobScript.Build(request, new SlurmSandboxOptions { SharedDirectory = _run, Runtime = SlurmContainerRuntime.None }, _run, "job-test", []);
        File.WriteAllText(Path.Combine(_run, "job.sh"), script);
        return Process.Start(new ProcessStartInfo("bash", [Path.Combine(_run, "job.sh")]) { RedirectStandardOutput = true, RedirectStandardError = true })!;
    }

    private List<(long Micros, string Text)> Records(string file) =>
        new StampedFile(Path.Combine(_run, file)).ReadNew(final: true).Select(r => (r.EpochMicros, Encoding.UTF8.GetString(r.Text.Span))).ToList();

    [Fact]
    public async Task Lines_are_stamped_on_the_node_as_they_are_printed_and_the_end_is_recorded()
    {
        using var job = Start(["sh", "-c", "echo one; sleep 1; echo two; echo oops >&2; printf 'no newline'; echo hi > \"$OUT\"; exit 3"], TimeSpan.FromSeconds(30));
        await job.WaitForExitAsync();

        var stdout = Records(SlurmJobScript.StdoutFile);
        Assert.Equal(["one", "two", "no newline"], stdout.Select(r => r.Text));
        var gap = (stdout[1].Micros - stdout[0].Micros) / 1e6;
        Assert.InRange(gap, 0.9, 1.6);
        Assert.Equal("oops", Assert.Single(Records(SlurmJobScript.StderrFile)).Text);
        Assert.Equal("hi\n", File.ReadAllText(Path.Combine(_run, "outputs", "file.txt")));

        var events = Records(SlurmJobScript.EventsFile);
        Assert.Equal(["node", "start", "end"], events.Select(e => e.Text.Split(' ')[0]));
        Assert.Equal("end 3 exit", events[2].Text);
        // A line is stamped when the wrapper reads it: after the start, and at most a moment after the end (the pipe's tail).
        Assert.True(events[1].Micros <= stdout[0].Micros);
        Assert.InRange((stdout[^1].Micros - events[2].Micros) / 1e6, -2.0, 0.5);
        Assert.Equal(3, job.ExitCode);
    }

    [Fact]
    public async Task The_exact_time_limit_ends_the_whole_process_group()
    {
        var begin = Stopwatch.GetTimestamp();
        using var job = Start(["sh", "-c", "sleep 60 & sleep 60; echo never"], TimeSpan.FromSeconds(1.5));
        await job.WaitForExitAsync();
        Assert.True(Stopwatch.GetElapsedTime(begin) < TimeSpan.FromSeconds(10));

        var events = Records(SlurmJobScript.EventsFile);
        var end = events.Single(e => e.Text.StartsWith("end ", StringComparison.Ordinal));
        Assert.EndsWith(" timeout", end.Text, StringComparison.Ordinal);
        var wall = (end.Micros - events.Single(e => e.Text == "start").Micros) / 1e6;
        Assert.InRange(wall, 1.4, 3.0);
        Assert.Empty(Records(SlurmJobScript.StdoutFile));
    }

    [Fact]
    public async Task Term_as_scancel_sends_it_kills_the_run_and_records_a_cancel()
    {
        using var job = Start(["sh", "-c", "echo started; sleep 60"], TimeSpan.FromSeconds(60));
        for (var i = 0; i < 100 && !Records(SlurmJobScript.StdoutFile).Any(); i++) await Task.Delay(100);
        using (var kill = Process.Start("kill", ["-TERM", job.Id.ToString(CultureInfo.InvariantCulture)])) await kill.WaitForExitAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        await job.WaitForExitAsync(timeout.Token);
        var end = Records(SlurmJobScript.EventsFile).Single(e => e.Text.StartsWith("end ", StringComparison.Ordinal));
        Assert.EndsWith(" cancelled", end.Text, StringComparison.Ordinal);
    }
}
