namespace AgentGym.Core.Scoring;

/// <summary>Protected regions (task.verification.protected) compared with the starting files.</summary>
public sealed record ProtectedCheck : VerdictCheck
{
    public required IReadOnlyList<ProtectedRegionResult> Regions { get; init; }
}

public sealed record ProtectedRegionResult(string File, string? StartMarker, bool Unchanged, string Detail);

/// <summary>
/// What verification runs: only source text, within the task's size budget. Binary files (a checkpoint, say) are left
/// out of every verification run; a submission over the budget is refused. Files are paths relative to the workspace.
/// </summary>
public sealed record SourceCheck : VerdictCheck
{
    /// <summary>Bytes of text the submission may hold (task.verification.source_budget_bytes).</summary>
    public required long BudgetBytes { get; init; }

    public required long TotalBytes { get; init; }
    public required IReadOnlyList<SourceFile> Files { get; init; }
    public required IReadOnlyList<SourceFile> Excluded { get; init; }
}

/// <param name="Note">Why a file was left out; null for files that were kept.</param>
public sealed record SourceFile(string Path, long Bytes, string? Note = null);
