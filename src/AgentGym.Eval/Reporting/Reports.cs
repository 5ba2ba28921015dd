using System.Globalization;
using System.Net;
using System.Text;

namespace AgentGym.Eval.Reporting;

/// <param name="Images">The PNG files, beside the Markdown (the HTML page embeds them as base64 too).</param>
public sealed record ReportFiles(string MarkdownPath, string HtmlPath, IReadOnlyList<string> Images);

/// <summary>Writes a results file's report: Markdown, one self-contained HTML page and PNG plots.</summary>
public static class Reports
{
    public static async Task<ReportFiles> WriteAsync(string resultsPath, string outDirectory, CancellationToken cancellationToken = default)
    {
        var data = await ReportData.LoadAsync(resultsPath, cancellationToken).ConfigureAwait(false);
        Directory.CreateDirectory(outDirectory);
        var tables = Tables(data);
        var figures = new List<(string File, string Caption, byte[] Png)>
        {
            ("fsr_by_hints.png", "FSR by hint regime and agent", Plots.FsrByHints(data)),
        };
        foreach (var task in data.Tasks)
        {
            var slug = Slug(task);
            figures.Add(($"loss_curves-{slug}.png", $"{task}: loss curves of the best runs against the starting record", Plots.LossCurves(data, task)));
            figures.Add(($"frontier-{slug}.png", $"{task}: efficiency frontier (verified time vs verified loss)", Plots.Frontier(data, task)));
        }
        var images = new List<string>();
        foreach (var (file, _, png) in figures)
        {
            var path = Path.Combine(outDirectory, file);
            await File.WriteAllBytesAsync(path, png, cancellationToken).ConfigureAwait(false);
            images.Add(path);
        }
        var title = $"AgentGym evaluation: {string.Join(", ", data.ExperimentNames.DefaultIfEmpty("experiment"))}";
        var intro = Intro(data, resultsPath);
        var markdown = Path.Combine(outDirectory, "report.md");
        await File.WriteAllTextAsync(markdown, Markdown(title, intro, tables, figures), cancellationToken).ConfigureAwait(false);
        var html = Path.Combine(outDirectory, "report.html");
        await File.WriteAllTextAsync(html, Html(title, intro, tables, figures), cancellationToken).ConfigureAwait(false);
        return new ReportFiles(markdown, html, images);
    }

    internal sealed record Table(string Title, string Note, string[] Header, List<string[]> Rows);

    private static string Intro(ReportData data, string resultsPath)
    {
        var byStatus = data.Cells.GroupBy(c => c.Status).ToDictionary(g => g.Key, g => g.Count());
        int Count(string s) => byStatus.TryGetValue(s, out var n) ? n : 0;
        return string.Create(CultureInfo.InvariantCulture,
            $"Results: `{Path.GetFileName(resultsPath)}`. Cells: {data.Cells.Count} ({Count("done")} done, {Count("failed")} failed, {Count("pending") + Count("running")} not run). ") +
            string.Create(CultureInfo.InvariantCulture, $"Tasks: {data.Tasks.Count}, hint regimes: {string.Join(", ", data.HintRegimes)}, agents: {string.Join(", ", data.Agents)}. ") +
            "FSR = (t_start - t) / (t_start - t_next) from the verified train time; a submission that fails any check, or no submission, counts 0. " +
            "Node shares use each run's own host-parsed log (unverified); every other figure comes from the verifier.";
    }

    internal static List<Table> Tables(ReportData data)
    {
        var tables = new List<Table>();
        var scored = data.Episodes.Where(e => e.Fsr is not null).ToList();

        var perCell = new List<string[]>();
        foreach (var task in data.Tasks)
            foreach (var hints in data.HintRegimes)
                foreach (var agent in data.Agents)
                {
                    var eps = data.Episodes.Where(e => e.TaskId == task && e.Hints == hints && e.Agent == agent).ToList();
                    if (eps.Count == 0) continue;
                    var fsr = eps.Where(e => e.Fsr is not null).Select(e => e.Fsr!.Value).ToList();
                    perCell.Add([task, hints, agent, N(eps.Count), MeanSe(fsr), F(fsr.Count == 0 ? null : fsr.Max()),
                        $"{eps.Count(e => e.Verdict == "passed")}/{eps.Count}", F(Stats.Mean(eps.Where(e => e.VerifiedLoss is not null).Select(e => e.VerifiedLoss!.Value))),
                        F(Stats.Mean(eps.Where(e => e.VerifiedTimeMs is not null).Select(e => e.VerifiedTimeMs!.Value / 1000)), 2)]);
                }
        tables.Add(new Table("FSR per task, hint regime and agent", "Mean over seeds (± standard error); passed = every verification check passed.",
            ["task", "hints", "agent", "episodes", "FSR mean", "FSR best", "passed", "verified loss", "verified time (s)"], perCell));

        var aggregate = new List<string[]>();
        foreach (var agent in data.Agents)
            foreach (var hints in data.HintRegimes)
            {
                var eps = scored.Where(e => e.Agent == agent && e.Hints == hints).ToList();
                var all = data.Episodes.Where(e => e.Agent == agent && e.Hints == hints).ToList();
                if (all.Count == 0) continue;
                var costs = all.Where(e => e.CostUsd is not null).Select(e => e.CostUsd!.Value).ToList();
                aggregate.Add([agent, hints, N(all.Count),
                    F(Stats.TopKMean(eps.Select(e => (e.TaskId, e.Fsr!.Value)))),
                    F(Stats.Iqm(eps.Select(e => e.Fsr!.Value))),
                    F(Stats.Mean(eps.Select(e => e.Fsr!.Value))),
                    Pct(all.Count(e => e.Verdict == "passed"), all.Count),
                    N((long)Math.Round(all.Average(e => (double)e.TotalTokens))),
                    costs.Count == 0 ? "-" : costs.Sum().ToString("F2", CultureInfo.InvariantCulture)]);
            }
        tables.Add(new Table("Aggregates per agent and hint regime",
            "Top-3 mean: per task the mean FSR of its best three episodes, then the mean over tasks (the benchmark's main figure). IQM: mean of the middle half of all episodes' FSR.",
            ["agent", "hints", "episodes", "FSR top-3 mean", "FSR IQM", "FSR mean", "passed", "tokens / episode", "cost ($)"], aggregate));

        var nodes = new List<string[]>();
        foreach (var agent in data.Agents)
            foreach (var hints in data.HintRegimes)
            {
                var cells = data.Episodes.Where(e => e.Agent == agent && e.Hints == hints).Select(e => e.CellId).ToHashSet();
                if (cells.Count == 0) continue;
                var runs = data.Runs.Where(r => cells.Contains(r.CellId)).ToList();
                nodes.Add([agent, hints, N(runs.Count), Pct(runs.Count(r => r.Buggy), runs.Count), Pct(runs.Count(r => r.Valid), runs.Count), Pct(runs.Count(r => r.Improved), runs.Count)]);
            }
        tables.Add(new Table("Executed nodes (training runs)",
            "Buggy: the run failed or printed no val loss. Valid: it succeeded and reached the target. Improved: valid and faster than the starting record.",
            ["agent", "hints", "runs", "buggy", "valid", "improved"], nodes));

        var verified = data.Episodes.Where(e => e.Verdict is "passed" or "failed").Select(e => e.CellId).ToHashSet();
        var failures = new List<string[]>();
        foreach (var group in data.Checks.Where(c => verified.Contains(c.CellId)).GroupBy(c => c.Name).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            var failed = group.Where(c => !c.Passed).ToList();
            var agents = failed.Select(c => data.Episodes.First(e => e.CellId == c.CellId).Agent).Distinct().ToList();
            failures.Add([group.Key, N(failed.Count), N(group.Count()), Pct(failed.Count, group.Count()), agents.Count == 0 ? "-" : string.Join(", ", agents),
                Shorten(failed.Select(c => c.Reason).FirstOrDefault(r => !string.IsNullOrEmpty(r)) ?? "-")]);
        }
        tables.Add(new Table("Verification failures by check", "Over every verified submission.",
            ["check", "failed", "checked", "share", "agents", "example reason"], failures));

        var broken = data.Cells.Where(c => c.Status != "done").Select(c => new[] { c.TaskId, c.Hints, c.Agent, N(c.Seed), c.Status, N(c.Attempts), Shorten(c.Error ?? "-") }).ToList();
        if (broken.Count > 0)
            tables.Add(new Table("Cells without a result", "Failed cells (harness errors) and cells not run yet are redone by the next `agentgym eval` of the same spec.",
                ["task", "hints", "agent", "seed", "status", "attempts", "error"], broken));
        return tables;
    }

    private static string Markdown(string title, string intro, List<Table> tables, List<(string File, string Caption, byte[] Png)> figures)
    {
        var sb = new StringBuilder();
        sb.Append("# ").AppendLine(title).AppendLine().AppendLine(intro).AppendLine();
        foreach (var t in tables)
        {
            sb.Append("## ").AppendLine(t.Title).AppendLine().AppendLine(t.Note).AppendLine();
            sb.Append("| ").AppendJoin(" | ", t.Header.Select(Cell)).AppendLine(" |");
            sb.Append('|').AppendJoin("|", t.Header.Select(_ => "---")).AppendLine("|");
            foreach (var row in t.Rows) sb.Append("| ").AppendJoin(" | ", row.Select(Cell)).AppendLine(" |");
            if (t.Rows.Count == 0) sb.AppendLine().AppendLine("(none)");
            sb.AppendLine();
        }
        sb.AppendLine("## Figures").AppendLine();
        foreach (var (file, caption, _) in figures) sb.Append("![").Append(caption).Append("](").Append(file).AppendLine(")").AppendLine();
        return sb.ToString();

        static string Cell(string s) => s.Replace("|", "\\|", StringComparison.Ordinal).Replace("\n", " ", StringComparison.Ordinal);
    }

    private static string Html(string title, string intro, List<Table> tables, List<(string File, string Caption, byte[] Png)> figures)
    {
        static string E(string s) => WebUtility.HtmlEncode(s);
        var sb = new StringBuilder();
        sb.AppendLine("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">");
        sb.Append("<title>").Append(E(title)).AppendLine("</title>");
        sb.AppendLine("<style>body{font-family:system-ui,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#222}" +
            "table{border-collapse:collapse;margin:.5em 0 1.5em}th,td{border:1px solid #ccc;padding:.3em .6em;text-align:left}" +
            "th{background:#f3f3f3}td.n{text-align:right;font-variant-numeric:tabular-nums}p.note{color:#555}img{max-width:100%}</style></head><body>");
        sb.Append("<h1>").Append(E(title)).AppendLine("</h1>");
        sb.Append("<p>").Append(E(intro.Replace("`", "", StringComparison.Ordinal))).AppendLine("</p>");
        foreach (var t in tables)
        {
            sb.Append("<h2>").Append(E(t.Title)).AppendLine("</h2>");
            sb.Append("<p class=\"note\">").Append(E(t.Note)).AppendLine("</p>");
            sb.Append("<table><thead><tr>").AppendJoin("", t.Header.Select(h => $"<th>{E(h)}</th>")).AppendLine("</tr></thead><tbody>");
            foreach (var row in t.Rows)
                sb.Append("<tr>").AppendJoin("", row.Select(c => LooksNumeric(c) ? $"<td class=\"n\">{E(c)}</td>" : $"<td>{E(c)}</td>")).AppendLine("</tr>");
            if (t.Rows.Count == 0) sb.Append("<tr><td colspan=\"").Append(t.Header.Length).AppendLine("\">(none)</td></tr>");
            sb.AppendLine("</tbody></table>");
        }
        sb.AppendLine("<h2>Figures</h2>");
        // Embedded, so the page is one file that can be mailed or attached to an issue.
        foreach (var (_, caption, png) in figures)
            sb.Append("<figure><img alt=\"").Append(E(caption)).Append("\" src=\"data:image/png;base64,").Append(Convert.ToBase64String(png))
              .Append("\"><figcaption>").Append(E(caption)).AppendLine("</figcaption></figure>");
        sb.AppendLine("</body></html>");
        return sb.ToString();

        static bool LooksNumeric(string s) => s.Length > 0 && (char.IsAsciiDigit(s[0]) || (s[0] == '-' && s.Length > 1 && char.IsAsciiDigit(s[1])));
    }

    private static string F(double? v, int digits = 3) => v is { } d ? d.ToString("F" + digits.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture) : "-";
    private static string N(long v) => v.ToString(CultureInfo.InvariantCulture);
    private static string Pct(int part, int whole) => whole == 0 ? "-" : string.Create(CultureInfo.InvariantCulture, $"{100.0 * part / whole:F0}% ({part}/{whole})");

    private static string MeanSe(List<double> values)
    {
        if (values.Count == 0) return "-";
        var se = Stats.StdErr(values);
        return se is null ? F(values.Average()) : $"{F(values.Average())} ± {F(se)}";
    }

    private static string Shorten(string s) => s.Length > 160 ? s[..157] + "..." : s;

    private static string Slug(string task) => new([.. task.Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' ? c : '_')]);
}
