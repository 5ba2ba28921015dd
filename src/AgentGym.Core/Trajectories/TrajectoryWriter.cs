using System.Text;
using System.Text.Json;
using AgentGym.Core.Json;

namespace AgentGym.Core.Trajectories;

/// <summary>Appends entries to a JSON Lines file, flushed to disk before Append returns.</summary>
internal sealed class TrajectoryWriter : IDisposable
{
    private readonly FileStream _stream;

    public TrajectoryWriter(string path)
    {
        Path = path;
        _stream = new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.Read);
    }

    public string Path { get; }

    public void Append(TrajectoryEntry entry)
    {
        var line = JsonSerializer.Serialize(entry, JsonDefaults.Options) + "\n";
        _stream.Write(Encoding.UTF8.GetBytes(line));
        _stream.Flush(flushToDisk: true);
    }

    public void Dispose() => _stream.Dispose();
}
