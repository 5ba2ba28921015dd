using System.ComponentModel;
using AgentGym.Core.Workspace;

namespace AgentGym.Core.Tools;

internal sealed record InsertLinesArgs(
    [property: Description("File path relative to the workspace root.")] string Path,
    [property: Description("Insert after this line number; 0 inserts at the top of the file.")] int Line,
    [property: Description("The text to insert (one or more lines).")] string Text);

internal sealed class InsertLinesTool : Tool<InsertLinesArgs>
{
    protected override string Name => "insert_lines";

    protected override string Description => "Insert text after a given line of a file (line 0 = before the first line).";

    protected override Task<ToolResult> ExecuteAsync(InsertLinesArgs args, ToolContext context, CancellationToken cancellationToken)
    {
        var path = context.Workspace.Resolve(args.Path);
        var original = TextFiles.Read(path);
        var lines = TextFiles.SplitLines(original);
        if (args.Line < 0 || args.Line > lines.Count)
            throw new ToolFailure($"line must be between 0 and {lines.Count} (the file has {lines.Count} lines); got {args.Line}.");
        var newLines = TextFiles.SplitLines(args.Text);
        if (newLines.Count == 0) newLines.Add("");
        lines.InsertRange(args.Line, newLines);
        var newline = original.Contains("\r\n", StringComparison.Ordinal) ? "\r\n" : "\n";
        context.Workspace.WriteText(path, string.Join(newline, lines) + newline);
        var shown = EditFileTool.Snippet(lines, args.Line + 1, args.Line + newLines.Count);
        return Task.FromResult(ToolResult.Ok($"Inserted {newLines.Count} line(s) after line {args.Line} of {path.RelativePath}:\n{shown}"));
    }
}
