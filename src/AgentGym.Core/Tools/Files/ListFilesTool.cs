using System.ComponentModel;
using System.Text;

namespace AgentGym.Core.Tools;

internal sealed record ListFilesArgs([property: Description("Directory relative to the workspace root; the root when omitted.")] string? Path = null);

internal sealed class ListFilesTool : Tool<ListFilesArgs>
{
    protected override string Name => ToolNames.ListFiles;

    public override string SeeTheRest => "call list_files with a subdirectory path";

    protected override string Description => "List the files in the workspace (recursively) with their sizes in bytes.";

    protected override Task<ToolResult> ExecuteAsync(ListFilesArgs args, ToolContext context, CancellationToken cancellationToken)
    {
        var dir = context.Workspace.Resolve(args.Path);
        if (File.Exists(dir.FullPath)) return Task.FromResult(ToolResult.Ok($"{dir.RelativePath}  {new FileInfo(dir.FullPath).Length} bytes"));
        if (!Directory.Exists(dir.FullPath)) throw new ToolFailure($"Directory '{dir.RelativePath}' does not exist.");

        var entries = new List<string>();
        var total = 0;
        Walk(new DirectoryInfo(dir.FullPath));
        var sb = new StringBuilder();
        sb.Append(dir.RelativePath == "." ? "Workspace root" : dir.RelativePath).Append(':').Append('\n');
        foreach (var e in entries) sb.Append(e).Append('\n');
        if (total == 0) sb.Append("(empty)\n");
        if (total > entries.Count)
            sb.Append($"[Listing cut: showing {entries.Count} of {total} entries. Call list_files with a subdirectory path to see the rest.]\n");
        return Task.FromResult(ToolResult.Ok(sb.ToString().TrimEnd()));

        void Walk(DirectoryInfo current)
        {
            foreach (var entry in current.EnumerateFileSystemInfos().OrderBy(e => e.Name, StringComparer.Ordinal))
            {
                total++;
                var rel = context.Workspace.Paths.Relative(entry.FullName);
                string line = entry switch
                {
                    _ when entry.LinkTarget is not null => $"{rel} -> {entry.LinkTarget} (symbolic link)",
                    DirectoryInfo => $"{rel}/",
                    FileInfo f => $"{rel}  {f.Length} bytes",
                    _ => rel,
                };
                if (entries.Count < context.Limits.ListMaxEntries) entries.Add(line);
                if (entry is DirectoryInfo sub && entry.LinkTarget is null) Walk(sub);
            }
        }
    }
}
