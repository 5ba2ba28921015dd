using AgentGym.Core.Gym;

namespace AgentGym.Core.Tests;

public sealed class RunToolTests
{
    private static readonly string[] TrainingLog =
    [
        "loading data",
        "step:1/3 train_loss:4.0000 train_time:100ms step_avg:100.00ms",
        "step:2/3 train_loss:3.0000 train_time:200ms step_avg:100.00ms",
        "step:3/3 train_loss:2.5000 train_time:300ms step_avg:100.00ms",
        "step:3/3 val_loss:1.9000 train_time:300ms step_avg:100.00ms",
        "done",
    ];

    [Fact]
    public async Task A_run_starts_at_once_and_its_metrics_match_its_log()
    {
        await using var world = new TestWorld();
        var sandbox = new FakeSandbox(TrainingLog);
        await using var env = await world.ResetAsync(sandbox);
        var start = await env.StepAsync("run_training");
        Assert.False(start.Observation.IsError, start.Observation.Text);
        var runId = start.Info["run_id"]!.GetValue<string>();
        Assert.Equal("run-1", runId);

        var status = await env.StepAsync("run_status", new { run_id = runId, wait_seconds = 30 });
        Assert.Contains("run-1: Succeeded", status.Observation.Text);
        Assert.Contains("val_loss 1.9000 (step 3)", status.Observation.Text);
        Assert.Equal(1.9, status.Info["last_val_loss"]!.GetValue<double>());
        // the typed view reads the same figures the JSON carries
        Assert.Equal(new StepInfo("run-1", "succeeded", 1.9, 300, status.Facts.Reason, null, false), status.Facts);
        Assert.Equal("run-1", start.Facts.RunId);

        var metrics = await env.StepAsync("get_metrics", new { run_id = runId });
        Assert.Contains("Target reached at step 3, train_time 300 ms", metrics.Observation.Text);
        Assert.Equal(4, metrics.Info["curve"]!.AsArray().Count);

        var request = Assert.Single(sandbox.Requests);
        Assert.Equal("/data/train_*.bin", request.Environment["AGENTGYM_TRAIN_FILES"]);
        Assert.Equal(request.Environment["AGENTGYM_VAL_FILES"], request.Environment["NANOGPT_VAL_FILES"]);
        Assert.Equal("1000", request.Environment["AGENTGYM_VAL_TOKENS"]);
        Assert.Equal("/outputs", request.Environment["AGENTGYM_OUTPUT_DIR"]);
        Assert.Equal(["python3", "train_gpt.py"], request.Command);
        Assert.Equal(512, request.Limits.MemoryMb);

        var runDir = Path.Combine(env.Episode!.Directory, "runs", "run-1");
        Assert.Equal(4, File.ReadAllLines(Path.Combine(runDir, "metrics.jsonl")).Length);
        Assert.Contains("step:3/3 val_loss:1.9000", File.ReadAllText(Path.Combine(runDir, "log.txt")));
        Assert.True(File.Exists(Path.Combine(runDir, "outputs", "model.pt")));
        Assert.Contains("\"state\": \"succeeded\"", File.ReadAllText(Path.Combine(runDir, "run.json")));
    }

    [Fact]
    public async Task The_run_snapshot_is_taken_at_start()
    {
        await using var world = new TestWorld();
        await using var env = await world.ResetAsync(new FakeSandbox(TrainingLog));
        await env.StepAsync("edit_file", new { path = "train_gpt.py", old_str = "lr = 1e-3", new_str = "lr = 2e-3" });
        await env.StepAsync("run_training");
        await env.StepAsync("edit_file", new { path = "train_gpt.py", old_str = "lr = 2e-3", new_str = "lr = 9e-3" });
        var snapshot = File.ReadAllText(Path.Combine(env.Episode!.Directory, "runs", "run-1", "workspace", "train_gpt.py"));
        Assert.Contains("lr = 2e-3", snapshot);
    }

    [Fact]
    public async Task Inspect_logs_tails_greps_and_pages_honestly()
    {
        await using var world = new TestWorld();
        var lines = Enumerable.Range(1, 1000).Select(i => $"line {i}").ToArray();
        await using var env = await world.ResetAsync(new FakeSandbox(lines));
        await env.StepAsync("run_training");
        await env.StepAsync("run_status", new { run_id = "run-1", wait_seconds = 30 });

        var tail = (await env.StepAsync("inspect_logs", new { run_id = "run-1", tail = 3 })).Observation.Text;
        Assert.Contains("   999\tline 999", tail);
        Assert.Contains("  1000\tline 1000", tail);
        Assert.DoesNotContain("line 997\n", tail);

        var grep = (await env.StepAsync("inspect_logs", new { run_id = "run-1", grep = "^line 77\\d$" })).Observation.Text;
        Assert.Contains("10 selected", grep);
        Assert.Contains("line 775", grep);

        var range = (await env.StepAsync("inspect_logs", new { run_id = "run-1", start_line = 1, end_line = 1000 })).Observation.Text;
        Assert.Contains("Output cut after 200 lines", range);
        Assert.Contains("Continue with start_line=201", range);

        var defaultView = (await env.StepAsync("inspect_logs", new { run_id = "run-1" })).Observation.Text;
        Assert.Contains("Showing the last 200 of 1001 selected lines", defaultView);

        var badRegex = await env.StepAsync("inspect_logs", new { run_id = "run-1", grep = "(" });
        Assert.True(badRegex.Observation.IsError);
        var unknown = await env.StepAsync("inspect_logs", new { run_id = "run-9" });
        Assert.Contains("Runs in this episode: run-1", unknown.Observation.Text);
    }

    [Fact]
    public async Task The_log_cap_is_stated_and_metrics_are_still_parsed()
    {
        await using var world = new TestWorld();
        var flood = Enumerable.Range(1, 20_000).Select(i => i == 19_999 ? "step:9/9 val_loss:1.5000 train_time:900ms step_avg:100.00ms" : new string('x', 100)).ToArray();
        var options = new GymOptions
        {
            Tasks = Tasks.TaskCatalog.Load(world.TasksDirectory),
            EpisodesDirectory = world.EpisodesDirectory,
            Sandbox = new FakeSandbox(flood),
            RunOptions = new Runs.RunOptions { MaxLogBytes = 100_000 },
        };
        await using var env = GymEnvironment.Create(options);
        await env.ResetAsync(new ResetOptions { TaskId = TestWorld.TaskId });
        await env.StepAsync("run_training");
        var status = await env.StepAsync("run_status", new { run_id = "run-1", wait_seconds = 30 });
        Assert.Contains("dropped after the log cap", status.Observation.Text);
        Assert.Contains("val_loss 1.5000", status.Observation.Text);
        var logs = (await env.StepAsync("inspect_logs", new { run_id = "run-1", grep = "agentgym" })).Observation.Text;
        Assert.Contains("log cap of 100,000 bytes reached", logs);
        Assert.Contains("The run hit the log cap", logs);
        Assert.True(new FileInfo(Path.Combine(env.Episode!.Directory, "runs", "run-1", "log.txt")).Length < 120_000);
    }

    [Fact]
    public async Task Cancel_run_stops_a_running_run()
    {
        await using var world = new TestWorld();
        await using var env = await world.ResetAsync(new FakeSandbox(["started"], hang: true));
        await env.StepAsync("run_training");
        var running = await env.StepAsync("run_status", new { run_id = "run-1" });
        Assert.Contains("Running", running.Observation.Text);
        var cancel = await env.StepAsync("cancel_run", new { run_id = "run-1" });
        Assert.Contains("stopped: Cancelled", cancel.Observation.Text);
    }

    [Fact]
    public async Task Without_a_sandbox_run_training_says_so()
    {
        await using var world = new TestWorld();
        await using var env = await world.ResetAsync();
        var result = await env.StepAsync("run_training");
        Assert.True(result.Observation.IsError);
        Assert.Contains("No sandbox is configured", result.Observation.Text);
        Assert.False(result.Truncated);
    }

    [Fact]
    public async Task The_training_run_budget_truncates_the_episode()
    {
        await using var world = new TestWorld();
        await using var env = await world.ResetAsync(new FakeSandbox(TrainingLog), budgets: new EpisodeBudgets { MaxTrainingRuns = 1 });
        Assert.False((await env.StepAsync("run_training")).Truncated);
        var second = await env.StepAsync("run_training");
        Assert.True(second.Truncated);
        Assert.Contains("budget of 1 training runs", second.Observation.Text);
        Assert.Equal("training runs", second.Facts.TruncatedBy);
        Assert.Equal("training runs", second.Info["truncated_by"]!.GetValue<string>());
    }

    [Fact]
    public async Task Submit_without_a_verifier_ends_the_episode_with_zero_reward_and_says_why()
    {
        await using var world = new TestWorld();
        await using var env = await world.ResetAsync();
        var result = await env.StepAsync("submit");
        Assert.True(result.Terminated);
        Assert.Equal(0, result.Reward);
        Assert.Equal("unverified", result.Info["verdict"]!.GetValue<string>());
    }

    [Fact]
    public async Task Submit_passes_the_chosen_run_snapshot_to_the_scorer_and_returns_its_reward()
    {
        await using var world = new TestWorld();
        var scorer = new RecordingScorer();
        await using var env = await world.ResetAsync(new FakeSandbox(TrainingLog), scorer: scorer);
        await env.StepAsync("run_training");
        await env.StepAsync("run_status", new { run_id = "run-1", wait_seconds = 30 });
        var result = await env.StepAsync("submit", new { run_id = "run-1" });
        Assert.True(result.Terminated);
        Assert.Equal(0.75, result.Reward);
        Assert.EndsWith(Path.Combine("runs", "run-1", "workspace"), scorer.Received!.CodeDirectory);
        Assert.Equal("passed", result.Info["verdict"]!.GetValue<string>());
    }

    private sealed class RecordingScorer : ISubmissionScorer
    {
        public Submission? Received { get; private set; }

        public Task<SubmissionVerdict> ScoreAsync(Submission submission, CancellationToken cancellationToken)
        {
            Received = submission;
            return Task.FromResult(new SubmissionVerdict(0.75, true, "All checks passed.", TestVerdicts.Passed(0.75)));
        }
    }
}

public sealed class RunWatchTests
{
    [Fact]
    public async Task Watching_a_run_yields_log_lines_metrics_and_the_end_in_order()
    {
        await using var world = new TestWorld();
        var gate = new TaskCompletionSource();
        await using var env = await world.ResetAsync(new GatedSandbox(gate.Task));
        await env.StepAsync("run_training");
        var events = new List<Runs.RunEvent>();
        var watching = Task.Run(async () =>
        {
            await foreach (var e in env.WatchRunAsync("run-1")) events.Add(e);
        });
        await Task.Delay(200);
        Assert.False(watching.IsCompleted);
        gate.SetResult();
        await watching.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(["log", "log", "metric", "log", "end"], events.Select(e => e.Kind));
        Assert.Equal("first line", events[0].Text);
        Assert.Equal(2.5, events[2].Metric!.ValLoss);
        Assert.Equal("succeeded", events[^1].State);
        Assert.Equal(Enumerable.Range(0, events.Count).Select(i => (long)i), events.Select(e => e.Sequence));
        await Assert.ThrowsAsync<KeyNotFoundException>(async () => { await foreach (var _ in env.WatchRunAsync("run-7")) { } });
    }

    /// <summary>Prints one line, waits for the test, then a metric line: lets the test see live delivery.</summary>
    private sealed class GatedSandbox(Task gate) : Sandboxing.ISandbox
    {
        public string Name => "gated";

        public async Task<Sandboxing.SandboxRunResult> RunAsync(Sandboxing.SandboxRunRequest request, Sandboxing.ISandboxOutput output, CancellationToken cancellationToken)
        {
            var t0 = TimeProvider.System.GetTimestamp();
            output.OnLine(new Sandboxing.SandboxLine(Sandboxing.OutputStream.Stdout, "first line", TimeProvider.System.GetTimestamp()));
            await gate.WaitAsync(cancellationToken);
            output.OnLine(new Sandboxing.SandboxLine(Sandboxing.OutputStream.Stdout, "step:5/5 val_loss:2.5000 train_time:50ms step_avg:10.00ms", TimeProvider.System.GetTimestamp()));
            var t1 = TimeProvider.System.GetTimestamp();
            return new Sandboxing.SandboxRunResult(Sandboxing.RunOutcome.Succeeded, 0, "exited normally", TimeProvider.System.GetElapsedTime(t0, t1), t0, t1);
        }
    }
}
