using System.ComponentModel;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace AgentGym.Core.Tools;

internal sealed record InspectLogsArgs(
    [property: Description("The run id.")] string RunId,
    [property: Description("Show only the last N lines (of the grep matches when grep is given).")] int? Tail = null,
    [property: Description("Show only lines matching this regular expression.")] string? Grep = null,
    [property: Description("First log line to show (1-based).")] int? StartLine = null,
    [property: Description("Last log line to show (inclusive).")] int? EndLine = null);

internal sealed class InspectLogsTool : Tool<InspectLogsArgs>
{
    private const int PageLines = 200;
    private const int PageBytes = 16 * 1024;

    protected override string Name => ToolNames.InspectLogs;

    public override string SeeTheRest => "call inspect_logs with start_line/end_line, tail or grep";

    protected override string Description =>
        "Read a run's output with line numbers: the last lines (tail), matching lines (grep) or a line range. Pages honestly: says what was left out and how to see it.";

    protected override Task<ToolResult> ExecuteAsync(InspectLogsArgs args, ToolContext context, CancellationToken cancellationToken)
    {
        var run = context.Runs.Get(args.RunId);
        var (lines, dropped, capped) = run.Snapshot();
        var numbered = lines.Select((l, i) => (Number: i + 1, l.Text)).ToList();
        var total = numbered.Count;
        if (args.StartLine is < 1) throw new ToolFailure("start_line must be 1 or more.");
        if (args.Tail is < 1) throw new ToolFailure("tail must be 1 or more.");

        IEnumerable<(int Number, string Text)> selected = numbered;
        var description = new List<string>();
        if (args.StartLine is not null || args.EndLine is not null)
        {
            var from = args.StartLine ?? 1;
            var to = args.EndLine ?? total;
            selected = selected.Where(l => l.Number >= from && l.Number <= to);
            description.Add($"lines {from}-{Math.Min(to, total)}");
        }
        if (!string.IsNullOrEmpty(args.Grep))
        {
            Regex regex;
            try { regex = new Regex(args.Grep, RegexOptions.None, TimeSpan.FromSeconds(1)); }
            catch (ArgumentException ex) { throw new ToolFailure($"grep is not a valid regular expression: {ex.Message}"); }
            try { selected = selected.Where(l => regex.IsMatch(l.Text)).ToList(); }
            catch (RegexMatchTimeoutException) { throw new ToolFailure("grep took too long; use a simpler pattern."); }
            description.Add($"matching /{args.Grep}/");
        }
        var matched = selected.ToList();
        if (args.Tail is { } tail && matched.Count > tail)
        {
            matched = matched.Skip(matched.Count - tail).ToList();
            description.Add($"last {tail}");
        }

        var sb = new StringBuilder();
        var shown = 0;
        var bytes = 0;
        // Without an explicit tail or range, show the end of the log (what a researcher looks at first).
        var fromEnd = args.Tail is null && args.StartLine is null && args.EndLine is null;
        var window = fromEnd && matched.Count > PageLines ? matched.Skip(matched.Count - PageLines).ToList() : matched;
        foreach (var (number, text) in window)
        {
            if (shown >= PageLines || bytes + text.Length > PageBytes) break;
            sb.Append(number.ToString(CultureInfo.InvariantCulture).PadLeft(6)).Append('\t').Append(text).Append('\n');
            shown++;
            bytes += text.Length + 8;
        }

        var state = run.State.ToString();
        var header = $"{run.Id} ({state}): {total} log lines{(description.Count > 0 ? ", " + string.Join(", ", description) : "")}; {matched.Count} selected.\n";
        var footer = new StringBuilder();
        if (window.Count < matched.Count)
            footer.Append($"[Showing the last {window.Count} of {matched.Count} selected lines; use start_line/end_line or grep to see earlier ones.]\n");
        if (shown < window.Count)
        {
            var next = window[shown].Number;
            footer.Append($"[Output cut after {shown} lines ({PageLines} lines / {PageBytes / 1024} KiB per page). Continue with start_line={next}.]\n");
        }
        if (capped)
            footer.Append($"[The run hit the log cap: {dropped:N0} later lines were not kept.]\n");
        if (total == 0) return Task.FromResult(ToolResult.Ok(header + "(no output yet)"));
        return Task.FromResult(ToolResult.Ok((header + sb + footer).TrimEnd('\n')));
    }
}
