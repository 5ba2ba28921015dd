using System.Globalization;

namespace AgentGym.Core.Gym;

internal static class EpisodeIds
{
    /// <summary>Readable, sortable and unique: task-name_yyyyMMdd-HHmmss_xxxxxx.</summary>
    public static string Create(string taskId, DateTimeOffset now)
    {
        var name = new string(taskId.Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' ? c : '-').ToArray());
        return $"{name}_{now.UtcDateTime.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture)}_{Guid.NewGuid().ToString("N")[..6]}";
    }
}
