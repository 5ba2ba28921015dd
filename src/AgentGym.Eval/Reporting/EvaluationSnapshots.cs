using System.Globalization;
using System.Text.Json.Nodes;
using AgentGym.Eval.Results;

namespace AgentGym.Eval.Reporting;

/// <summary>
/// A results file as the dashboard's evaluations view draws it, read in one go (safe while `agentgym eval` writes:
/// the file is in WAL mode, so a reader never blocks the writer). The FSR table is the report's own table, cell for
/// cell, so the page and `agentgym report` show the same figures.
/// </summary>
public static class EvaluationSnapshots
{
    /// <summary>
    /// Returns <c>{experiments, progress:{total,pending,running,done,failed}, cells:[...], fsr:{note,header,rows},
    /// frontier:[{task,target_val_loss,baseline_s,record_s,points:[{agent,hints,seed,time_s,loss,passed}]}],
    /// costs:{header,rows}}</c>. Times are in seconds, tokens as counted by the agents, cost in US dollars.
    /// Throws FileNotFoundException for a missing file and SqliteException/InvalidDataException for one that is not a
    /// results file of this schema.
    /// </summary>
    public static async Task<JsonObject> LoadAsync(string resultsPath, CancellationToken cancellationToken = default)
    {
        var data = await ReportData.LoadAsync(resultsPath, cancellationToken).ConfigureAwait(false);
        var sandboxSeconds = await SandboxSecondsAsync(resultsPath, cancellationToken).ConfigureAwait(false);
        var fsr = Reports.Tables(data)[0];
        return new JsonObject
        {
            ["experiments"] = Strings(data.ExperimentNames),
            ["progress"] = Progress(data),
            ["cells"] = new JsonArray([.. data.Cells.Select(c => (JsonNode)new JsonObject
            {
                ["task"] = c.TaskId, ["hints"] = c.Hints, ["agent"] = c.Agent, ["seed"] = c.Seed, ["status"] = c.Status,
                ["attempts"] = c.Attempts, ["error"] = c.Error,
                ["episode_id"] = data.Episodes.FirstOrDefault(e => e.CellId == c.Id)?.EpisodeId,
            })]),
            ["fsr"] = new JsonObject
            {
                ["title"] = fsr.Title,
                ["note"] = fsr.Note + " The last column is the 95% confidence interval of the mean over seeds (Student's t).",
                ["header"] = Strings([.. fsr.Header, "FSR 95% CI"]),
                ["rows"] = new JsonArray([.. fsr.Rows.Select(r => (JsonNode)Strings([.. r, Interval(data, r[0], r[1], r[2])]))]),
            },
            ["frontier"] = new JsonArray([.. data.Tasks.Select(t => (JsonNode)Frontier(data, t))]),
            ["costs"] = Costs(data, sandboxSeconds),
        };
    }

    private static JsonObject Progress(ReportData data)
    {
        int Count(string status) => data.Cells.Count(c => c.Status == status);
        return new JsonObject
        {
            ["total"] = data.Cells.Count, ["pending"] = Count("pending"), ["running"] = Count("running"),
            ["done"] = Count("done"), ["failed"] = Count("failed"),
        };
    }

    private static string Interval(ReportData data, string task, string hints, string agent)
    {
        var fsr = data.Episodes.Where(e => e.TaskId == task && e.Hints == hints && e.Agent == agent && e.Fsr is not null).Select(e => e.Fsr!.Value).ToList();
        if (fsr.Count < 2 || Stats.StdErr(fsr) is not { } se) return "-";
        var mean = fsr.Average();
        var half = TQuantile975(fsr.Count - 1) * se;
        return string.Create(CultureInfo.InvariantCulture, $"[{mean - half:F3}, {mean + half:F3}]");
    }

    /// <summary>The two-sided 95% quantile of Student's t (exact to 3 decimals for small df, the normal's beyond 30).</summary>
    internal static double TQuantile975(int degreesOfFreedom) => degreesOfFreedom switch
    {
        <= 0 => double.NaN,
        <= 30 => T975[degreesOfFreedom - 1],
        _ => 1.96,
    };

    private static readonly double[] T975 =
    [
        12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.160, 2.145, 2.131,
        2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042,
    ];

    private static JsonObject Frontier(ReportData data, string task)
    {
        var episodes = data.Episodes.Where(e => e.TaskId == task).ToList();
        var first = episodes.FirstOrDefault();
        return new JsonObject
        {
            ["task"] = task,
            ["target_val_loss"] = first?.Target,
            ["baseline_s"] = first is null ? null : first.BaselineMs / 1000,
            ["record_s"] = first is null ? null : first.RecordMs / 1000,
            ["points"] = new JsonArray([.. episodes.Where(e => e.VerifiedLoss is not null && e.VerifiedTimeMs is not null).Select(e => (JsonNode)new JsonObject
            {
                ["agent"] = e.Agent, ["hints"] = e.Hints, ["seed"] = e.Seed, ["episode_id"] = e.EpisodeId,
                ["time_s"] = e.VerifiedTimeMs!.Value / 1000, ["loss"] = e.VerifiedLoss, ["passed"] = e.Verdict == "passed",
            })]),
        };
    }

    private static JsonObject Costs(ReportData data, IReadOnlyDictionary<long, double> sandboxSeconds)
    {
        var rows = new JsonArray();
        foreach (var task in data.Tasks)
            foreach (var hints in data.HintRegimes)
                foreach (var agent in data.Agents)
                {
                    var eps = data.Episodes.Where(e => e.TaskId == task && e.Hints == hints && e.Agent == agent).ToList();
                    if (eps.Count == 0) continue;
                    var costs = eps.Where(e => e.CostUsd is not null).Select(e => e.CostUsd!.Value).ToList();
                    rows.Add(Strings([task, hints, agent, N(eps.Count), N(eps.Sum(e => e.InputTokens)), N(eps.Sum(e => e.OutputTokens)),
                        N(eps.Sum(e => e.TotalTokens)), costs.Count == 0 ? "-" : F(costs.Sum(), 2),
                        F(eps.Sum(e => sandboxSeconds.GetValueOrDefault(e.CellId)), 1), F(eps.Sum(e => e.WallMs) / 1000, 1)]));
                }
        return new JsonObject
        {
            ["header"] = Strings(["task", "hints", "agent", "episodes", "input tokens", "output tokens", "total tokens", "cost ($)", "sandbox (s)", "wall (s)"]),
            ["rows"] = rows,
        };
    }

    /// <summary>Per finished cell, the seconds its agent's training runs spent in the sandbox (the verifier's not counted).</summary>
    private static async Task<Dictionary<long, double>> SandboxSecondsAsync(string resultsPath, CancellationToken cancellationToken)
    {
        await using var store = await ResultsStore.OpenAsync(resultsPath, create: false, cancellationToken).ConfigureAwait(false);
        var rows = await store.QueryAsync("SELECT cell_id, SUM(COALESCE(elapsed_s, 0)) AS s FROM runs GROUP BY cell_id",
            r => (Cell: r.Long("cell_id")!.Value, Seconds: r.Double("s") ?? 0), cancellationToken).ConfigureAwait(false);
        return rows.ToDictionary(r => r.Cell, r => r.Seconds);
    }

    private static JsonArray Strings(IEnumerable<string> values) => new([.. values.Select(v => (JsonNode)JsonValue.Create(v))]);
    private static string N(long v) => v.ToString(CultureInfo.InvariantCulture);
    private static string F(double v, int digits) => v.ToString("F" + digits.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);
}
