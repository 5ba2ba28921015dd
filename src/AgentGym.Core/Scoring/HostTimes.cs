using System.Text.Json;
using AgentGym.Core.Json;
using AgentGym.Core.Tasks;

namespace AgentGym.Core.Scoring;

/// <summary>
/// The times a verification last measured for a task's records on this host, kept so that the next episode's task
/// prompt can give the agent this host's speeds instead of the manifest's reference figures.
/// </summary>
public sealed record HostTimes(string TaskId, double StartMs, double? NextMs, int Pairs, DateTimeOffset MeasuredAt, string Sandbox)
{
    public static string PathFor(string dataDirectory, string taskId) =>
        Path.Combine(SubmissionScorers.HostTimesDirectory(dataDirectory), string.Concat(taskId.Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '.' ? c : '_')) + ".json");

    /// <summary>The last measurement, or null when there is none (or it cannot be read).</summary>
    public static HostTimes? Load(string? dataDirectory, string taskId)
    {
        if (dataDirectory is null) return null;
        var path = PathFor(dataDirectory, taskId);
        try
        {
            return File.Exists(path) ? JsonSerializer.Deserialize<HostTimes>(File.ReadAllText(path), JsonDefaults.Options) : null;
        }
        catch (Exception ex) when (ex is JsonException or IOException or NotSupportedException)
        {
            return null;
        }
    }

    internal static async Task SaveAsync(ScoringOptions options, TaskManifest task, TimingCheck? timing, string sandbox, CancellationToken cancellationToken)
    {
        if (options.DataDirectory is null || timing is not { Passed: true }) return;
        var path = PathFor(options.DataDirectory, task.Id);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var temp = path + "." + Guid.NewGuid().ToString("N") + ".tmp";
        var times = new HostTimes(task.Id, timing.StartMs, timing.NextMs, timing.Pairs.Count, options.TimeProvider.GetUtcNow(), sandbox);
        await File.WriteAllTextAsync(temp, JsonSerializer.Serialize(times, JsonDefaults.Indented), cancellationToken).ConfigureAwait(false);
        File.Move(temp, path, overwrite: true);
    }
}
