using System.Text;
using System.Text.Json;
using AgentGym.Core.Json;
using AgentGym.Core.Sandboxing;

namespace AgentGym.Core.Runs;

/// <summary>
/// One training run of an episode: its log (capped, with the cap stated), parsed metrics, and outcome. Lines arrive on
/// the sandbox's reader thread while tools read from the agent's; everything goes through one lock.
/// </summary>
internal sealed class TrainingRun : ISandboxOutput
{
    private readonly Lock _gate = new();
    private readonly List<LogEntry> _lines = [];
    private readonly List<MetricEvent> _metrics = [];
    private readonly List<RunEvent> _events = [];
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly RunOptions _options;
    private readonly TimeProvider _time;
    private readonly StreamWriter _log;
    private readonly StreamWriter _metricsFile;
    private long _storedBytes;
    private long _droppedLines;
    private bool _capAnnounced;
    private long? _stalledSince;
    private TimeSpan _stalledBefore;

    public TrainingRun(string id, int number, string directory, RunOptions options, TimeProvider time)
    {
        Id = id;
        Number = number;
        Directory = directory;
        _options = options;
        _time = time;
        StartTimestamp = time.GetTimestamp();
        System.IO.Directory.CreateDirectory(directory);
        _log = new StreamWriter(Path.Combine(directory, "log.txt"), append: false, new UTF8Encoding(false));
        _metricsFile = new StreamWriter(Path.Combine(directory, "metrics.jsonl"), append: false, new UTF8Encoding(false)) { AutoFlush = true };
    }

    public string Id { get; }
    public int Number { get; }
    public string Directory { get; }
    public string WorkspaceSnapshot => Path.Combine(Directory, "workspace");
    public string OutputDirectory => Path.Combine(Directory, "outputs");
    public long StartTimestamp { get; }
    public CancellationTokenSource Cancellation { get; } = new();
    public Task<SandboxRunResult> Completion { get; set; } = Task.FromResult<SandboxRunResult>(null!);
    public SandboxRunResult? Result { get; private set; }

    public RunState State => Result is null ? RunState.Running : (RunState)(int)Result.Outcome + 1;

    /// <summary>Time the run has made progress: wall time less the stalls (a paused container is not training).</summary>
    public TimeSpan Elapsed => Result is { } r ? r.WallTime - r.StalledTime : _time.GetElapsedTime(StartTimestamp) - StalledTime;

    /// <summary>True while a stall reported by the sandbox goes on.</summary>
    public bool IsStalled { get { lock (_gate) return Result is null && _stalledSince is not null; } }

    /// <summary>Summed stalls: the sandbox's figure once the run ended, else those reported so far (one going on counts up to now).</summary>
    public TimeSpan StalledTime
    {
        get
        {
            lock (_gate)
            {
                if (Result is { } r) return r.StalledTime;
                return _stalledBefore + (_stalledSince is { } since ? _time.GetElapsedTime(since) : TimeSpan.Zero);
            }
        }
    }

    public void OnStall(SandboxStall stall)
    {
        lock (_gate)
        {
            if (stall.Stalled) _stalledSince ??= stall.HostTimestamp;
            else if (_stalledSince is { } since)
            {
                _stalledBefore += _time.GetElapsedTime(since, stall.HostTimestamp);
                _stalledSince = null;
            }
        }
    }

    public double HostMs(long timestamp) => _time.GetElapsedTime(StartTimestamp, timestamp).TotalMilliseconds;

    public void OnLine(SandboxLine line)
    {
        var hostMs = HostMs(line.HostTimestamp);
        var text = line.Text.Length > _options.MaxLineChars
            ? line.Text[.._options.MaxLineChars] + $" [line cut: {line.Text.Length - _options.MaxLineChars:N0} more characters]"
            : line.Text;
        var metric = line.Stream == OutputStream.Stdout ? SpeedrunLogParser.TryParse(line.Text, hostMs) : null;
        lock (_gate)
        {
            if (metric is not null)
            {
                _metrics.Add(metric);
                _metricsFile.WriteLine(JsonSerializer.Serialize(metric, JsonDefaults.Options));
            }
            StoreLine(line.Stream, text, hostMs);
            if (metric is not null) Publish(new RunEvent { Sequence = _events.Count, Kind = RunEvent.MetricKind, HostMs = hostMs, Metric = metric });
        }
    }

    /// <summary>Keeps a line within the log cap; beyond it, counts it and announces the cap once.</summary>
    private void StoreLine(OutputStream stream, string text, double hostMs)
    {
        var size = Encoding.UTF8.GetByteCount(text) + 1;
        if (_storedBytes + size > _options.MaxLogBytes)
        {
            _droppedLines++;
            if (!_capAnnounced)
            {
                _capAnnounced = true;
                AddLine(OutputStream.Harness, $"[agentgym] log cap of {_options.MaxLogBytes:N0} bytes reached at line {_lines.Count + 1}; further lines are counted but not kept (metrics are still parsed).", hostMs);
            }
            return;
        }
        _storedBytes += size;
        AddLine(stream, text, hostMs);
    }

    private void AddLine(OutputStream stream, string text, double hostMs)
    {
        _lines.Add(new LogEntry(stream, text, hostMs));
        _log.WriteLine(text);
        Publish(new RunEvent { Sequence = _events.Count, Kind = RunEvent.LogKind, HostMs = hostMs, Stream = StreamName(stream), Text = text });
    }

    private static string StreamName(OutputStream stream) => stream switch
    {
        OutputStream.Stdout => "stdout",
        OutputStream.Stderr => "stderr",
        _ => "harness",
    };

    /// <summary>Appends an event and wakes every watcher; called under the lock.</summary>
    private void Publish(RunEvent runEvent)
    {
        _events.Add(runEvent);
        var changed = _changed;
        _changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        changed.TrySetResult();
    }

    /// <summary>Every event from the first, then live ones as they come, until the run ends.</summary>
    public async IAsyncEnumerable<RunEvent> WatchAsync([System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var next = 0;
        while (true)
        {
            RunEvent[] batch;
            Task changed;
            bool ended;
            lock (_gate)
            {
                batch = _events.Count > next ? _events.GetRange(next, _events.Count - next).ToArray() : [];
                changed = _changed.Task;
                ended = Result is not null;
            }
            foreach (var e in batch) yield return e;
            next += batch.Length;
            if (ended && batch.Length == 0) yield break;
            if (batch.Length == 0) await changed.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    public void Complete(SandboxRunResult result)
    {
        lock (_gate)
        {
            var endMs = HostMs(result.EndTimestamp);
            if (_droppedLines > 0) AddLine(OutputStream.Harness, $"[agentgym] {_droppedLines:N0} lines after the log cap were dropped.", endMs);
            AddLine(OutputStream.Harness, $"[agentgym] run {Id} ended: {result.Outcome}{(result.ExitCode is { } c ? $" (exit code {c})" : "")}; {result.Reason}", endMs);
            _log.Flush();
            Result = result;
            Publish(new RunEvent { Sequence = _events.Count, Kind = RunEvent.EndKind, HostMs = endMs, State = JsonNamingPolicy.SnakeCaseLower.ConvertName(State.ToString()) });
        }
    }

    public (IReadOnlyList<LogEntry> Lines, long DroppedLines, bool Capped) Snapshot()
    {
        lock (_gate) return (_lines.ToList(), _droppedLines, _capAnnounced);
    }

    public IReadOnlyList<MetricEvent> Metrics()
    {
        lock (_gate) return _metrics.ToList();
    }

    public void CloseFiles()
    {
        lock (_gate)
        {
            _log.Dispose();
            _metricsFile.Dispose();
        }
    }
}

internal readonly record struct LogEntry(OutputStream Stream, string Text, double HostMs);
