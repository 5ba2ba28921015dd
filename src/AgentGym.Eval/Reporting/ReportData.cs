using System.Text.Json.Nodes;
using AgentGym.Eval.Results;

namespace AgentGym.Eval.Reporting;

internal sealed record CellRow(long Id, string TaskId, string Hints, string Agent, int Seed, string Status, int Attempts, string? Error, int Ordinal);

internal sealed record EpisodeRow(
    long CellId, string TaskId, string Hints, string Agent, int Seed, string EpisodeId, string Verdict, double Reward,
    double? VerifiedLoss, double? VerifiedTimeMs, double? Fsr, double Target, double BaselineMs, double RecordMs,
    long InputTokens, long OutputTokens, long TotalTokens, double? CostUsd, double WallMs, int Steps);

internal sealed record RunRow(long CellId, string RunId, string State, double? FinalLoss, double? TrainTimeMs, bool Buggy, bool Valid, bool Improved, bool StartCode, bool Submitted, string Curve);

internal sealed record CheckRow(long CellId, string Name, bool Passed, bool Skipped, string? Reason);

/// <summary>Everything a report needs, read from a results file at once.</summary>
internal sealed record ReportData(
    IReadOnlyList<CellRow> Cells, IReadOnlyList<EpisodeRow> Episodes, IReadOnlyList<RunRow> Runs, IReadOnlyList<CheckRow> Checks,
    IReadOnlyList<string> ExperimentNames)
{
    public IReadOnlyList<string> Tasks => [.. Cells.OrderBy(c => c.Ordinal).Select(c => c.TaskId).Distinct()];
    public IReadOnlyList<string> Agents => [.. Cells.OrderBy(c => c.Ordinal).Select(c => c.Agent).Distinct()];
    public IReadOnlyList<string> HintRegimes => [.. Cells.OrderBy(c => c.Ordinal).Select(c => c.Hints).Distinct()];

    public static async Task<ReportData> LoadAsync(string resultsPath, CancellationToken cancellationToken)
    {
        await using var store = await ResultsStore.OpenAsync(resultsPath, create: false, cancellationToken).ConfigureAwait(false);
        var cells = await store.QueryAsync("SELECT * FROM cells ORDER BY ordinal, id", r => new CellRow(
            r.Long("id")!.Value, r.Text("task_id")!, r.Text("hints")!, r.Text("agent")!, (int)r.Long("seed")!.Value, r.Text("status")!,
            (int)r.Long("attempts")!.Value, r.Text("error"), (int)r.Long("ordinal")!.Value), cancellationToken).ConfigureAwait(false);
        var episodes = await store.QueryAsync("""
            SELECT e.*, c.task_id, c.hints, c.agent AS label, c.seed FROM episodes e JOIN cells c ON c.id = e.cell_id
            WHERE c.status = 'done' ORDER BY c.ordinal
            """, r => new EpisodeRow(
            r.Long("cell_id")!.Value, r.Text("task_id")!, r.Text("hints")!, r.Text("label")!, (int)r.Long("seed")!.Value, r.Text("episode_id")!,
            r.Text("verdict")!, r.Double("reward") ?? 0, r.Double("verified_val_loss"), r.Double("verified_train_time_ms"), r.Double("fsr"),
            r.Double("target_val_loss")!.Value, r.Double("baseline_time_ms")!.Value, r.Double("record_time_ms")!.Value,
            r.Long("input_tokens") ?? 0, r.Long("output_tokens") ?? 0, r.Long("total_tokens") ?? 0, r.Double("cost_usd"), r.Double("wall_ms") ?? 0,
            (int)(r.Long("steps") ?? 0)), cancellationToken).ConfigureAwait(false);
        var runs = await store.QueryAsync("""
            SELECT r.* FROM runs r JOIN cells c ON c.id = r.cell_id WHERE c.status = 'done' ORDER BY r.cell_id, r.id
            """, r => new RunRow(r.Long("cell_id")!.Value, r.Text("run_id")!, r.Text("state")!, r.Double("final_val_loss"), r.Double("train_time_ms"),
            r.Bool("buggy"), r.Bool("valid"), r.Bool("improved"), r.Bool("start_code"), r.Bool("submitted"), r.Text("curve") ?? "{}"), cancellationToken).ConfigureAwait(false);
        var checks = await store.QueryAsync("""
            SELECT k.* FROM checks k JOIN cells c ON c.id = k.cell_id WHERE c.status = 'done' ORDER BY k.cell_id, k.name
            """, r => new CheckRow(r.Long("cell_id")!.Value, r.Text("name")!, r.Bool("passed"), r.Bool("skipped"), r.Text("reason")), cancellationToken).ConfigureAwait(false);
        var names = await store.QueryAsync("SELECT DISTINCT name FROM invocations ORDER BY id", r => r.GetString(0), cancellationToken).ConfigureAwait(false);
        return new ReportData(cells, episodes, runs, checks, names);
    }

    /// <summary>The val-loss curve of a run: (train_time_ms, loss) points that have a time.</summary>
    public static (double[] X, double[] Y) ValCurve(RunRow run)
    {
        var node = JsonNode.Parse(run.Curve)?["val"] as JsonArray ?? [];
        var points = node.OfType<JsonArray>()
            .Select(p => (T: EpisodeRecord.Num(p.Count > 1 ? p[1] : null), L: EpisodeRecord.Num(p.Count > 2 ? p[2] : null)))
            .Where(p => p.T is not null && p.L is not null && double.IsFinite(p.L.Value))
            .ToList();
        return ([.. points.Select(p => p.T!.Value)], [.. points.Select(p => p.L!.Value)]);
    }
}

internal static class Stats
{
    /// <summary>Interquartile mean: the mean of the middle half (drops floor(n/4) values at each end, as scipy's trim_mean(0.25)).</summary>
    public static double? Iqm(IEnumerable<double> values)
    {
        var sorted = values.Order().ToList();
        if (sorted.Count == 0) return null;
        var cut = sorted.Count / 4;
        return sorted.Skip(cut).Take(sorted.Count - 2 * cut).Average();
    }

    /// <summary>The benchmark's main aggregation: per task the mean of its best three runs, then the mean over tasks.</summary>
    public static double? TopKMean(IEnumerable<(string Task, double Value)> values, int k = 3)
    {
        var perTask = values.GroupBy(v => v.Task, StringComparer.Ordinal)
            .Select(g => g.Select(v => v.Value).OrderDescending().Take(k).Average())
            .ToList();
        return perTask.Count == 0 ? null : perTask.Average();
    }

    public static double? Mean(IEnumerable<double> values)
    {
        var list = values.ToList();
        return list.Count == 0 ? null : list.Average();
    }

    public static double? StdErr(IEnumerable<double> values)
    {
        var list = values.ToList();
        if (list.Count < 2) return null;
        var mean = list.Average();
        return Math.Sqrt(list.Sum(x => (x - mean) * (x - mean)) / (list.Count - 1)) / Math.Sqrt(list.Count);
    }
}
