using System.ComponentModel;
using System.Text;
using AgentGym.Core.Workspace;

namespace AgentGym.Core.Tools;

internal sealed record ReadFileArgs(
    [property: Description("File path relative to the workspace root.")] string Path,
    [property: Description("First line to show (1-based). Default 1.")] int? StartLine = null,
    [property: Description("Last line to show (inclusive). Default: as many as fit in one page.")] int? EndLine = null);

internal sealed class ReadFileTool : Tool<ReadFileArgs>
{
    protected override string Name => ToolNames.ReadFile;

    public override string SeeTheRest => "call read_file with start_line and end_line to see the rest";

    protected override string Description =>
        "Read a text file with line numbers. Long files are shown one page at a time; the output says which lines were shown and how to ask for the rest.";

    protected override Task<ToolResult> ExecuteAsync(ReadFileArgs args, ToolContext context, CancellationToken cancellationToken)
    {
        var path = context.Workspace.Resolve(args.Path);
        var lines = TextFiles.SplitLines(TextFiles.Read(path));
        return Task.FromResult(ToolResult.Ok(Render(path.RelativePath, lines, args.StartLine, args.EndLine, context.Limits)));
    }

    /// <summary>A line as the file tools show it: cut at a quarter of a read page, saying how much is left out.</summary>
    internal static string CutLine(string line, ToolLimits limits, ref int cutLines)
    {
        var maxLine = limits.ReadMaxBytes / 4;
        if (line.Length <= maxLine) return line;
        cutLines++;
        return line[..maxLine] + $" [... line cut: {line.Length - maxLine:N0} more characters]";
    }

    internal static string Render(string displayPath, IReadOnlyList<string> lines, int? startLine, int? endLine, ToolLimits limits)
    {
        var total = lines.Count;
        if (total == 0) return $"{displayPath} is empty (0 lines).";
        var start = startLine ?? 1;
        if (start < 1) throw new ToolFailure($"start_line must be 1 or more (got {start}).");
        if (start > total) throw new ToolFailure($"start_line {start} is past the end of {displayPath}, which has {total} lines.");
        var requestedEnd = Math.Min(endLine ?? total, total);
        if (requestedEnd < start) throw new ToolFailure($"end_line {endLine} is before start_line {start}.");

        var width = total.ToString(System.Globalization.CultureInfo.InvariantCulture).Length;
        var body = new StringBuilder();
        var bytes = 0;
        var last = start - 1;
        var cutLongLines = 0;
        for (var n = start; n <= requestedEnd && n - start < limits.ReadMaxLines; n++)
        {
            var text = CutLine(lines[n - 1], limits, ref cutLongLines);
            var rendered = $"{n.ToString(System.Globalization.CultureInfo.InvariantCulture).PadLeft(width)}\t{text}\n";
            var size = Encoding.UTF8.GetByteCount(rendered);
            if (bytes + size > limits.ReadMaxBytes && n > start) break;
            body.Append(rendered);
            bytes += size;
            last = n;
        }

        var header = last == total && start == 1
            ? $"{displayPath} ({total} lines)\n"
            : $"{displayPath} (lines {start}-{last} of {total})\n";
        var sb = new StringBuilder(header).Append(body);
        if (last < requestedEnd)
            sb.Append($"[Output cut at line {last} to stay within {limits.ReadMaxLines} lines / {limits.ReadMaxBytes / 1024} KiB. Lines {last + 1}-{requestedEnd} were not shown: call read_file with start_line={last + 1} to continue.]\n");
        else if (last < total && endLine is null)
            sb.Append($"[{total - last} more lines: call read_file with start_line={last + 1} to continue.]\n");
        if (cutLongLines > 0)
            sb.Append($"[{cutLongLines} very long line(s) were shortened; their full text is in the file.]\n");
        return sb.ToString().TrimEnd('\n');
    }
}
