using System.Text;
using AgentGym.Core.Runs;
using AgentGym.Core.Sandboxing;

namespace AgentGym.Core.Scoring;

/// <summary>
/// Collects a verification run's output with the time the sandbox stamped on each line (the timing check trusts the
/// host, not the script). Metrics are parsed from every stdout line; the kept log text is capped, and the
/// cap is stated in the log, never silent.
/// </summary>
internal sealed class CollectingOutput(TimeProvider time, long startTimestamp, long maxLogBytes = 8 * 1024 * 1024) : ISandboxOutput
{
    private readonly Lock _gate = new();
    private readonly List<MetricEvent> _metrics = [];
    private readonly StringBuilder _log = new();
    private readonly List<string> _stdout = [];
    private long _dropped;

    public void OnLine(SandboxLine line)
    {
        // The sandbox's stamp: the arrival time for Docker and local runs, the compute node's own clock for Slurm, so
        // that a shared file system's delay does not look like a clock that lies.
        var hostMs = time.GetElapsedTime(startTimestamp, line.HostTimestamp).TotalMilliseconds;
        MetricEvent? metric = null;
        try
        {
            metric = line.Stream == OutputStream.Stdout ? SpeedrunLogParser.TryParse(line.Text, hostMs) : null;
        }
        catch (Exception ex) when (ex is FormatException or OverflowException or ArgumentException)
        {
            // The raw line is kept below whatever the parser makes of it.
        }
        lock (_gate)
        {
            if (metric is not null) _metrics.Add(metric);
            if (line.Stream == OutputStream.Stdout && _stdout.Count < 10_000) _stdout.Add(line.Text);
            else if (line.Stream == OutputStream.Stdout) _stdout[^1] = line.Text; // keep the last line: the verifier's verdict
            if (_log.Length + line.Text.Length > maxLogBytes)
            {
                _dropped++;
                return;
            }
            var prefix = line.Stream switch { OutputStream.Stderr => "[stderr] ", OutputStream.Harness => "[harness] ", _ => "" };
            _log.Append(System.Globalization.CultureInfo.InvariantCulture, $"{hostMs,10:F0} {prefix}{line.Text}\n");
        }
    }

    public IReadOnlyList<MetricEvent> Metrics() { lock (_gate) return _metrics.ToList(); }

    public IReadOnlyList<string> StdoutLines() { lock (_gate) return _stdout.ToList(); }

    public string LogText()
    {
        lock (_gate)
            return _dropped == 0 ? _log.ToString() : _log + $"[agentgym] log cap of {maxLogBytes:N0} bytes reached; {_dropped:N0} lines dropped (metrics were still parsed).\n";
    }
}
