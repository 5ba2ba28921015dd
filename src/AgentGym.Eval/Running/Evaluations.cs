using System.Text.Json.Nodes;
using AgentGym.Agents;
using AgentGym.Agents.Llm;
using AgentGym.Agents.Review;
using AgentGym.Core.Gym;
using AgentGym.Core.Review;
using AgentGym.Core.Sandboxing;
using AgentGym.Core.Scoring;
using AgentGym.Core.Tasks;
using AgentGym.Core.Tools;
using AgentGym.Eval.Progress;
using AgentGym.Eval.Results;
using AgentGym.Eval.Scheduling;
using AgentGym.Eval.Spec;

namespace AgentGym.Eval.Running;

/// <summary>How an experiment is run. Spec, tasks and results file are required.</summary>
public sealed record EvalOptions
{
    public required ExperimentSpec Spec { get; init; }
    public required TaskCatalog Tasks { get; init; }

    /// <summary>The SQLite results file; created when missing, resumed when present.</summary>
    public required string ResultsPath { get; init; }

    /// <summary>Where episode folders go; null: beside the results file, in &lt;name&gt;.episodes/.</summary>
    public string? EpisodesDirectory { get; init; }

    public string? DataDirectory { get; init; }

    /// <summary>Runs training (shared by all cells); null: no runs, no verification (every FSR is null).</summary>
    public ISandbox? Sandbox { get; init; }

    /// <summary>The verifier image when the spec names none.</summary>
    public string VerifierImage { get; init; } = "agentgym-verifier:latest";

    public EvalProgressStyle Progress { get; init; } = EvalProgressStyle.Lines;
    public TextWriter? Output { get; init; }
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>Builds a cell's agent; null: <see cref="GymAgents.Create(string, AgentSettings, TaskCatalog?)"/>.</summary>
    public Func<CellSpec, IEpisodeAgent>? AgentFactory { get; init; }

    /// <summary>
    /// A host program's own chat client per cell (an IChatCompletionService or IChatClient, wrapped with
    /// <see cref="AgentChatClient.From(Microsoft.Extensions.AI.IChatClient, string?)"/>): the cell's agent is built by
    /// name from its settings but talks to this client. Null, or null for a cell: the gym's client from the settings.
    /// </summary>
    public Func<CellSpec, AgentChatClient?>? ChatClientFactory { get; init; }
}

/// <param name="AlreadyDone">Cells finished by earlier runs of the same experiment into the same file.</param>
/// <param name="Pending">Cells not run (cancelled before they started or finished).</param>
public sealed record EvalSummary(int Cells, int AlreadyDone, int Done, int Failed, int Pending, string ResultsPath, string EpisodesDirectory);

public static class Evaluations
{
    /// <summary>
    /// Runs every cell of the spec that the results file does not hold as done, at most Concurrency.MaxCells at a
    /// time and within the CPU and GPU slots; each finished cell is committed at once, so the run can be killed at any
    /// moment and resumed with the same command. Throws <see cref="ExperimentSpecException"/> for a spec that cannot run.
    /// </summary>
    public static async Task<EvalSummary> RunAsync(EvalOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        var spec = options.Spec;
        // Building an agent checks its API key, which a host bringing its own chat clients need not have.
        ExperimentSpecs.Validate(spec, options.Tasks, buildAgents: options.AgentFactory is null && options.ChatClientFactory is null,
            clusterSchedules: ClusterSchedules(options));
        var results = Path.GetFullPath(options.ResultsPath);
        var episodes = Path.GetFullPath(options.EpisodesDirectory ?? Path.ChangeExtension(results, null) + ".episodes");
        Directory.CreateDirectory(episodes);
        var time = options.TimeProvider;

        using var fileLock = ResultsLock.Acquire(results);
        await using var store = await ResultsStore.OpenAsync(results, create: true, cancellationToken).ConfigureAwait(false);
        var cells = await CellRows.SyncAsync(store, spec, cancellationToken).ConfigureAwait(false);
        var invocation = await CellRows.StartInvocationAsync(store, spec, time, cancellationToken).ConfigureAwait(false);
        var todo = cells.Where(c => c.Status != "done").ToList();
        // Containers of an eval that was killed go now, before the first cell, not when its first run starts.
        if (options.Sandbox is { } sandbox) await sandbox.PrepareAsync(cancellationToken).ConfigureAwait(false);
        var alreadyDone = cells.Count - todo.Count;

        var view = ProgressView.Create(options.Progress, options.Output ?? Console.Out, time);
        view.Begin(cells.Count, alreadyDone);
        // On a cluster, max_cells alone bounds the cells in flight; the cluster's queue holds the jobs it cannot place yet.
        var pool = ClusterSchedules(options)
            ? new SlotPool(double.MaxValue, [], spec.Concurrency.MaxCells)
            : new SlotPool(spec.Concurrency.Cpus ?? System.Environment.ProcessorCount, spec.Concurrency.GpuIds, spec.Concurrency.MaxCells);
        var prefix = EpisodePrefix(spec.Name);
        var done = 0;
        var failed = 0;
        var outcome = "finished";
        try
        {
            await view.RunAsync(async () =>
            {
                var work = todo.Select(async cell =>
                {
                    var state = await RunCellAsync(options, store, pool, view, cell, episodes, prefix, cancellationToken).ConfigureAwait(false);
                    if (state == "done") Interlocked.Increment(ref done);
                    else if (state == "failed") Interlocked.Increment(ref failed);
                }).ToList();
                await Task.WhenAll(work).ConfigureAwait(false);
            }).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            outcome = "cancelled";
        }
        finally
        {
            view.End(outcome);
            await CellRows.FinishInvocationAsync(store, invocation, outcome, time, CancellationToken.None).ConfigureAwait(false);
        }
        cancellationToken.ThrowIfCancellationRequested();
        return new EvalSummary(cells.Count, alreadyDone, done, failed, todo.Count - done - failed, results, episodes);
    }

    /// <summary>A Slurm sandbox: the cluster allocates CPUs and GPUs per job, so the local slots do not apply.</summary>
    private static bool ClusterSchedules(EvalOptions options) => options.Sandbox?.Name == "slurm";

    private static async Task<string> RunCellAsync(EvalOptions options, ResultsStore store, SlotPool pool, ProgressView view, StoredCell stored,
        string episodesRoot, string prefix, CancellationToken cancellationToken)
    {
        var cell = stored.Spec;
        var task = options.Tasks.Get(cell.TaskId);
        var cluster = ClusterSchedules(options);
        using var lease = await pool.AcquireAsync(task.Resources.Cpus, cluster ? 0 : task.Resources.Gpus, cancellationToken).ConfigureAwait(false);
        var time = options.TimeProvider;
        var attempt = await CellRows.BeginAsync(store, stored.Id, prefix, time, cancellationToken).ConfigureAwait(false);
        var episodeId = CellRows.EpisodeId(prefix, stored.Id, attempt);
        var progress = new CellProgress { Key = cell.Key, TaskId = cell.TaskId, Hints = HintRegimes.Format(cell.Hints), Agent = cell.Agent.Label, Seed = cell.Seed };
        view.Started(progress);
        try
        {
            var sandbox = options.Sandbox is null ? null : cluster ? options.Sandbox : new GpuPinnedSandbox(options.Sandbox, lease.GpuIds);
            var scorer = sandbox is null ? null : SubmissionScorers.Create(sandbox, new ScoringOptions
            {
                DataDirectory = options.DataDirectory,
                VerifierImage = options.Spec.Scoring.VerifierImage ?? options.VerifierImage,
                Pairs = options.Spec.Scoring.Pairs,
                TimeProvider = time,
            });
            if (scorer is not null && options.Spec.Scoring.Judge is { } judge)
                scorer = scorer.WithReview(SubmissionReviewers.Create(judge), judge.Policy);
            var agent = options.AgentFactory?.Invoke(cell)
                ?? (options.ChatClientFactory?.Invoke(cell) is { } chat
                    ? GymAgents.Create(cell.Agent.Kind, cell.Agent.Settings, chat, options.Tasks)
                    : GymAgents.Create(cell.Agent.Kind, cell.Agent.Settings, options.Tasks));
            var budgets = options.Spec.Budgets;
            var environment = GymEnvironment.Create(new GymOptions
            {
                Tasks = options.Tasks,
                EpisodesDirectory = episodesRoot,
                DataDirectory = options.DataDirectory,
                Sandbox = sandbox,
                Scorer = scorer,
                DefaultBudgets = budgets,
                TimeProvider = time,
            });
            await using (environment.ConfigureAwait(false))
            {
                await agent.RunAsync(environment,
                    new ResetOptions { TaskId = cell.TaskId, Hints = cell.Hints, Seed = cell.Seed, Budgets = budgets, EpisodeId = episodeId, Reward = options.Spec.Scoring.Reward },
                    (step, call, result) => view.Update(cell.Key, c => Observe(c, step, call, result)),
                    cancellationToken).ConfigureAwait(false);
            }
            // After the environment is disposed: every run has ended and written its run.json.
            var record = EpisodeRecord.Read(Path.Combine(episodesRoot, episodeId), task, scorer is not null, cell.Agent.Price);
            await CellRows.CompleteAsync(store, stored.Id, record, time).ConfigureAwait(false);
            view.Finished(cell.Key, c => c with
            {
                State = "done",
                Steps = record.Steps,
                Runs = record.Runs.Count,
                BestRunLoss = record.Runs.Where(r => r.FinalValLoss is not null).Select(r => r.FinalValLoss).Min(),
                Verdict = record.Verdict,
                VerifiedLoss = record.VerifiedValLoss,
                Fsr = record.Fsr,
            });
            return "done";
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            await CellRows.EndAsync(store, stored.Id, "pending", "cancelled; redone by the next run", time).ConfigureAwait(false);
            view.Finished(cell.Key, c => c with { State = "cancelled" });
            throw;
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // A harness failure (agent crash, sandbox unusable, model API down) is not a result: the cell is
            // marked failed with the reason, keeps no rows, and is redone by the next run of the experiment.
            var error = $"{ex.GetType().Name}: {ex.Message}";
            await CellRows.EndAsync(store, stored.Id, "failed", error, time).ConfigureAwait(false);
            view.Finished(cell.Key, c => c with { State = "failed", Error = error });
            return "failed";
        }
    }

    private static CellProgress Observe(CellProgress c, int step, ToolCall call, StepResult result)
    {
        var info = result.Info;
        var runs = call.Name == ToolNames.RunTraining && result.Facts.RunId is not null ? c.Runs + 1 : c.Runs;
        var loss = EpisodeRecord.Num(info["best_val_loss"]) ?? EpisodeRecord.Num(info["last_val_loss"]);
        var best = loss is { } l && (c.BestRunLoss is null || l < c.BestRunLoss) ? l : c.BestRunLoss;
        var verdict = result.Terminated ? info["verdict"]?.GetValue<string>() : c.Verdict;
        return c with { Steps = step, Runs = runs, BestRunLoss = best, Verdict = verdict };
    }

    private static string EpisodePrefix(string name)
    {
        var clean = new string([.. name.Select(ch => char.IsAsciiLetterOrDigit(ch) || ch is '-' or '_' or '.' ? ch : '-')]);
        return clean.Length > 40 ? clean[..40] : clean;
    }
}

/// <summary>One eval process per results file at a time (an OS lock, released by the OS even when the process is killed).</summary>
internal sealed class ResultsLock : IDisposable
{
    private readonly FileStream _stream;

    private ResultsLock(FileStream stream) => _stream = stream;

    public static ResultsLock Acquire(string resultsPath)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(resultsPath)!);
        try
        {
            return new ResultsLock(new FileStream(resultsPath + ".lock", FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None));
        }
        catch (IOException ex)
        {
            throw new IOException($"Another agentgym eval is writing {resultsPath} (its lock file {resultsPath}.lock is held). Wait for it or use another results file.", ex);
        }
    }

    public void Dispose() => _stream.Dispose();
}
