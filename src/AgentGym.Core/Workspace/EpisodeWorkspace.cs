
namespace AgentGym.Core.Workspace;

/// <summary>
/// The files an agent edits, the pristine starting files they are diffed against, and the per-file edit history
/// behind undo_edit.
/// </summary>
internal sealed class EpisodeWorkspace
{
    /// <summary>Versions kept per file for undo; older ones are forgotten so a long episode cannot grow without bound.</summary>
    public const int MaxUndoDepth = 50;

    private readonly Dictionary<string, LinkedList<byte[]?>> _history = new(StringComparer.Ordinal);

    public EpisodeWorkspace(string workspaceDirectory, string startDirectory)
    {
        Paths = new WorkspacePaths(workspaceDirectory);
        StartDirectory = Path.GetFullPath(startDirectory);
    }

    public WorkspacePaths Paths { get; }

    public string Root => Paths.Root;

    public string StartDirectory { get; }

    public ResolvedPath Resolve(string? path) => Paths.Resolve(path);

    public string ReadText(string? path) => TextFiles.Read(Resolve(path));

    /// <summary>
    /// Writes a file and remembers what was there before, so that undo_edit can restore it. Every tool writes through
    /// here: content that breaks the text rule is refused before anything is written, and a file that began with a
    /// UTF-8 BOM keeps it (the tools never show the BOM, so no edit can mean to drop it).
    /// </summary>
    public void WriteText(ResolvedPath path, string content)
    {
        if (Directory.Exists(path.FullPath))
            throw new ToolFailure($"'{path.RelativePath}' is a directory.");
        if (TextRule.Problem(content) is { } problem)
            throw new ToolFailure($"Nothing was written: the new content of {path.RelativePath} holds {problem}; {TextRule.Statement}. Remove or replace that character and try again.");
        byte[]? previous = File.Exists(path.FullPath) ? File.ReadAllBytes(path.FullPath) : null;
        var bom = previous is not null && TextFiles.HasBom(previous) && !content.StartsWith('\uFEFF');
        TextFiles.Write(path.FullPath, bom ? "\uFEFF" + content : content);
        Remember(path.RelativePath, previous);
    }

    public bool TryUndo(ResolvedPath path, out bool deleted)
    {
        deleted = false;
        if (!_history.TryGetValue(path.RelativePath, out var versions) || versions.Count == 0) return false;
        var previous = versions.Last!.Value;
        versions.RemoveLast();
        if (previous is null)
        {
            File.Delete(path.FullPath);
            deleted = true;
        }
        else
        {
            File.WriteAllBytes(path.FullPath, previous);
        }
        return true;
    }

    public int UndoDepth(string relativePath) => _history.TryGetValue(relativePath, out var s) ? s.Count : 0;

    private void Remember(string relativePath, byte[]? previous)
    {
        if (!_history.TryGetValue(relativePath, out var versions)) _history[relativePath] = versions = new LinkedList<byte[]?>();
        versions.AddLast(previous);
        if (versions.Count > MaxUndoDepth) versions.RemoveFirst();
    }
}
