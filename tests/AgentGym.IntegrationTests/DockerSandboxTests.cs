using System.Diagnostics;
using AgentGym.Core.Runs;
using AgentGym.Core.Sandboxing;
using AgentGym.Sandbox;
using Docker.DotNet;
using Docker.DotNet.Models;

namespace AgentGym.IntegrationTests;

/// <summary>The Docker sandbox against the real engine and the real agentgym-cpu image.</summary>
[Collection(DockerSandboxCollection.Name)]
public sealed class DockerSandboxTests(DockerSandboxFixture fixture)
{
    private ISandbox Sandbox => fixture.Sandbox;

    internal static Dictionary<string, string> TrainingEnv() => new()
    {
        ["AGENTGYM_TRAIN_FILES"] = "/data/train_*.bin",
        ["AGENTGYM_VAL_FILES"] = "/data/val_*.bin",
        ["AGENTGYM_OUTPUT_DIR"] = "/outputs",
        ["PYTHONUNBUFFERED"] = "1",
    };

    [DockerFact]
    public async Task Tiny_model_trains_and_parsed_metrics_match_the_log()
    {
        using var folder = new RunFolder().With("train.py", Scripts.TinyTraining);
        Scripts.WriteShard(Path.Combine(folder.Data, "train_000.bin"), Scripts.Corpus(200));
        Scripts.WriteShard(Path.Combine(folder.Data, "val_000.bin"), Scripts.Corpus(20));
        var output = new CollectingOutput();
        var request = folder.Request(["python3", "train.py"], limits: new SandboxLimits { Cpus = 2, MemoryMb = 2048, Pids = 128, DiskMb = 64 }, env: TrainingEnv());

        var result = await Sandbox.RunAsync(request, output, CancellationToken.None);

        Assert.True(result.Outcome == RunOutcome.Succeeded, result.Reason + "\n" + output.All);
        var metricLines = output.Stdout.Where(l => l.StartsWith("step:", StringComparison.Ordinal)).ToList();
        var events = metricLines.Select(l => SpeedrunLogParser.TryParse(l, 0)).ToList();
        Assert.Equal(33, events.Count);
        Assert.All(events, e => Assert.NotNull(e));
        for (var i = 0; i < metricLines.Count; i++)
        {
            // Compare against the line's own fields, read here independently of the parser.
            var fields = metricLines[i].Split(' ').Select(f => f.Split(':')).ToDictionary(f => f[0], f => f[1]);
            var e = events[i]!;
            Assert.Equal(fields["step"], $"{e.Step}/{e.TotalSteps}");
            Assert.Equal(double.Parse(fields["train_time"].TrimEnd('m', 's'), System.Globalization.CultureInfo.InvariantCulture), e.TrainTimeMs);
            if (fields.TryGetValue("val_loss", out var vl)) Assert.Equal(double.Parse(vl, System.Globalization.CultureInfo.InvariantCulture), e.ValLoss);
            if (fields.TryGetValue("train_loss", out var tl)) Assert.Equal(double.Parse(tl, System.Globalization.CultureInfo.InvariantCulture), e.TrainLoss);
        }
        var vals = events.Where(e => e!.ValLoss is not null).ToList();
        Assert.Equal([10, 20, 30], vals.Select(v => v!.Step));
        Assert.True(vals[^1]!.ValLoss < events[0]!.TrainLoss, "the model should have learned something");
        // Every line was stamped on arrival with a monotonic host clock.
        var stamps = output.Lines.Where(l => l.Stream == OutputStream.Stdout).Select(l => l.HostTimestamp).ToList();
        Assert.Equal(stamps.Order(), stamps);
        Assert.True(result.StartTimestamp <= stamps[0] && stamps[^1] <= result.EndTimestamp);
        Assert.True(new FileInfo(Path.Combine(folder.Outputs, "model.pt")).Length > 1000);
    }

    [DockerFact]
    public async Task A_run_past_its_time_limit_is_killed_and_reported_as_timed_out()
    {
        using var folder = new RunFolder().With("sleep.py", """
            import subprocess, time
            open("/outputs/partial.txt", "w").write("checkpoint")
            subprocess.Popen(["sleep", "600"])  # a child that must die with the run
            print("started", flush=True)
            time.sleep(600)
            """);
        var output = new CollectingOutput();
        var result = await Sandbox.RunAsync(folder.Request(["python3", "sleep.py"], timeLimit: TimeSpan.FromSeconds(3)), output, CancellationToken.None);
        Assert.True(result.Outcome == RunOutcome.TimedOut, $"{result.Outcome}: {result.Reason}\n{output.All}");
        // Only the run's processes were killed, so what it had written to /outputs still came back.
        Assert.Equal("checkpoint", File.ReadAllText(Path.Combine(folder.Outputs, "partial.txt")));
        Assert.Contains("started", output.Stdout);
        Assert.Contains(output.Lines, l => l.Stream == OutputStream.Harness && l.Text.Contains("time limit", StringComparison.Ordinal));
        Assert.True(result.WallTime >= TimeSpan.FromSeconds(3));
    }

    [DockerFact]
    public async Task Network_connections_fail()
    {
        using var folder = new RunFolder().With("net.py", """
            import socket, sys
            try:
                socket.create_connection(("1.1.1.1", 53), timeout=3)
                print("CONNECTED")
            except OSError as e:
                print("BLOCKED", e)
            try:
                socket.getaddrinfo("deb.debian.org", 80)
                print("RESOLVED")
            except OSError as e:
                print("NO-DNS", e)
            import os
            print("interfaces", sorted(os.listdir("/sys/class/net")))
            """);
        var output = new CollectingOutput();
        var result = await Sandbox.RunAsync(folder.Request(["python3", "net.py"]), output, CancellationToken.None);
        Assert.Equal(RunOutcome.Succeeded, result.Outcome);
        Assert.Contains(output.Stdout, l => l.StartsWith("BLOCKED", StringComparison.Ordinal));
        Assert.Contains(output.Stdout, l => l.StartsWith("NO-DNS", StringComparison.Ordinal));
        Assert.Contains("interfaces ['lo']", output.Stdout);
    }

    [DockerFact]
    public async Task Cancellation_stops_a_run_and_removes_its_container()
    {
        using var folder = new RunFolder().With("sleep.py", "import time\nprint('started', flush=True)\ntime.sleep(600)\n");
        var output = new StartedSignal("started");
        using var cts = new CancellationTokenSource();
        var run = Sandbox.RunAsync(folder.Request(["python3", "sleep.py"], episode: "ep-cancel", run: "run-7"), output, cts.Token);
        await output.Started.Task.WaitAsync(TimeSpan.FromMinutes(2));
        Assert.NotEmpty(await ContainersOfRunAsync("ep-cancel", "run-7"));
        await cts.CancelAsync();
        var result = await run;
        Assert.Equal(RunOutcome.Cancelled, result.Outcome);
        Assert.Empty(await ContainersOfRunAsync("ep-cancel", "run-7"));
    }

    [DockerFact]
    public async Task Two_episodes_run_at_once_and_stay_apart()
    {
        const string script = """
            import os, sys, time
            me = open("whoami.txt").read().strip()
            open(f"/outputs/{me}.txt", "w").write(me)
            time.sleep(1)
            print("workspace", sorted(os.listdir("/workspace")))
            print("outputs", sorted(os.listdir("/outputs")))
            print("env", os.environ.get("WHO"))
            """;
        using var a = new RunFolder().With("run.py", script).With("whoami.txt", "alpha").With("only-alpha.txt", "a");
        using var b = new RunFolder().With("run.py", script).With("whoami.txt", "beta");
        var outA = new CollectingOutput();
        var outB = new CollectingOutput();
        var runA = Sandbox.RunAsync(a.Request(["python3", "run.py"], episode: "ep-a", env: new Dictionary<string, string> { ["WHO"] = "alpha" }), outA, CancellationToken.None);
        var runB = Sandbox.RunAsync(b.Request(["python3", "run.py"], episode: "ep-b", env: new Dictionary<string, string> { ["WHO"] = "beta" }), outB, CancellationToken.None);
        var results = await Task.WhenAll(runA, runB);
        Assert.All(results, r => Assert.Equal(RunOutcome.Succeeded, r.Outcome));
        Assert.Contains("workspace ['only-alpha.txt', 'run.py', 'whoami.txt']", outA.Stdout);
        Assert.Contains("workspace ['run.py', 'whoami.txt']", outB.Stdout);
        Assert.Contains("outputs ['alpha.txt']", outA.Stdout);
        Assert.Contains("outputs ['beta.txt']", outB.Stdout);
        Assert.Contains("env alpha", outA.Stdout);
        Assert.Contains("env beta", outB.Stdout);
        Assert.Equal(["alpha.txt"], Directory.GetFiles(a.Outputs).Select(Path.GetFileName));
        Assert.Equal(["beta.txt"], Directory.GetFiles(b.Outputs).Select(Path.GetFileName));
    }

    [DockerFact]
    public async Task Only_the_request_environment_is_visible_and_the_user_is_unprivileged()
    {
        System.Environment.SetEnvironmentVariable("AGENTGYM_TEST_SECRET", "do-not-leak");
        using var folder = new RunFolder().With("env.py", """
            import os
            print("secret", os.environ.get("AGENTGYM_TEST_SECRET"))
            print("mine", os.environ.get("MINE"))
            print("ids", os.getuid(), os.getgid())
            print("caps", [l.split()[1] for l in open("/proc/self/status") if l.startswith("CapEff")][0])
            print("nnp", [l.split()[1] for l in open("/proc/self/status") if l.startswith("NoNewPrivs")][0])
            """);
        var output = new CollectingOutput();
        var result = await Sandbox.RunAsync(folder.Request(["python3", "env.py"], env: new Dictionary<string, string> { ["MINE"] = "yes" }), output, CancellationToken.None);
        Assert.Equal(RunOutcome.Succeeded, result.Outcome);
        Assert.Contains("secret None", output.Stdout);
        Assert.Contains("mine yes", output.Stdout);
        Assert.Contains("ids 65534 65534", output.Stdout);
        Assert.Contains("caps 0000000000000000", output.Stdout);
        Assert.Contains("nnp 1", output.Stdout);
    }

    [DockerFact]
    public async Task Failures_report_exit_codes()
    {
        using var folder = new RunFolder().With("fail.py", "import sys\nprint('about to fail')\nsys.exit(3)\n");
        var result = await Sandbox.RunAsync(folder.Request(["python3", "fail.py"]), new CollectingOutput(), CancellationToken.None);
        Assert.Equal(RunOutcome.Failed, result.Outcome);
        Assert.Equal(3, result.ExitCode);

        var missing = await Sandbox.RunAsync(folder.Request(["no-such-program"]), new CollectingOutput(), CancellationToken.None);
        Assert.Equal(RunOutcome.Failed, missing.Outcome);
        Assert.True(missing.ExitCode is 126 or 127, $"{missing.ExitCode}: {missing.Reason}");
    }

    [DockerFact]
    public async Task Only_plain_files_come_back_from_outputs_and_workspace()
    {
        using var folder = new RunFolder().With("plant.py", """
            import os
            open("/outputs/model.txt", "w").write("weights")
            os.makedirs("/outputs/sub", exist_ok=True)
            open("/outputs/sub/nested.txt", "w").write("nested")
            os.symlink("/etc/passwd", "/outputs/passwd-link")
            os.link("/outputs/model.txt", "/outputs/hard-link")
            os.mkfifo("/outputs/fifo")
            open("/workspace/new-file.py", "w").write("print(1)")
            os.symlink("/etc/shadow", "/workspace/shadow-link")
            """);
        var output = new CollectingOutput();
        var result = await Sandbox.RunAsync(folder.Request(["python3", "plant.py"], copyWorkspaceBack: true), output, CancellationToken.None);
        Assert.True(result.Outcome == RunOutcome.Succeeded, result.Reason + "\n" + output.All);
        Assert.Equal("weights", File.ReadAllText(Path.Combine(folder.Outputs, "model.txt")));
        Assert.Equal("nested", File.ReadAllText(Path.Combine(folder.Outputs, "sub", "nested.txt")));
        Assert.False(File.Exists(Path.Combine(folder.Outputs, "passwd-link")) || new FileInfo(Path.Combine(folder.Outputs, "passwd-link")).LinkTarget is not null);
        Assert.False(Path.Exists(Path.Combine(folder.Outputs, "fifo")));
        var hard = new FileInfo(Path.Combine(folder.Outputs, "hard-link"));
        Assert.True(!hard.Exists || hard.LinkTarget is null);
        Assert.Equal("print(1)", File.ReadAllText(Path.Combine(folder.WorkspaceBack, "new-file.py")));
        Assert.True(File.Exists(Path.Combine(folder.WorkspaceBack, "plant.py")));
        Assert.False(Path.Exists(Path.Combine(folder.WorkspaceBack, "shadow-link")));
        Assert.Contains(output.Lines, l => l.Stream == OutputStream.Harness && l.Text.Contains("passwd-link", StringComparison.Ordinal));
    }

    [DockerFact]
    public async Task A_missing_image_is_a_sandbox_error_that_says_how_to_build_it()
    {
        using var folder = new RunFolder().With("x.py", "print(1)");
        var request = folder.Request(["python3", "x.py"]) with { Image = "agentgym-nosuchrecipe" };
        var result = await Sandbox.RunAsync(request, new CollectingOutput(), CancellationToken.None);
        Assert.Equal(RunOutcome.SandboxError, result.Outcome);
        Assert.Contains("agentgym sandbox build nosuchrecipe", result.Reason, StringComparison.Ordinal);
    }

    [DockerFact]
    public async Task Leftover_containers_of_dead_processes_are_removed_on_first_use()
    {
        const string prefix = "agentgymsweeptest";
        using var client = new DockerClientBuilder().WithEndpoint(new Uri("unix:///var/run/docker.sock")).Build();
        var deadPid = Enumerable.Range(3_000_000, 1000).First(p => !Directory.Exists($"/proc/{p}"));
        var created = await client.Containers.CreateContainerAsync(new CreateContainerParameters
        {
            Image = "agentgym-cpu:latest",
            Cmd = ["sleep", "1"],
            Labels = new Dictionary<string, string> { [prefix] = "1", [prefix + ".owner-pid"] = deadPid.ToString(System.Globalization.CultureInfo.InvariantCulture), [prefix + ".owner-host"] = System.Environment.MachineName },
        });
        var alive = await client.Containers.CreateContainerAsync(new CreateContainerParameters
        {
            Image = "agentgym-cpu:latest",
            Cmd = ["sleep", "1"],
            Labels = new Dictionary<string, string> { [prefix] = "1", [prefix + ".owner-pid"] = System.Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture), [prefix + ".owner-host"] = System.Environment.MachineName },
        });
        try
        {
            using var sandbox = (IDisposable)Sandboxes.CreateDocker(new DockerSandboxOptions { LabelPrefix = prefix });
            using var folder = new RunFolder().With("x.py", "print(1)");
            var result = await ((ISandbox)sandbox).RunAsync(folder.Request(["python3", "x.py"]), new CollectingOutput(), CancellationToken.None);
            Assert.Equal(RunOutcome.Succeeded, result.Outcome);
            var left = await client.Containers.ListContainersAsync(new ContainersListParameters
            {
                All = true,
                Filters = new Dictionary<string, IDictionary<string, bool>> { ["label"] = new Dictionary<string, bool> { [prefix + "=1"] = true } },
            });
            Assert.DoesNotContain(left, c => c.ID == created.ID);
            Assert.Contains(left, c => c.ID == alive.ID);
        }
        finally
        {
            await client.Containers.RemoveContainerAsync(alive.ID, new ContainerRemoveParameters { Force = true });
            try { await client.Containers.RemoveContainerAsync(created.ID, new ContainerRemoveParameters { Force = true }); }
            catch (DockerContainerNotFoundException) { }
        }
    }

    [DockerFact]
    public async Task Docker_and_local_backends_give_the_same_parsed_metrics()
    {
        using var folder = new RunFolder().With("metrics.py", Scripts.FixedMetrics);
        var docker = new CollectingOutput();
        var local = new CollectingOutput();
        var dockerResult = await Sandbox.RunAsync(folder.Request(["python3", "metrics.py"]), docker, CancellationToken.None);
        using var localFolder = new RunFolder().With("metrics.py", Scripts.FixedMetrics);
        var localResult = await Sandboxes.CreateLocal().RunAsync(localFolder.Request(["python3", "/workspace/metrics.py"]), local, CancellationToken.None);
        Assert.Equal(RunOutcome.Succeeded, dockerResult.Outcome);
        Assert.True(localResult.Outcome == RunOutcome.Succeeded, localResult.Reason + "\n" + local.All);
        static List<MetricEvent> Parse(CollectingOutput o) => o.Stdout.Select(l => SpeedrunLogParser.TryParse(l, 0)).OfType<MetricEvent>().ToList();
        var fromDocker = Parse(docker);
        Assert.Equal(24, fromDocker.Count);
        Assert.Equal(fromDocker, Parse(local));
        Assert.Equal("done", File.ReadAllText(Path.Combine(folder.Outputs, "done.txt")));
        Assert.Equal("done", File.ReadAllText(Path.Combine(localFolder.Outputs, "done.txt")));
    }

    internal static async Task<IList<ContainerListResponse>> ContainersOfRunAsync(string episode, string run, string? alsoEpisode = null)
    {
        using var client = new DockerClientBuilder().WithEndpoint(new Uri("unix:///var/run/docker.sock")).Build();
        var all = await client.Containers.ListContainersAsync(new ContainersListParameters
        {
            All = true,
            Filters = new Dictionary<string, IDictionary<string, bool>> { ["label"] = new Dictionary<string, bool> { ["agentgym.run=" + run] = true } },
        });
        return all.Where(c => c.Labels.TryGetValue("agentgym.episode", out var e) && (e == episode || e == alsoEpisode)
            && c.Labels.TryGetValue("agentgym.owner-pid", out var pid) && pid == System.Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToList();
    }
}
