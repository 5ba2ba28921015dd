using System.Text.Json;
using AgentGym.Core.Json;

namespace AgentGym.Core.Trajectories;

public static class TrajectoryReader
{
    /// <summary>Reads a trajectory file; a malformed line is reported with its line number.</summary>
    public static IReadOnlyList<TrajectoryEntry> Read(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"Trajectory file '{path}' does not exist.", path);
        var entries = new List<TrajectoryEntry>();
        var number = 0;
        foreach (var line in File.ReadLines(path))
        {
            number++;
            if (string.IsNullOrWhiteSpace(line)) continue;
            try
            {
                entries.Add(JsonSerializer.Deserialize<TrajectoryEntry>(line, JsonDefaults.Options)
                    ?? throw new JsonException("the line is null"));
            }
            catch (JsonException ex)
            {
                throw new InvalidDataException($"{path}, line {number}: not a trajectory entry ({ex.Message}).", ex);
            }
        }
        return entries;
    }
}
