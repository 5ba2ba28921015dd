using AgentGym.Core.Tasks;
using AgentGym.Core.Workspace;

namespace AgentGym.Core.Scoring;

/// <summary>
/// Copies what verification may run: the submission's text files, within the task's byte budget. Anything that is
/// not text (a checkpoint a run left behind, a pickled table) is left out, so the verified runs train from source
/// alone; a submission whose text exceeds the budget (a model pasted in as a literal) is refused.
/// </summary>
internal static class SourceSnapshot
{
    public const long MinimumBudgetBytes = 32 * 1024;

    /// <summary>The task's budget, or twice the starting files' size and at least <see cref="MinimumBudgetBytes"/>.</summary>
    public static long Budget(TaskManifest task, string startDirectory) =>
        task.Verification.SourceBudgetBytes
        ?? Math.Max(MinimumBudgetBytes, 2 * Directory.EnumerateFiles(startDirectory, "*", SearchOption.AllDirectories).Sum(f => new FileInfo(f).Length));

    public static SourceCheck Collect(TaskManifest task, string codeDirectory, string startDirectory, string destination)
    {
        var budget = Budget(task, startDirectory);
        var kept = new List<SourceFile>();
        var excluded = new List<SourceFile>();
        Directory.CreateDirectory(destination);
        foreach (var file in Directory.EnumerateFiles(codeDirectory, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            var relative = Path.GetRelativePath(codeDirectory, file).Replace('\\', '/');
            var info = new FileInfo(file);
            if (info.LinkTarget is not null)
            {
                excluded.Add(new SourceFile(relative, 0, "a link, not a file"));
                continue;
            }
            var bytes = File.ReadAllBytes(file);
            if (!IsText(bytes, relative, out var why))
            {
                excluded.Add(new SourceFile(relative, bytes.Length, why));
                continue;
            }
            kept.Add(new SourceFile(relative, bytes.Length));
            var target = Path.Combine(destination, relative);
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.WriteAllBytes(target, bytes);
        }
        var total = kept.Sum(f => f.Bytes);
        var over = total > budget;
        return new SourceCheck
        {
            Passed = !over && kept.Count > 0,
            Reason = over
                ? $"the submission holds {total:N0} bytes of source text, more than the task's budget of {budget:N0} (largest: {string.Join(", ", kept.OrderByDescending(f => f.Bytes).Take(3).Select(f => $"{f.Path} {f.Bytes:N0}"))})"
                : kept.Count == 0 ? "the submission holds no text files" : null,
            BudgetBytes = budget,
            TotalBytes = total,
            Files = kept,
            Excluded = excluded,
        };
    }

    private static bool IsText(byte[] bytes, string path, out string? why)
    {
        try
        {
            TextFiles.Decode(bytes, path);
            why = null;
            return true;
        }
        catch (ToolFailure ex)
        {
            why = "not source text: " + ex.Message;
            return false;
        }
    }
}
