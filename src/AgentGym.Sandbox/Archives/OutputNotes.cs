using System.Globalization;
using AgentGym.Core.Sandboxing;

namespace AgentGym.Sandbox.Archives;

/// <summary>What both backends say about a copy out of the sandbox: entries dropped as not plain files, files over the output cap.</summary>
internal static class OutputNotes
{
    /// <param name="announce">Receives each note as a harness line, so the log says it where it happened.</param>
    public static SandboxRunResult Apply(SandboxRunResult result, ExtractReport report, string from, long maxBytes, Action<string> announce)
    {
        if (report.Dropped.Count > 0)
        {
            var note = $"{report.Dropped.Count} entries in {from} were not plain files and were dropped: {List(report.Dropped)}";
            announce("[sandbox] " + note);
            result = result with { Reason = result.Reason + "; " + note };
        }
        if (report.OverCap.Count > 0)
        {
            var note = string.Create(CultureInfo.InvariantCulture,
                $"met the output cap: {from} held more than the {maxBytes:N0} bytes this run may keep, so {report.OverCap.Count} files were not copied: {List(report.OverCap)}");
            announce("[sandbox] " + note);
            result = RunLimits.With(result, RunLimits.Outputs, note);
        }
        return result;
    }

    private static string List(IReadOnlyList<string> names) =>
        string.Join(", ", names.Take(10)) + (names.Count > 10 ? $" and {names.Count - 10} more" : "");
}
