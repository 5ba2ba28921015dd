using System.ComponentModel;
using System.Globalization;
using System.Text;
using AgentGym.Core.Workspace;

namespace AgentGym.Core.Tools;

internal sealed record DiffArgs(
    [property: Description("Limit the diff to this file or directory; the whole workspace when omitted.")] string? Path = null,
    [property: Description("First line of the diff to show (1-based), to page through a long diff. Default 1.")] int? StartLine = null);

internal sealed class DiffTool : Tool<DiffArgs>
{
    protected override string Name => ToolNames.Diff;

    protected override string Description =>
        "Show a unified diff of the workspace against the task's starting files. A long diff is shown one page at a time; the output says how to continue.";

    public override string SeeTheRest => "call diff with start_line to page through it";

    protected override Task<ToolResult> ExecuteAsync(DiffArgs args, ToolContext context, CancellationToken cancellationToken)
    {
        var target = context.Workspace.Resolve(args.Path);
        var text = WorkspaceDiff.Create(context.Workspace.StartDirectory, context.Workspace.Root, target.RelativePath);
        if (text.Length == 0) return Task.FromResult(ToolResult.Ok($"No changes against the starting files{(target.RelativePath == "." ? "" : $" in {target.RelativePath}")}."));
        var lines = text.TrimEnd('\n').Split('\n');
        var start = args.StartLine ?? 1;
        if (start < 1) throw new ToolFailure($"start_line must be 1 or more (got {start}).");
        if (start > lines.Length) throw new ToolFailure($"start_line {start} is past the end of the diff, which has {lines.Length} lines.");

        var page = new StringBuilder();
        var cutLines = 0;
        var last = start - 1;
        for (var n = start; n <= lines.Length; n++)
        {
            var line = ReadFileTool.CutLine(lines[n - 1], context.Limits, ref cutLines) + "\n";
            if (page.Length + line.Length > context.Limits.DiffMaxBytes && n > start) break;
            page.Append(line);
            last = n;
        }
        if (start == 1 && last == lines.Length && cutLines == 0) return Task.FromResult(ToolResult.Ok(page.ToString().TrimEnd('\n')));

        var call = args.Path is null ? "diff" : $"diff with path=\"{target.RelativePath}\"";
        var footer = new StringBuilder();
        footer.Append(CultureInfo.InvariantCulture, $"[Diff lines {start}-{last} of {lines.Length}");
        footer.Append(last < lines.Length ? $"; call {call} and start_line={last + 1} to continue.]" : "; this is the end of the diff.]");
        if (cutLines > 0) footer.Append(CultureInfo.InvariantCulture, $"\n[{cutLines} very long line(s) were shortened; read_file shows the file itself.]");
        return Task.FromResult(ToolResult.Ok(page + footer.ToString()));
    }
}
