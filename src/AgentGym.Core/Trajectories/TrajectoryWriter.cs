using System.Text;
using System.Text.Json;
using AgentGym.Core.Json;

namespace AgentGym.Core.Trajectories;

/// <summary>
/// Appends entries to a JSON Lines file. Each line is handed to the operating system before Append returns, so a
/// crash or kill of this process loses nothing; with fsync, it is also on the disk (surviving a machine crash, at a
/// cost of milliseconds a step).
/// </summary>
internal sealed class TrajectoryWriter : IDisposable
{
    private readonly FileStream _stream;
    private readonly bool _fsync;

    public TrajectoryWriter(string path, bool fsync)
    {
        Path = path;
        _fsync = fsync;
        _stream = new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.Read);
    }

    public string Path { get; }

    public void Append(TrajectoryEntry entry)
    {
        var line = JsonSerializer.Serialize(entry, JsonDefaults.Options) + "\n";
        _stream.Write(Encoding.UTF8.GetBytes(line));
        _stream.Flush(flushToDisk: _fsync);
    }

    public void Dispose() => _stream.Dispose();
}
