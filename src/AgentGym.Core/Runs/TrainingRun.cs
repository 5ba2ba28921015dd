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
    private long _faults;
    private long _summaryWrittenAt;
    private readonly Lock _summaryGate = new();
    private static readonly TimeSpan SummaryInterval = TimeSpan.FromSeconds(1);

    public TrainingRun(string id, int number, string directory, RunOptions options, TimeProvider time)
    {
        Id = id;
        Number = number;
        Directory = directory;
        _options = options;
        _time = time;
        StartTimestamp = time.GetTimestamp();
        System.IO.Directory.CreateDirectory(directory);
        // Flushed line by line, like metrics.jsonl: a killed server must leave the log it had, not an empty file.
        _log = new StreamWriter(Path.Combine(directory, "log.txt"), append: false, new UTF8Encoding(false)) { AutoFlush = true };
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

    public RunState State => Result switch
    {
        null => RunState.Running,
        { Outcome: RunOutcome.Succeeded } when Divergence is not null => RunState.Diverged,
        _ => (RunState)(int)Result.Outcome + 1,
    };

    public TimeSpan Elapsed => Result?.WallTime ?? _time.GetElapsedTime(StartTimestamp);

    public double HostMs(long timestamp) => _time.GetElapsedTime(StartTimestamp, timestamp).TotalMilliseconds;

    /// <summary>
    /// Keeps the raw line first (log.txt, flushed, and its log event), then runs the handlers that read it: metric
    /// parsing, metrics.jsonl, the live summary. A handler that throws costs its own work on that line, is announced
    /// once in the log, and never costs a line.
    /// </summary>
    public void OnLine(SandboxLine line)
    {
        var hostMs = HostMs(line.HostTimestamp);
        var text = line.Text.Length > _options.MaxLineChars
            ? line.Text[.._options.MaxLineChars] + $" [line cut: {line.Text.Length - _options.MaxLineChars:N0} more characters]"
            : line.Text;
        MetricEvent? metric = null;
        var diverged = false;
        lock (_gate)
        {
            StoreLine(line.Stream, text, hostMs);
            if (line.Stream != OutputStream.Stdout) return;
            try
            {
                metric = SpeedrunLogParser.TryParse(line.Text, hostMs);
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                Fault("parse metrics from", ex, hostMs);
            }
            if (metric is null) return;
            _metrics.Add(metric);
            if (metric.Diverged && Divergence is null)
            {
                Divergence = metric;
                diverged = true;
            }
            try
            {
                _metricsFile.WriteLine(JsonSerializer.Serialize(metric, JsonDefaults.Options));
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                Fault("write metrics.jsonl for", ex, hostMs);
            }
            Publish(new RunEvent { Sequence = _events.Count, Kind = RunEvent.MetricKind, HostMs = hostMs, Metric = metric });
        }
        // At once when the run diverges (news a reader must not miss), else at most once a second.
        if (diverged || _time.GetElapsedTime(Interlocked.Read(ref _summaryWrittenAt)) >= SummaryInterval) WriteSummary();
    }

    /// <summary>Announces a handler's failure once (later ones are counted); the line stays in the log either way.</summary>
    private void Fault(string what, Exception ex, double hostMs)
    {
        if (_faults++ > 0) return;
        AddLine(OutputStream.Harness, $"[agentgym] could not {what} log line {_lines.Count}: {ex.Message} (the line is kept; later failures are counted)", hostMs);
    }

    /// <summary>The first metric line with a non-finite loss; null while every loss was finite.</summary>
    public MetricEvent? Divergence { get; private set; }

    /// <summary>Why the run is where it is: the sandbox's reason, led by the divergence when there was one.</summary>
    public string? Reason => Result is null ? null : Divergence is null ? Result.Reason : $"{DescribeDivergence(Divergence)}; {Result.Reason}";

    internal static string DescribeDivergence(MetricEvent m) =>
        $"{string.Join(" and ", m.NonFinite!.Where(f => f.Key is MetricEvent.TrainLossField or MetricEvent.ValLossField).Select(f => $"{f.Key} was {f.Value}"))} at step {m.Step}";

    /// <summary>
    /// Writes run.json (atomically: a reader or a kill never sees half a file): at start, about once a second while
    /// metrics arrive, and at the end, so that a killed server still leaves the run described.
    /// </summary>
    public void WriteSummary()
    {
        Interlocked.Exchange(ref _summaryWrittenAt, _time.GetTimestamp());
        // Described inside the file's lock, so that a late writer cannot replace a newer state with an older one.
        lock (_summaryGate)
        {
            var json = RunSummary.Describe(this).ToJsonString(JsonDefaults.Indented);
            var path = Path.Combine(Directory, "run.json");
            try
            {
                File.WriteAllText(path + ".tmp", json);
                File.Move(path + ".tmp", path, overwrite: true);
            }
            catch (IOException)
            {
                // Disk full or the folder removed: the summary is retried at the next interval and at the end.
            }
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
        try
        {
            _log.WriteLine(text);
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException)
        {
            // The line is kept in memory and in the event stream; log.txt misses it (disk full, files closed).
        }
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
            if (_faults > 1) AddLine(OutputStream.Harness, $"[agentgym] {_faults:N0} log lines in all could not be read for metrics; they are kept in the log.", endMs);
            Result = result;
            AddLine(OutputStream.Harness, $"[agentgym] run {Id} ended: {State}{(result.ExitCode is { } c ? $" (exit code {c})" : "")}; {Reason}", endMs);
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
