using System.Globalization;
using System.Text;
using AgentGym.Core.Environment;

namespace AgentGym.Core.Tasks;

/// <summary>The reset observation: the task, its target, the starting files, and the hints of the chosen regime.</summary>
internal static class TaskPrompt
{
    public static string Render(TaskManifest task, HintRegime hints, IReadOnlyList<string> files)
    {
        var sb = new StringBuilder();
        sb.Append("# ").Append(task.Title).Append("\n\n").Append(task.Description.Trim()).Append("\n\n");
        sb.Append(CultureInfo.InvariantCulture, $"Goal: reach a validation loss of at most {task.TargetValLoss} in less training time than the current record ");
        sb.Append(CultureInfo.InvariantCulture, $"({task.BaselineTime.MeanMs / 1000:F1} s). The next known record is {task.RecordTime.MeanMs / 1000:F1} s.\n");
        sb.Append("The score comes from re-running your submitted code in a fresh sandbox: verified loss and host-measured time, never what the script prints alone.\n\n");
        sb.Append("Workspace files: ").Append(files.Count == 0 ? "(none)" : string.Join(", ", files)).Append('\n');
        sb.Append("Run command: ").Append(string.Join(' ', task.EntryCommand)).Append('\n');
        foreach (var level in new[] { HintRegime.L1, HintRegime.L2, HintRegime.L3 })
        {
            if (!hints.HasFlag(level)) continue;
            var text = TaskFiles.ReadHint(task, level.ToString());
            if (text is null) continue;
            var title = level switch { HintRegime.L1 => "pseudocode", HintRegime.L2 => "description", _ => "mini-paper" };
            sb.Append("\n## Hint (").Append(level).Append(", ").Append(title).Append(")\n").Append(text.Trim()).Append('\n');
        }
        return sb.ToString().TrimEnd();
    }
}
