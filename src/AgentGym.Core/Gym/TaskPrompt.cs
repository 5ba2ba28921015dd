using System.Globalization;
using System.Text;
using AgentGym.Core.Tasks;

namespace AgentGym.Core.Gym;

/// <summary>The reset observation: the task, its target, the starting files, and the hints of the chosen regime.</summary>
internal static class TaskPrompt
{
    /// <param name="hostTimes">The times a verification last measured for this task's records on this host, if any.</param>
    public static string Render(TaskManifest task, HintRegime hints, IReadOnlyList<string> files, Scoring.HostTimes? hostTimes = null)
    {
        var sb = new StringBuilder();
        sb.Append("# ").Append(task.Title).Append("\n\n").Append(task.Description.Trim()).Append("\n\n");
        // Speeds relative to the starting record: absolute reference times were measured on another machine and
        // say little about this one; the reward is measured against the starting record timed beside the submission.
        var speedup = task.BaselineTime.MeanMs / task.RecordTime.MeanMs;
        sb.Append(CultureInfo.InvariantCulture, $"Goal: reach a held-out validation loss of at most {task.TargetValLoss} in less training time than the starting script. ");
        sb.Append(CultureInfo.InvariantCulture, $"The next known record trains {speedup:F2}x faster than the starting script (reference measurements); matching it earns FSR 1.\n");
        if (hostTimes is not null)
            sb.Append(string.Create(CultureInfo.InvariantCulture, $"On this host, verification last timed the starting script at {hostTimes.StartMs / 1000:F1} s of training"))
              .Append(hostTimes.NextMs is { } next ? string.Create(CultureInfo.InvariantCulture, $" and the next record at {next / 1000:F1} s") : "").Append(".\n");
        sb.Append("The score comes from re-running your submitted code in fresh sandboxes, alternately with the starting script on the same host and on a fresh ");
        sb.Append("permutation of the vocabulary: verified held-out loss and host-measured time (all training work counts, wherever it happens), never what the script prints alone. ");
        sb.Append("Only source text is re-run, and the script must train for a fixed number of steps. ");
        sb.Append("Verification runs set AGENTGYM_VAL_EVERY so that a script validates only at its last step; time spent validating beyond that counts as training.\n\n");
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
