using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using AgentGym.Core.Gym;
using AgentGym.Core.Json;
using AgentGym.Eval.Spec;
using Microsoft.Data.Sqlite;

namespace AgentGym.Eval.Results;

internal sealed record StoredCell(long Id, CellSpec Spec, string Status, int Attempts);

/// <summary>The cell lifecycle in the results file: pending -> running -> done | failed (failed and pending are redone).</summary>
internal static class CellRows
{
    private static readonly string[] EpisodeTables = ["steps", "checks", "verdicts", "runs", "episodes"];

    public static async Task<long> StartInvocationAsync(ResultsStore store, ExperimentSpec spec, TimeProvider time, CancellationToken cancellationToken) =>
        await store.WriteAsync(async tx =>
        {
            await using var command = store.Command(
                "INSERT INTO invocations(name, spec_json, started_at, pid, host) VALUES($name, $spec, $at, $pid, $host) RETURNING id", tx,
                ("$name", spec.Name), ("$spec", spec.SourceJson), ("$at", Stamp(time)), ("$pid", System.Environment.ProcessId), ("$host", System.Environment.MachineName));
            return (long)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
        }, cancellationToken).ConfigureAwait(false);

    public static Task FinishInvocationAsync(ResultsStore store, long id, string outcome, TimeProvider time, CancellationToken cancellationToken) =>
        store.WriteAsync(async tx =>
        {
            await using var command = store.Command("UPDATE invocations SET finished_at = $at, outcome = $outcome WHERE id = $id", tx,
                ("$at", Stamp(time)), ("$outcome", outcome), ("$id", id));
            return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }, cancellationToken);

    /// <summary>
    /// Adds the spec's cells that the file lacks and returns every spec cell with its stored state. Cells left
    /// "running" by a process that died are made pending with their rows removed. A finished cell whose agent was
    /// configured differently is refused: its numbers would be mixed with the new configuration's.
    /// </summary>
    public static async Task<List<StoredCell>> SyncAsync(ResultsStore store, ExperimentSpec spec, CancellationToken cancellationToken) =>
        await store.WriteAsync(async tx =>
        {
            await using (var stale = store.Command("SELECT id FROM cells WHERE status = 'running'", tx))
            {
                var ids = new List<long>();
                await using (var reader = await stale.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
                    while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false)) ids.Add(reader.GetInt64(0));
                foreach (var id in ids)
                {
                    await DeleteEpisodeRowsAsync(store, tx, id, cancellationToken).ConfigureAwait(false);
                    await using var reset = store.Command("UPDATE cells SET status = 'pending', error = 'interrupted; redone' WHERE id = $id", tx, ("$id", id));
                    await reset.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                }
            }
            var cells = spec.Cells();
            var result = new List<StoredCell>(cells.Count);
            for (var ordinal = 0; ordinal < cells.Count; ordinal++)
            {
                var cell = cells[ordinal];
                var hash = Hash(cell.Agent.SettingsJson);
                await using (var insert = store.Command("""
                    INSERT INTO cells(cell_key, ordinal, task_id, hints, agent, agent_kind, agent_config, agent_config_hash, seed, status)
                    VALUES($key, $ordinal, $task, $hints, $agent, $kind, $config, $hash, $seed, 'pending')
                    ON CONFLICT(cell_key) DO NOTHING
                    """, tx,
                    ("$key", cell.Key), ("$ordinal", ordinal), ("$task", cell.TaskId), ("$hints", HintRegimes.Format(cell.Hints)),
                    ("$agent", cell.Agent.Label), ("$kind", cell.Agent.Kind), ("$config", cell.Agent.SettingsJson), ("$hash", hash), ("$seed", cell.Seed)))
                    await insert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                await using var select = store.Command("SELECT id, status, attempts, agent_config_hash FROM cells WHERE cell_key = $key", tx, ("$key", cell.Key));
                await using var reader = await select.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
                var (id, status, attempts, storedHash) = (reader.GetInt64(0), reader.GetString(1), reader.GetInt32(2), reader.GetString(3));
                await reader.CloseAsync().ConfigureAwait(false);
                if (storedHash != hash)
                {
                    if (status == "done")
                        throw new ExperimentSpecException($"agents ({cell.Agent.Label})",
                            $"the results file already holds finished cells of agent '{cell.Agent.Label}' run with a different configuration; give the changed agent a new label or use a new results file");
                    await using var update = store.Command("UPDATE cells SET agent_kind = $kind, agent_config = $config, agent_config_hash = $hash WHERE id = $id", tx,
                        ("$kind", cell.Agent.Kind), ("$config", cell.Agent.SettingsJson), ("$hash", hash), ("$id", id));
                    await update.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                }
                await using (var order = store.Command("UPDATE cells SET ordinal = $ordinal WHERE id = $id", tx, ("$ordinal", ordinal), ("$id", id)))
                    await order.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                result.Add(new StoredCell(id, cell, status, attempts));
            }
            return result;
        }, cancellationToken).ConfigureAwait(false);

    /// <summary>Marks a cell running (a new attempt) and clears whatever rows an earlier attempt left.</summary>
    public static Task<int> BeginAsync(ResultsStore store, long cellId, string episodePrefix, TimeProvider time, CancellationToken cancellationToken) =>
        store.WriteAsync(async tx =>
        {
            await DeleteEpisodeRowsAsync(store, tx, cellId, cancellationToken).ConfigureAwait(false);
            await using var command = store.Command(
                "UPDATE cells SET status = 'running', attempts = attempts + 1, started_at = $at, finished_at = NULL, error = NULL, episode_id = NULL WHERE id = $id RETURNING attempts", tx,
                ("$at", Stamp(time)), ("$id", cellId));
            var attempt = Convert.ToInt32(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false), CultureInfo.InvariantCulture);
            await using var episode = store.Command("UPDATE cells SET episode_id = $episode WHERE id = $id", tx,
                ("$episode", EpisodeId(episodePrefix, cellId, attempt)), ("$id", cellId));
            await episode.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            return attempt;
        }, cancellationToken);

    public static string EpisodeId(string prefix, long cellId, int attempt) =>
        string.Create(CultureInfo.InvariantCulture, $"{prefix}-c{cellId:D4}-a{attempt}");

    /// <summary>Writes every row of a finished episode and marks the cell done, in one transaction.</summary>
    public static Task CompleteAsync(ResultsStore store, long cellId, EpisodeRecord e, TimeProvider time) =>
        // Not cancellable: a finished episode is recorded whole even when Ctrl+C arrives meanwhile.
        store.WriteAsync(async tx =>
        {
            var ct = CancellationToken.None;
            await DeleteEpisodeRowsAsync(store, tx, cellId, ct).ConfigureAwait(false);
            await using (var insert = store.Command("""
                INSERT INTO episodes(cell_id, episode_id, episode_dir, agent, model, steps, reward, terminated, truncated, stop_reason,
                    submitted_run, verdict, verified_val_loss, verified_train_time_ms, fsr, target_val_loss, baseline_time_ms, record_time_ms,
                    model_calls, input_tokens, output_tokens, total_tokens, reasoning_tokens, cached_input_tokens, cost_usd, wall_ms)
                VALUES($cell, $episode, $dir, $agent, $model, $steps, $reward, $terminated, $truncated, $stop,
                    $submitted, $verdict, $loss, $time, $fsr, $target, $baseline, $record,
                    $calls, $input, $output, $total, $reasoning, $cached, $cost, $wall)
                """, tx,
                ("$cell", cellId), ("$episode", e.EpisodeId), ("$dir", e.Directory), ("$agent", e.Agent), ("$model", e.Model), ("$steps", e.Steps),
                ("$reward", e.Reward), ("$terminated", e.Terminated), ("$truncated", e.Truncated), ("$stop", e.StopReason),
                ("$submitted", e.SubmittedRun), ("$verdict", e.Verdict), ("$loss", e.VerifiedValLoss), ("$time", e.VerifiedTrainTimeMs), ("$fsr", e.Fsr),
                ("$target", e.TargetValLoss), ("$baseline", e.BaselineTimeMs), ("$record", e.RecordTimeMs),
                ("$calls", e.Tokens.ModelCalls), ("$input", e.Tokens.Input), ("$output", e.Tokens.Output), ("$total", e.Tokens.Total),
                ("$reasoning", e.Tokens.Reasoning), ("$cached", e.Tokens.CachedInput), ("$cost", e.CostUsd), ("$wall", e.WallMs)))
                await insert.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
            foreach (var r in e.Runs)
            {
                await using var run = store.Command("""
                    INSERT INTO runs(cell_id, run_id, state, exit_code, reason, final_val_loss, train_time_ms, elapsed_s, buggy, valid, improved,
                        start_code, submitted, node, stage, curve)
                    VALUES($cell, $run, $state, $exit, $reason, $loss, $time, $elapsed, $buggy, $valid, $improved, $start, $submitted, $node, $stage, $curve)
                    """, tx,
                    ("$cell", cellId), ("$run", r.RunId), ("$state", r.State), ("$exit", r.ExitCode), ("$reason", r.Reason), ("$loss", r.FinalValLoss),
                    ("$time", r.TrainTimeMs), ("$elapsed", r.ElapsedS), ("$buggy", r.Buggy), ("$valid", r.Valid), ("$improved", r.Improved),
                    ("$start", r.StartCode), ("$submitted", r.Submitted), ("$node", r.Node), ("$stage", r.Stage), ("$curve", r.Curve));
                await run.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
            }
            if (e.Checks is not null)
            {
                await using (var verdict = store.Command("INSERT INTO verdicts(cell_id, passed, reward, summary, checks) VALUES($cell, $passed, $reward, $summary, $checks)", tx,
                    ("$cell", cellId), ("$passed", e.Verdict == "passed"), ("$reward", e.Reward), ("$summary", e.VerdictSummary ?? ""), ("$checks", e.Checks.ToJsonString(JsonDefaults.Options))))
                    await verdict.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
                foreach (var c in e.CheckRows)
                {
                    await using var check = store.Command("INSERT INTO checks(cell_id, name, passed, skipped, reason) VALUES($cell, $name, $passed, $skipped, $reason)", tx,
                        ("$cell", cellId), ("$name", c.Name), ("$passed", c.Passed), ("$skipped", c.Skipped), ("$reason", c.Reason));
                    await check.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
                }
            }
            foreach (var s in e.Trajectory)
            {
                await using var step = store.Command("""
                    INSERT INTO steps(cell_id, step, kind, tool, arguments, observation, is_error, reward, terminated, truncated, duration_ms, info)
                    VALUES($cell, $step, $kind, $tool, $args, $obs, $error, $reward, $terminated, $truncated, $duration, $info)
                    """, tx,
                    ("$cell", cellId), ("$step", s.Step), ("$kind", s.Kind), ("$tool", s.ToolCall?.Name), ("$args", s.ToolCall?.Arguments),
                    ("$obs", s.Observation.Text), ("$error", s.Observation.IsError), ("$reward", s.Reward), ("$terminated", s.Terminated),
                    ("$truncated", s.Truncated), ("$duration", s.Timings.DurationMs), ("$info", s.Info?.ToJsonString(JsonDefaults.Options)));
                await step.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
            }
            await using var done = store.Command("UPDATE cells SET status = 'done', finished_at = $at, error = NULL WHERE id = $id", tx, ("$at", Stamp(time)), ("$id", cellId));
            return await done.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
        }, CancellationToken.None);

    /// <summary>A failed cell keeps no episode rows (it is redone by the next run) but keeps its error.</summary>
    public static Task EndAsync(ResultsStore store, long cellId, string status, string? error, TimeProvider time) =>
        store.WriteAsync(async tx =>
        {
            await DeleteEpisodeRowsAsync(store, tx, cellId, CancellationToken.None).ConfigureAwait(false);
            await using var command = store.Command("UPDATE cells SET status = $status, finished_at = $at, error = $error WHERE id = $id", tx,
                ("$status", status), ("$at", Stamp(time)), ("$error", error), ("$id", cellId));
            return await command.ExecuteNonQueryAsync(CancellationToken.None).ConfigureAwait(false);
        }, CancellationToken.None);

    private static async Task DeleteEpisodeRowsAsync(ResultsStore store, SqliteTransaction tx, long cellId, CancellationToken cancellationToken)
    {
        foreach (var table in EpisodeTables)
        {
            await using var command = store.Command($"DELETE FROM {table} WHERE cell_id = $id", tx, ("$id", cellId));
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    private static string Hash(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)))[..16];

    private static string Stamp(TimeProvider time) => time.GetUtcNow().ToString("O", CultureInfo.InvariantCulture);
}
