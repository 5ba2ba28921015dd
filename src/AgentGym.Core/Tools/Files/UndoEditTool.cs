using System.ComponentModel;

namespace AgentGym.Core.Tools;

internal sealed record UndoEditArgs([property: Description("File path relative to the workspace root.")] string Path);

internal sealed class UndoEditTool : Tool<UndoEditArgs>
{
    protected override string Name => ToolNames.UndoEdit;

    protected override string Description => "Restore the version of a file from before the last edit_file, write_file or insert_lines on it.";

    protected override Task<ToolResult> ExecuteAsync(UndoEditArgs args, ToolContext context, CancellationToken cancellationToken)
    {
        var path = context.Workspace.Resolve(args.Path);
        if (!context.Workspace.TryUndo(path, out var deleted))
            throw new ToolFailure($"There is no edit of '{path.RelativePath}' to undo.");
        var remaining = context.Workspace.UndoDepth(path.RelativePath);
        return Task.FromResult(ToolResult.Ok(deleted
            ? $"Undid the creation of {path.RelativePath}: the file is removed."
            : $"Restored the previous version of {path.RelativePath} ({remaining} earlier edit(s) can still be undone)."));
    }
}
