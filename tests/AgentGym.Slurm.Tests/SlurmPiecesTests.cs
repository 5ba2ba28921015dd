using System.Text;
using AgentGym.Core.Sandboxing;
using AgentGym.Eval.Spec;
using AgentGym.Sandbox;
using AgentGym.Sandbox.Slurm;

namespace AgentGym.Slurm.Tests;

/// <summary>The Slurm backend's pieces without a cluster: arguments, parsing, state mapping, options.</summary>
public sealed class SlurmPiecesTests
{
    private static SandboxRunRequest Request(SandboxLimits? limits = null, TimeSpan? timeLimit = null) => new()
    {
        RunId = "run-1",
        EpisodeId = "ep",
        WorkspaceDirectory = "/tmp/ws",
        OutputDirectory = "/tmp/out",
        DataDirectory = "/srv/data",
        Command = ["python3", "train.py", "--out", "/outputs/x"],
        Environment = new Dictionary<string, string> { ["AGENTGYM_OUTPUT_DIR"] = "/outputs", ["QUOTE"] = "it's \"$HOME\"" },
        Image = "agentgym-cpu",
        Limits = limits ?? new SandboxLimits { Cpus = 1.5, MemoryMb = 3000, Gpus = 2 },
        TimeLimit = timeLimit ?? TimeSpan.FromSeconds(150),
    };

    [Fact]
    public void Sbatch_arguments_carry_the_request_resources_and_the_options_placement()
    {
        var options = new SlurmSandboxOptions
        {
            SharedDirectory = "/shared",
            Partition = "gpu",
            Account = "lab",
            Qos = "high",
            ExtraSbatchArguments = ["--constraint=a100"],
            TimeLimitMargin = TimeSpan.FromMinutes(3),
        };
        var args = SlurmJobScript.SbatchArguments(Request(), options, "agentgym-ep-run-1-abc", "agentgym-owner=h:1", "/shared/job");
        Assert.Contains("--parsable", args);
        Assert.Contains("--cpus-per-task=2", args);       // 1.5 CPUs round up: Slurm allocates whole CPUs
        Assert.Contains("--mem=3000M", args);
        Assert.Contains("--gres=gpu:2", args);
        Assert.Contains("--time=6", args);                // 150 s + 3 min margin = 5.5 min, rounded up
        Assert.Contains("--partition=gpu", args);
        Assert.Contains("--account=lab", args);
        Assert.Contains("--qos=high", args);
        Assert.Contains("--comment=agentgym-owner=h:1", args);
        Assert.Contains("--job-name=agentgym-ep-run-1-abc", args);
        Assert.Equal("--constraint=a100", args[^2]);
        Assert.Equal("/shared/job/job.sh", args[^1]);
    }

    [Fact]
    public void No_gpus_means_no_gres_and_no_placement_flags_without_options()
    {
        var args = SlurmJobScript.SbatchArguments(Request(new SandboxLimits { Cpus = 1, MemoryMb = 512 }), new SlurmSandboxOptions { SharedDirectory = "/s" }, "n", "c", "/s/j");
        Assert.DoesNotContain(args, a => a.StartsWith("--gres", StringComparison.Ordinal) || a.StartsWith("--partition", StringComparison.Ordinal)
            || a.StartsWith("--account", StringComparison.Ordinal) || a.StartsWith("--qos", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(SlurmContainerRuntime.Docker)]
    [InlineData(SlurmContainerRuntime.Podman)]
    [InlineData(SlurmContainerRuntime.None)]
    public async Task The_wrapper_is_valid_bash_for_every_runtime(SlurmContainerRuntime runtime)
    {
        var script = SlurmJobScript.Build(Request(), new SlurmSandboxOptions { SharedDirectory = "/s", Runtime = runtime }, "/s/j", "job-x", ["agentgym-cpu:abc", "agentgym-cpu:latest"]);
        var path = Path.Combine(Path.GetTempPath(), $"agentgym-wrapper-{Guid.NewGuid():N}.sh");
        await File.WriteAllTextAsync(path, script);
        try
        {
            using var bash = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("bash", ["-n", path]) { RedirectStandardError = true })!;
            var errors = await bash.StandardError.ReadToEndAsync();
            await bash.WaitForExitAsync();
            Assert.True(bash.ExitCode == 0, errors);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void The_docker_runtime_gets_the_docker_backends_hardening()
    {
        var script = SlurmJobScript.Build(Request(), new SlurmSandboxOptions { SharedDirectory = "/s" }, "/s/j", "job-x", ["agentgym-cpu:latest"]);
        foreach (var flag in new[] { "'--network' 'none'", "'--read-only'", "'--cap-drop' 'ALL'", "'--security-opt' 'no-new-privileges'", "'--user' '65534:65534'",
            "'--memory' '3000m' '--memory-swap' '3000m'", "'--cpus' '1.5'", "'--pids-limit' '512'", "'-v' '/srv/data:/data:ro'", "'--init'" })
            Assert.Contains(flag, script, StringComparison.Ordinal);
        // Values with quotes and $ reach the container literally.
        Assert.Contains("'-e' 'QUOTE=it'\\''s \"$HOME\"'", script, StringComparison.Ordinal);
    }

    [Fact]
    public void The_bare_runtime_rewrites_container_paths_to_the_run_folder()
    {
        var script = SlurmJobScript.Build(Request(), new SlurmSandboxOptions { SharedDirectory = "/s", Runtime = SlurmContainerRuntime.None }, "/s/j", "job-x", []);
        Assert.Contains("'AGENTGYM_OUTPUT_DIR=/s/j/outputs'", script, StringComparison.Ordinal);
        Assert.Contains("setsid 'python3' 'train.py' '--out' '/s/j/outputs/x'", script, StringComparison.Ordinal);
        Assert.DoesNotContain("docker", script, StringComparison.Ordinal);
    }

    [Fact]
    public void Squeue_and_sacct_lines_are_read_by_job_id()
    {
        var state = SlurmJobState.FromSqueue("12|RUNNING|None|vm\n13|PENDING|PartitionConfig|\n", 13)!;
        Assert.Equal(("PENDING", "PartitionConfig", ""), (state.State, state.Reason, state.Nodes));
        Assert.True(state.CannotStart);
        Assert.Null(SlurmJobState.FromSqueue("12|RUNNING|None|vm\n", 99));

        var done = SlurmJobState.FromSacct("41|CANCELLED by 1000|0:15|node7\n41.batch|CANCELLED|0:15|node7\n", 41)!;
        Assert.Equal(("CANCELLED", 0, "node7"), (done.State, done.ExitCode, done.Nodes));
        Assert.True(done.IsFinished);
    }

    [Theory]
    [InlineData("TIMEOUT", false, RunOutcome.TimedOut)]
    [InlineData("OUT_OF_MEMORY", false, RunOutcome.OutOfMemory)]
    [InlineData("CANCELLED", true, RunOutcome.Cancelled)]
    [InlineData("CANCELLED", false, RunOutcome.Cancelled)]
    [InlineData("NODE_FAIL", false, RunOutcome.SandboxError)]
    [InlineData("PREEMPTED", false, RunOutcome.SandboxError)]
    [InlineData("FAILED", false, RunOutcome.SandboxError)]
    public void Slurm_states_map_onto_run_outcomes(string state, bool cancelRequested, RunOutcome expected)
    {
        var (outcome, reason) = new SlurmJobState(7, state, "", "node3", 1).Outcome(cancelRequested);
        Assert.Equal(expected, outcome);
        Assert.Contains("7", reason, StringComparison.Ordinal);
        if (state == "NODE_FAIL") Assert.Contains("node failure", reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Pending_for_resources_is_worth_waiting_for_but_not_for_a_partition_that_cannot_hold_the_job()
    {
        Assert.False(new SlurmJobState(1, "PENDING", "Resources", "", null).CannotStart);
        Assert.False(new SlurmJobState(1, "PENDING", "Priority", "", null).CannotStart);
        Assert.True(new SlurmJobState(1, "PENDING", "BadConstraints", "", null).CannotStart);
        Assert.False(new SlurmJobState(1, "RUNNING", "PartitionConfig", "", null).CannotStart);
    }

    [Fact]
    public void Sbatch_parsable_output_gives_the_job_id_with_or_without_a_cluster()
    {
        Assert.Equal(123L, SlurmCommands.ParseJobId("123\n"));
        Assert.Equal(456L, SlurmCommands.ParseJobId("456;cluster-a\n"));
        Assert.Null(SlurmCommands.ParseJobId("sbatch: error\n"));
    }

    [Fact]
    public void Leftovers_are_jobs_of_dead_owners_on_this_host_only()
    {
        const string listing = "1|agentgym-a|agentgym-owner=h1:100\n2|agentgym-b|agentgym-owner=h1:200\n3|agentgym-c|agentgym-owner=h2:100\n"
            + "4|other-job|agentgym-owner=h1:100\n5|agentgym-d|some|comment|with pipes\n";
        var ids = SlurmLeftovers.Find(listing, "agentgym", "h1", pid => pid == 200);
        Assert.Equal([1L], ids);
    }

    [Fact]
    public void Stamped_records_wait_for_their_newline_and_keep_microseconds()
    {
        var path = Path.Combine(Path.GetTempPath(), $"agentgym-stamped-{Guid.NewGuid():N}");
        try
        {
            var file = new StampedFile(path);
            Assert.Empty(file.ReadNew());
            File.WriteAllText(path, "1796083863.123456 first line\n1796083864.000001 sec");
            var first = file.ReadNew();
            Assert.Equal(1796083863_123456L, Assert.Single(first).EpochMicros);
            Assert.Equal("first line", Encoding.UTF8.GetString(first[0].Text.Span));
            File.AppendAllText(path, "ond\n1796083865.5 tail without newline");
            var second = file.ReadNew();
            Assert.Equal("second", Encoding.UTF8.GetString(Assert.Single(second).Text.Span));
            Assert.Equal(1796083864_000001L, second[0].EpochMicros);
            var last = Assert.Single(file.ReadNew(final: true));
            Assert.Equal(1796083865_500000L, last.EpochMicros);
            Assert.Equal("tail without newline", Encoding.UTF8.GetString(last.Text.Span));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Theory]
    [InlineData("12.5", 12_500_000L)]
    [InlineData("12", 12_000_000L)]
    [InlineData("1796083863.123456789", 1796083863_123456L)]
    public void Epoch_stamps_parse_without_float_rounding(string text, long micros)
    {
        Assert.True(StampedFile.TryParseEpochMicros(text, out var parsed));
        Assert.Equal(micros, parsed);
    }

    [Fact]
    public void Options_from_the_environment_name_the_bad_variable()
    {
        var env = new Dictionary<string, string> { ["AGENTGYM_SLURM_PARTITION"] = "cpu", ["AGENTGYM_SLURM_RUNTIME"] = "podman", ["AGENTGYM_SLURM_SBATCH_ARGS"] = "--constraint=x  --exclusive" };
        var options = SlurmSandboxOptions.FromEnvironment("/default", k => env.GetValueOrDefault(k));
        Assert.Equal(("cpu", SlurmContainerRuntime.Podman, "/default"), (options.Partition, options.Runtime, options.SharedDirectory));
        Assert.Equal(["--constraint=x", "--exclusive"], options.ExtraSbatchArguments);

        env["AGENTGYM_SLURM_RUNTIME"] = "singularity";
        var error = Assert.Throws<ArgumentException>(() => SlurmSandboxOptions.FromEnvironment("/d", k => env.GetValueOrDefault(k)));
        Assert.Contains("AGENTGYM_SLURM_RUNTIME", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_eval_spec_names_its_sandbox_and_an_unknown_one_is_refused_by_field()
    {
        const string head = """{ "tasks": ["t"], "agents": [ { "kind": "noop" } ], "seeds": [1], """;
        Assert.Equal("slurm", ExperimentSpecs.Parse(head + """ "sandbox": "slurm" }""", "/").Sandbox);
        Assert.Null(ExperimentSpecs.Parse(head + """ "name": "x" }""", "/").Sandbox);
        var error = Assert.Throws<ExperimentSpecException>(() => ExperimentSpecs.Parse(head + """ "sandbox": "kubernetes" }""", "/"));
        Assert.Equal("sandbox", error.Field);
    }
}
