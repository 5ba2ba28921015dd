using System.Text;
using AgentGym.Core.Tasks;
using AgentGym.Core.Workspace;

namespace AgentGym.Core.Review;

/// <summary>What a reviewer reads about one submission.</summary>
/// <param name="TaskId">The task's id, e.g. tiny-shakespeare/record-2.</param>
/// <param name="Rules">The task's rules in words: its description, then its protected regions.</param>
/// <param name="Diff">The unified diff (diff -u, paths a/FILE and b/FILE) of the submitted files against the starting
/// files; empty when nothing changed. Line numbers on the + side are those of the submitted files.</param>
public sealed record ReviewRequest(string TaskId, string Rules, string Diff)
{
    /// <summary>
    /// The request for the code in <paramref name="codeDirectory"/>, diffed against the task's starting files in
    /// <paramref name="startDirectory"/> (both folders; a missing one counts as empty).
    /// </summary>
    public static ReviewRequest Create(TaskManifest task, string startDirectory, string codeDirectory)
    {
        ArgumentNullException.ThrowIfNull(task);
        return new ReviewRequest(task.Id, RulesOf(task), WorkspaceDiff.Create(startDirectory, codeDirectory));
    }

    /// <summary>The task's description followed by one line per protected file or region.</summary>
    public static string RulesOf(TaskManifest task)
    {
        ArgumentNullException.ThrowIfNull(task);
        var sb = new StringBuilder(task.Description.Trim());
        var regions = task.Verification.Protected;
        if (regions.Count > 0)
        {
            sb.Append("\n\nProtected content (must stay byte-for-byte unchanged; a separate check compares it):");
            foreach (var r in regions)
            {
                sb.Append("\n- ").Append(r.File);
                if (r.StartMarker is not null || r.EndMarker is not null)
                    sb.Append(": the lines from the one holding '").Append(r.StartMarker ?? "(start of file)")
                      .Append("' to the one holding '").Append(r.EndMarker ?? "(end of file)").Append("'");
                else sb.Append(": the whole file");
            }
        }
        return sb.ToString();
    }
}
