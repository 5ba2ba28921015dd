using AgentGym.Core.Tasks;

namespace AgentGym.Core.Scoring;

internal static class ProtectedChecks
{
    public static ProtectedCheck Build(TaskManifest task, string startDirectory, string codeDirectory)
    {
        var results = ProtectedContent.Check(task.Verification.Protected, startDirectory, codeDirectory);
        var changed = results.Where(r => !r.Unchanged).ToList();
        return new ProtectedCheck
        {
            Passed = changed.Count == 0,
            Reason = changed.Count == 0 ? null : string.Join("; ", changed.Select(r => $"{r.File}{(r.StartMarker is null ? "" : $" [{r.StartMarker}]")}: {r.Detail}")),
            Regions = [.. results.Select(r => new ProtectedRegionResult(r.File, r.StartMarker, r.Unchanged, r.Detail))],
        };
    }
}
