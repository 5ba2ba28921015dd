using System.ComponentModel;
using System.Text;

namespace AgentGym.Core.Tools;

internal sealed record WriteFileArgs(
    [property: Description("File path relative to the workspace root; parent directories are created.")] string Path,
    [property: Description("The complete new content of the file.")] string Content);

internal sealed class WriteFileTool : Tool<WriteFileArgs>
{
    protected override string Name => ToolNames.WriteFile;

    protected override string Description => "Create a file or overwrite it with new content (undo_edit restores the previous version).";

    protected override Task<ToolResult> ExecuteAsync(WriteFileArgs args, ToolContext context, CancellationToken cancellationToken)
    {
        var size = Encoding.UTF8.GetByteCount(args.Content);
        if (size > context.Limits.WriteMaxBytes)
            throw new ToolFailure($"Content is {size:N0} bytes; write_file accepts at most {context.Limits.WriteMaxBytes:N0} bytes.");
        var path = context.Workspace.Resolve(args.Path);
        var existed = File.Exists(path.FullPath);
        context.Workspace.WriteText(path, args.Content);
        var lines = args.Content.Length == 0 ? 0 : Workspace.TextFiles.SplitLines(args.Content).Count;
        return Task.FromResult(ToolResult.Ok($"{(existed ? "Overwrote" : "Created")} {path.RelativePath} ({lines} lines, {size:N0} bytes)."));
    }
}
