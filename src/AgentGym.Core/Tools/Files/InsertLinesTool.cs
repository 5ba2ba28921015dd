using System.ComponentModel;
using AgentGym.Core.Workspace;

namespace AgentGym.Core.Tools;

internal sealed record InsertLinesArgs(
    [property: Description("File path relative to the workspace root.")] string Path,
    [property: Description("Insert after this line number; 0 inserts at the top of the file.")] int Line,
    [property: Description("The text to insert (one or more lines).")] string Text);

internal sealed class InsertLinesTool : Tool<InsertLinesArgs>
{
    protected override string Name => ToolNames.InsertLines;

    public override string SeeTheRest => "the file itself is whole: read the region with read_file and start_line";

    protected override string Description => "Insert text after a given line of a file (line 0 = before the first line).";

    protected override Task<ToolResult> ExecuteAsync(InsertLinesArgs args, ToolContext context, CancellationToken cancellationToken)
    {
        var path = context.Workspace.Resolve(args.Path);
        var original = TextFiles.Read(path);
        var lines = TextSplice.Lines(original);
        if (args.Line < 0 || args.Line > lines.Count)
            throw new ToolFailure($"line must be between 0 and {lines.Count} (the file has {lines.Count} lines); got {args.Line}.");
        var newLines = TextFiles.SplitLines(args.Text);
        if (newLines.Count == 0) newLines.Add("");

        // The new lines take the ending of the line they follow (of the first line when they go on top), and are
        // spliced in at a line boundary so that every other byte of the file stays as it was.
        (string Text, string Ending)? neighbour = lines.Count == 0 ? null : lines[Math.Max(0, args.Line - 1)];
        var ending = neighbour is { Ending.Length: > 0 } n ? n.Ending : lines.Select(l => l.Ending).FirstOrDefault(e => e.Length > 0) ?? "\n";
        var at = lines.Take(args.Line).Sum(l => l.Text.Length + l.Ending.Length);
        var block = string.Concat(newLines.Select(l => l + ending));
        if (lines.Count == 0)
        {
            // The file ends with a newline afterwards exactly when it did before; an empty file did not.
            block = block[..^ending.Length];
        }
        else if (args.Line == lines.Count && lines[^1].Ending.Length == 0)
        {
            // After a last line without a final newline: that line gets a break, and the file still ends without one.
            block = ending + block[..^ending.Length];
        }
        context.Workspace.WriteText(path, original.Insert(at, block));

        var shownLines = lines.Select(l => l.Text).ToList();
        shownLines.InsertRange(args.Line, newLines);
        var shown = EditFileTool.Snippet(shownLines, args.Line + 1, args.Line + newLines.Count, context.Limits);
        return Task.FromResult(ToolResult.Ok($"Inserted {newLines.Count} line(s) after line {args.Line} of {path.RelativePath}:\n{shown}"));
    }
}
