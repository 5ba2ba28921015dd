using System.ComponentModel;
using System.Text;
using AgentGym.Core.Workspace;

namespace AgentGym.Core.Tools;

internal sealed record DiffArgs([property: Description("Limit the diff to this file or directory; the whole workspace when omitted.")] string? Path = null);

internal sealed class DiffTool : Tool<DiffArgs>
{
    protected override string Name => "diff";

    protected override string Description => "Show a unified diff of the workspace against the task's starting files.";

    protected override Task<ToolResult> ExecuteAsync(DiffArgs args, ToolContext context, CancellationToken cancellationToken)
    {
        var target = context.Workspace.Resolve(args.Path);
        var text = WorkspaceDiff.Create(context.Workspace.StartDirectory, context.Workspace.Root, target.RelativePath);
        if (text.Length == 0) return Task.FromResult(ToolResult.Ok($"No changes against the starting files{(target.RelativePath == "." ? "" : $" in {target.RelativePath}")}."));
        var bytes = Encoding.UTF8.GetByteCount(text);
        if (bytes > context.Limits.DiffMaxBytes)
        {
            var cut = text[..Math.Min(text.Length, context.Limits.DiffMaxBytes)];
            cut = cut[..(cut.LastIndexOf('\n') + 1)];
            var shownLines = cut.Count(c => c == '\n');
            var totalLines = text.Count(c => c == '\n');
            text = cut + $"[Diff cut: showing {shownLines} of {totalLines} lines ({bytes:N0} bytes in all). Call diff with a path to see one file.]";
        }
        return Task.FromResult(ToolResult.Ok(text.TrimEnd('\n')));
    }
}
