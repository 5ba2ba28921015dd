using System.Diagnostics;
using AgentGym.Core.Runs;
using AgentGym.Core.Sandboxing;
using AgentGym.Sandbox;

namespace AgentGym.IntegrationTests;

/// <summary>The Docker sandbox's limits against the real engine: memory, processes, output floods and disk.</summary>
[Collection(DockerSandboxCollection.Name)]
public sealed class DockerSandboxLimitsTests(DockerSandboxFixture fixture)
{
    private ISandbox Sandbox => fixture.Sandbox;

    [DockerFact]
    public async Task Allocating_past_the_memory_limit_is_out_of_memory()
    {
        using var folder = new RunFolder().With("oom.py", """
            blocks = []
            print("allocating", flush=True)
            while True:
                blocks.append(bytearray(16 * 1024 * 1024))
            """);
        var output = new CollectingOutput();
        var limits = new SandboxLimits { Cpus = 1, MemoryMb = 128, Pids = 64, DiskMb = 16 };
        var result = await Sandbox.RunAsync(folder.Request(["python3", "oom.py"], limits: limits), output, CancellationToken.None);
        Assert.True(result.Outcome == RunOutcome.OutOfMemory, $"{result.Outcome}: {result.Reason}\n{output.All}");
        Assert.Equal(137, result.ExitCode);
    }

    [DockerFact]
    public async Task A_fork_bomb_is_stopped_by_the_pids_limit()
    {
        using var folder = new RunFolder().With("bomb.py", """
            import os, time, signal
            children = []
            try:
                while True:
                    pid = os.fork()
                    if pid == 0:
                        time.sleep(60)
                        os._exit(0)
                    children.append(pid)
            except OSError as e:
                print("fork refused after", len(children), "children:", e, flush=True)
            for pid in children:
                os.kill(pid, signal.SIGKILL)
            """);
        var output = new CollectingOutput();
        var limits = new SandboxLimits { Cpus = 1, MemoryMb = 512, Pids = 48, DiskMb = 16 };
        var result = await Sandbox.RunAsync(folder.Request(["python3", "bomb.py"], limits: limits, timeLimit: TimeSpan.FromSeconds(60)), output, CancellationToken.None);
        Assert.True(result.Outcome == RunOutcome.Succeeded, $"{result.Outcome}: {result.Reason}\n{output.All}");
        var line = Assert.Single(output.Stdout, l => l.StartsWith("fork refused after", StringComparison.Ordinal));
        var children = int.Parse(line.Split(' ')[3], System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(children, 1, 48);
    }

    [DockerFact]
    public async Task A_shell_fork_bomb_ends_with_the_time_limit_and_the_host_survives()
    {
        using var folder = new RunFolder();
        var output = new CollectingOutput();
        var limits = new SandboxLimits { Cpus = 0.5, MemoryMb = 256, Pids = 64, DiskMb = 16 };
        var result = await Sandbox.RunAsync(folder.Request(["sh", "-c", "b() { b | b & }; b; sleep 600"], limits: limits, timeLimit: TimeSpan.FromSeconds(5), episode: "ep-shell-bomb"), output, CancellationToken.None);
        // The bomb either keeps going until the time limit, or collapses when every fork is refused and the shell's own
        // `sleep` cannot start (exit 2): either way the run ends with a verdict and not a sandbox error.
        Assert.True(result.Outcome is RunOutcome.TimedOut or RunOutcome.Failed, $"{result.Outcome}: {result.Reason}");
        Assert.Contains(output.Lines, l => l.Text.Contains("fork", StringComparison.OrdinalIgnoreCase));
        // The host can still start processes, and nothing of the run is left behind.
        using var probe = Process.Start(new ProcessStartInfo("true") { UseShellExecute = false })!;
        await probe.WaitForExitAsync();
        Assert.Equal(0, probe.ExitCode);
        // (its own episode id: other test classes run ep-test containers at the same time)
        Assert.Empty(await DockerSandboxTests.ContainersOfRunAsync("ep-shell-bomb", "run-1"));
    }

    [DockerFact]
    public async Task A_stdout_flood_keeps_flowing_with_bounded_lines_and_memory()
    {
        // 60 MB of short lines and then 8 MB without any newline.
        using var folder = new RunFolder().With("flood.py", """
            import sys
            chunk = ("x" * 99 + "\n") * 10000
            for _ in range(60):
                sys.stdout.write(chunk)
            sys.stdout.write("y" * (8 * 1024 * 1024))
            sys.stdout.flush()
            """);
        var output = new CountingOutput();
        GC.Collect();
        var before = GC.GetTotalMemory(forceFullCollection: true);
        var result = await Sandbox.RunAsync(folder.Request(["python3", "flood.py"]), output, CancellationToken.None);
        Assert.True(result.Outcome == RunOutcome.Succeeded, result.Reason);
        Assert.Equal(600_000 + 128, output.Lines);
        Assert.Equal(64 * 1024, output.LongestLine);
        // Lines were delivered while the script ran, not all at the end.
        Assert.True(output.DistinctArrivalStamps > 10, $"{output.DistinctArrivalStamps} distinct arrival times");
        // Nothing held the flood in memory: the managed heap grew by far less than the 68 MB that went through.
        Assert.True(output.PeakHeapBytes - before < 32L * 1024 * 1024, $"heap grew by {(output.PeakHeapBytes - before) / 1024 / 1024} MB");
    }

    [DockerFact]
    public async Task Writes_to_data_and_the_root_filesystem_fail_and_disk_is_limited()
    {
        using var folder = new RunFolder().With("write.py", """
            import os
            for path in ["/data/evil.txt", "/etc/evil.txt", "/usr/evil.txt"]:
                try:
                    open(path, "w").write("x")
                    print("WROTE", path)
                except OSError as e:
                    print("REFUSED", path, e.errno)
            open("/tmp/fine.txt", "w").write("tmp is writable")
            try:
                with open("/workspace/big.bin", "wb") as f:
                    for _ in range(64):
                        f.write(b"\0" * (1024 * 1024))
                print("WROTE big")
            except OSError as e:
                print("DISK FULL", e.errno)
            os.remove("/workspace/big.bin")
            """);
        File.WriteAllText(Path.Combine(folder.Data, "train_000.bin"), "data");
        var output = new CollectingOutput();
        var limits = new SandboxLimits { Cpus = 1, MemoryMb = 512, Pids = 64, DiskMb = 16 };
        var result = await Sandbox.RunAsync(folder.Request(["python3", "write.py"], limits: limits), output, CancellationToken.None);
        Assert.True(result.Outcome == RunOutcome.Succeeded, result.Reason + "\n" + output.All);
        Assert.Equal(3, output.Stdout.Count(l => l.StartsWith("REFUSED", StringComparison.Ordinal)));
        Assert.DoesNotContain(output.Stdout, l => l.StartsWith("WROTE", StringComparison.Ordinal));
        Assert.Contains("DISK FULL 28", output.Stdout);
        Assert.Equal(["train_000.bin"], Directory.GetFiles(folder.Data).Select(Path.GetFileName));
    }

    [DockerFact]
    public async Task Processes_left_behind_by_the_command_are_killed_before_outputs_are_read()
    {
        // A detached child that would write its result after the command ended (untimed work) never gets to.
        using var folder = new RunFolder();
        var output = new CollectingOutput();
        var result = await Sandbox.RunAsync(folder.Request(["sh", "-c", "setsid sh -c 'sleep 3; echo late > /outputs/late.txt' < /dev/null > /dev/null 2>&1 & echo started"],
            timeLimit: TimeSpan.FromSeconds(60), episode: "ep-leftover"), output, CancellationToken.None);
        Assert.Equal(RunOutcome.Succeeded, result.Outcome);
        Assert.Contains(output.Lines, l => l.Stream == OutputStream.Harness && l.Text.Contains("processes outlived the command", StringComparison.Ordinal));
        await Task.Delay(TimeSpan.FromSeconds(4));
        Assert.False(File.Exists(Path.Combine(folder.Outputs, "late.txt")), "the child wrote after the command ended");
        Assert.Empty(await DockerSandboxTests.ContainersOfRunAsync("ep-leftover", "run-1"));
    }

    [DockerFact]
    public async Task A_command_that_leaves_nothing_behind_gets_no_leftover_note()
    {
        using var folder = new RunFolder();
        var output = new CollectingOutput();
        var result = await Sandbox.RunAsync(folder.Request(["sh", "-c", "echo done > /outputs/done.txt"], episode: "ep-clean"), output, CancellationToken.None);
        Assert.Equal(RunOutcome.Succeeded, result.Outcome);
        Assert.DoesNotContain(output.Lines, l => l.Text.Contains("outlived", StringComparison.Ordinal));
        Assert.Equal("done\n", File.ReadAllText(Path.Combine(folder.Outputs, "done.txt")));
    }
}
