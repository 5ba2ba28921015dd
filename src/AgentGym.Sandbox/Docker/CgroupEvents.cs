using System.Globalization;
using System.Text;
using Docker.DotNet;

namespace AgentGym.Sandbox.Docker;

/// <summary>
/// What the kernel counted against the container's limits: OOM kills (v2 memory.events, v1 memory.oom_control) and
/// refused forks (pids.events "max", v2 and v1). Read inside the container after the command, so a run that met a
/// limit says so even when it exited 0. State.OOMKilled alone is not enough: engines set it only when the container's
/// main process dies, and here the command is an exec.
/// </summary>
internal readonly record struct CgroupEvents(long OomKills, long PidsRefused)
{
    private const string Separator = "--agentgym-pids--";

    public static async Task<CgroupEvents> ReadAsync(RunContainer container, CancellationToken cancellationToken)
    {
        try
        {
            var inspect = await container.InspectAsync(cancellationToken).ConfigureAwait(false);
            var oomFlag = inspect?.State?.OOMKilled == true ? 1 : 0;
            if (inspect?.State?.Running != true) return new CgroupEvents(oomFlag, 0);
            var sink = new MemoryStream();
            var script = $"cat /sys/fs/cgroup/memory.events /sys/fs/cgroup/memory/memory.oom_control 2>/dev/null; echo {Separator}; cat /sys/fs/cgroup/pids.events /sys/fs/cgroup/pids/pids.events 2>/dev/null; true";
            await container.ExecAsync(["sh", "-c", script], stdin: null, stdout: sink, cancellationToken).ConfigureAwait(false);
            var parsed = Parse(Encoding.UTF8.GetString(sink.ToArray()));
            return parsed with { OomKills = Math.Max(parsed.OomKills, oomFlag) };
        }
        catch (Exception ex) when (ex is DockerApiException or SandboxSetupException or HttpRequestException or IOException)
        {
            // A container that cannot even start `cat` (every pid held) tells nothing; the run's own outcome stands.
            return default;
        }
    }

    /// <summary>The memory part, then <see cref="Separator"/>, then the pids part.</summary>
    internal static CgroupEvents Parse(string text)
    {
        var cut = text.IndexOf(Separator, StringComparison.Ordinal);
        var memory = cut < 0 ? text : text[..cut];
        var pids = cut < 0 ? "" : text[(cut + Separator.Length)..];
        return new CgroupEvents(Count(memory, "oom_kill"), Count(pids, "max"));
    }

    internal static long CountOomKills(string cgroupText) => Count(cgroupText, "oom_kill");

    private static long Count(string text, string key)
    {
        long total = 0;
        foreach (var line in text.Split('\n'))
        {
            var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length == 2 && parts[0] == key && long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var n)) total += n;
        }
        return total;
    }
}
