using System.Globalization;
using System.Text;
using AgentGym.Core.Sandboxing;
using AgentGym.Sandbox.Docker;
using AgentGym.Sandbox.Streams;

namespace AgentGym.Sandbox.Slurm;

/// <summary>
/// Follows one submitted job to its end. Output lines come from the node-stamped files on the shared folder; their
/// <see cref="SandboxLine.HostTimestamp"/> is the node's stamp carried over to the host's clock: host time of the
/// moment the start record was read, plus the node's time since the command started. Intervals between lines are
/// therefore the node's own, however late the shared file system delivers them. The result's wall time is the node's
/// (command start to end), never the queue's. squeue (then sacct, once squeue has forgotten the job) is asked every
/// <see cref="SlurmSandboxOptions.StatePollInterval"/> for the pending reason and for ends the wrapper could not report.
/// </summary>
internal sealed class SlurmJobWatch(SlurmCommands slurm, SlurmSandboxOptions options, TimeProvider time, long jobId, string runDirectory,
    SandboxRunRequest request, SerializedOutput sink)
{
    private static readonly TimeSpan CancelWait = TimeSpan.FromSeconds(30);

    /// <summary>After Slurm says the job ended, how long the shared folder may take to show the wrapper's end record.</summary>
    private static readonly TimeSpan EndRecordGrace = TimeSpan.FromSeconds(10);

    private readonly StampedFile _events = new(Path.Combine(runDirectory, SlurmJobScript.EventsFile));
    private readonly StampedFile _stdout = new(Path.Combine(runDirectory, SlurmJobScript.StdoutFile));
    private readonly StampedFile _stderr = new(Path.Combine(runDirectory, SlurmJobScript.StderrFile));
    private readonly LineSplitter _stdoutLines = new();
    private readonly LineSplitter _stderrLines = new();
    private long? _anchorHost;
    private long _startMicros;
    private string? _node;
    private string? _lastStderr;

    private sealed record EndRecord(long Micros, int Code, string Kind);

    public async Task<SandboxRunResult> RunAsync(CancellationToken cancellationToken)
    {
        var begin = time.GetTimestamp();
        var nextPoll = begin + Ticks(options.StatePollInterval);
        long? finishedSeenAt = null, cancelledAt = null;
        SlurmJobState? state = null;
        string? lastPending = null;
        while (true)
        {
            var (end, failure) = ReadEvents();
            ReadLines(final: end is not null);
            if (end is not null)
            {
                if (end.Kind == "cancelled" && cancelledAt is null) state = await QueryAsync(CancellationToken.None).ConfigureAwait(false) ?? state;
                if (cancelledAt is not null) await WaitUntilGoneAsync(cancelledAt.Value).ConfigureAwait(false);
                return Finish(end, cancelledAt is not null, state);
            }
            if (failure is not null)
                return Error(begin, $"job {jobId} could not start the run on node {_node ?? "?"}: {failure}");

            if (cancellationToken.IsCancellationRequested && cancelledAt is null)
            {
                cancelledAt = time.GetTimestamp();
                nextPoll = cancelledAt.Value;
                await slurm.RunAsync("scancel", [jobId.ToString(CultureInfo.InvariantCulture)], CancellationToken.None).ConfigureAwait(false);
                sink.OnLine(Harness($"[slurm] cancelling job {jobId} (scancel)"));
            }
            var now = time.GetTimestamp();
            if (cancelledAt is { } c && time.GetElapsedTime(c, now) > CancelWait)
                return Cancelled(begin, "cancelled; job did not report its end within 30 s of scancel");

            if (now >= nextPoll)
            {
                // After a cancel, look more often: the run returns as soon as Slurm has ended the job.
                nextPoll = now + Ticks(cancelledAt is null ? options.StatePollInterval : TimeSpan.FromMilliseconds(500));
                state = await QueryAsync(CancellationToken.None).ConfigureAwait(false) ?? state;
                if (state is { IsPending: true } pending)
                {
                    if (pending.Reason != lastPending)
                    {
                        lastPending = pending.Reason;
                        sink.OnLine(Harness($"[slurm] job {jobId} pending in the queue ({pending.Reason})"));
                    }
                    if (pending.CannotStart && cancelledAt is null)
                    {
                        await slurm.RunAsync("scancel", [jobId.ToString(CultureInfo.InvariantCulture)], CancellationToken.None).ConfigureAwait(false);
                        return Error(begin, $"job {jobId} can never start ({pending.Reason}): no node of the partition offers what it asks for ({Asked()}); cancelled it");
                    }
                    if (options.MaxPendingTime is { } max && time.GetElapsedTime(begin, now) > max && cancelledAt is null)
                    {
                        await slurm.RunAsync("scancel", [jobId.ToString(CultureInfo.InvariantCulture)], CancellationToken.None).ConfigureAwait(false);
                        return Error(begin, $"job {jobId} was still pending ({pending.Reason}) after {max.TotalSeconds:0} s; cancelled it");
                    }
                }
                if (state is { IsFinished: true })
                {
                    finishedSeenAt ??= now;
                    if (time.GetElapsedTime(finishedSeenAt.Value, now) > EndRecordGrace || cancelledAt is not null && _anchorHost is null)
                        return Unreported(begin, state, cancelledAt is not null);
                }
            }
            await Task.Delay(options.OutputPollInterval, time, CancellationToken.None).ConfigureAwait(false);
        }
    }

    /// <summary>After scancel, the job lingers in COMPLETING while Slurm reaps it; a cancelled run returns once it left the queue.</summary>
    private async Task WaitUntilGoneAsync(long cancelledAt)
    {
        while (time.GetElapsedTime(cancelledAt) < CancelWait)
        {
            if (await QueryAsync(CancellationToken.None).ConfigureAwait(false) is not { IsActive: true }) return;
            await Task.Delay(TimeSpan.FromMilliseconds(500), time, CancellationToken.None).ConfigureAwait(false);
        }
    }

    private (EndRecord? End, string? Failure) ReadEvents()
    {
        EndRecord? end = null;
        string? failure = null;
        foreach (var record in _events.ReadNew())
        {
            var text = Encoding.UTF8.GetString(record.Text.Span);
            var parts = text.Split(' ', 2);
            var rest = parts.Length > 1 ? parts[1] : "";
            switch (parts[0])
            {
                case "node":
                    _node = rest;
                    sink.OnLine(Harness($"[slurm] job {jobId} running on node {rest}"));
                    break;
                case "start":
                    _startMicros = record.EpochMicros;
                    _anchorHost = time.GetTimestamp();
                    break;
                case "end":
                    var f = rest.Split(' ');
                    end = new EndRecord(record.EpochMicros, f.Length > 0 && int.TryParse(f[0], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var code) ? code : -1, f.Length > 1 ? f[1] : "exit");
                    break;
                case "fail":
                    failure = rest;
                    break;
            }
        }
        return (end, failure);
    }

    private void ReadLines(bool final)
    {
        // Lines are placed on the host's clock through the start record; until it is read, leave them in the file.
        if (_anchorHost is null && !final) return;
        Emit(_stdout.ReadNew(final), _stdoutLines, OutputStream.Stdout, final);
        Emit(_stderr.ReadNew(final), _stderrLines, OutputStream.Stderr, final);
    }

    private void Emit(IReadOnlyList<StampedRecord> records, LineSplitter splitter, OutputStream stream, bool final)
    {
        foreach (var record in records)
        {
            var stamp = record.EpochMicros > 0 ? HostTimestamp(record.EpochMicros) : time.GetTimestamp();
            // The wrapper framed the record with its own newline; the splitter still breaks on \r and cuts long lines.
            splitter.Push(record.Text.Span, text => Line(stream, text, stamp));
            splitter.Push("\n"u8, text => Line(stream, text, stamp));
        }
        if (final) splitter.Flush(text => Line(stream, text, time.GetTimestamp()));
    }

    private void Line(OutputStream stream, string text, long stamp)
    {
        if (stream == OutputStream.Stderr && text.Length > 0) _lastStderr = text;
        sink.OnLine(new SandboxLine(stream, text, stamp));
    }

    /// <summary>The node's clock carried to the host's: the start record's host time plus the node's time since start.</summary>
    private long HostTimestamp(long epochMicros) =>
        (_anchorHost ?? time.GetTimestamp()) + (long)Math.Round((epochMicros - _startMicros) * (time.TimestampFrequency / 1_000_000.0));

    private SandboxRunResult Finish(EndRecord end, bool cancelRequested, SlurmJobState? state)
    {
        var start = _anchorHost ?? time.GetTimestamp();
        var stop = HostTimestamp(end.Micros);
        var wall = TimeSpan.FromMicroseconds(Math.Max(0, end.Micros - _startMicros));
        var limit = request.TimeLimit.TotalSeconds.ToString("0.#", CultureInfo.InvariantCulture);
        if (cancelRequested) return new SandboxRunResult(RunOutcome.Cancelled, null, $"cancelled; job {jobId} was cancelled with scancel", wall, start, stop);
        switch (end.Kind)
        {
            case "timeout":
                sink.OnLine(new SandboxLine(OutputStream.Harness, $"[sandbox] time limit of {limit} s reached; the run was killed", stop));
                return new SandboxRunResult(RunOutcome.TimedOut, null, $"killed after the time limit of {limit} s", wall, start, stop);
            case "oom":
                return new SandboxRunResult(RunOutcome.OutOfMemory, end.Code, $"killed for exceeding the memory limit of {request.Limits.MemoryMb} MB", wall, start, stop);
            case "cancelled":
                var (outcome, reason) = (state ?? new SlurmJobState(jobId, "CANCELLED", "", _node ?? "", null)).Outcome(cancelRequested: false);
                return new SandboxRunResult(outcome is RunOutcome.SandboxError ? RunOutcome.Cancelled : outcome, null, reason, wall, start, stop);
            case "runtime":
                return new SandboxRunResult(RunOutcome.SandboxError, end.Code,
                    $"{SlurmJobScript.RuntimeName(options.Runtime)} failed on node {_node} (exit code 125): {_lastStderr ?? "no message"}", wall, start, stop);
        }
        var code = end.Code;
        return code == 0
            ? new SandboxRunResult(RunOutcome.Succeeded, 0, "exited with code 0", wall, start, stop)
            : new SandboxRunResult(RunOutcome.Failed, code, code is > 128 and < 160 ? $"exited with code {code} (killed by signal {code - 128})" : $"exited with code {code}", wall, start, stop);
    }

    /// <summary>Slurm ended the job but the wrapper reported no end: the state says why; the job's own output says more.</summary>
    private SandboxRunResult Unreported(long begin, SlurmJobState state, bool cancelRequested)
    {
        ReadLines(final: true);
        var (outcome, reason) = state.Outcome(cancelRequested);
        if (outcome == RunOutcome.SandboxError && SlurmOutputTail() is { Length: > 0 } tail) reason += $"; the job's output ends: {tail}";
        var now = time.GetTimestamp();
        return new SandboxRunResult(outcome, state.ExitCode, reason, time.GetElapsedTime(begin, now), _anchorHost ?? begin, now);
    }

    private async Task<SlurmJobState?> QueryAsync(CancellationToken cancellationToken)
    {
        var id = jobId.ToString(CultureInfo.InvariantCulture);
        try
        {
            var queue = await slurm.RunAsync("squeue", ["-h", "-t", "all", "-j", id, "-o", SlurmJobState.SqueueFormat], cancellationToken).ConfigureAwait(false);
            if (queue.Ok && SlurmJobState.FromSqueue(queue.Stdout, jobId) is { } fromQueue) return fromQueue;
            // squeue forgets finished jobs after MinJobAge; the accounting database remembers them (where there is one).
            var accounting = await slurm.RunAsync("sacct", ["-j", id, "-X", "--noheader", "--parsable2", "-o", SlurmJobState.SacctFields], cancellationToken).ConfigureAwait(false);
            return accounting.Ok ? SlurmJobState.FromSacct(accounting.Stdout, jobId) : null;
        }
        catch (SandboxSetupException)
        {
            // A controller that does not answer for a moment is no verdict on the job; the next poll asks again.
            return null;
        }
    }

    private string? SlurmOutputTail()
    {
        try
        {
            var lines = File.ReadLines(Path.Combine(runDirectory, SlurmJobScript.SlurmOutputFile)).TakeLast(3).ToList();
            return string.Join(" | ", lines).Trim();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private string Asked()
    {
        var l = request.Limits;
        var gpus = l.GpuIds.Count > 0 ? l.GpuIds.Count : l.Gpus;
        return string.Create(CultureInfo.InvariantCulture, $"{Math.Max(1, (int)Math.Ceiling(l.Cpus))} CPUs, {l.MemoryMb} MB, {gpus} GPUs, partition {options.Partition ?? "default"}");
    }

    private long Ticks(TimeSpan span) => (long)(span.TotalSeconds * time.TimestampFrequency);

    private SandboxLine Harness(string text) => new(OutputStream.Harness, text, time.GetTimestamp());

    private SandboxRunResult Error(long begin, string reason)
    {
        var now = time.GetTimestamp();
        return new SandboxRunResult(RunOutcome.SandboxError, null, reason, time.GetElapsedTime(begin, now), begin, now);
    }

    private SandboxRunResult Cancelled(long begin, string reason)
    {
        var now = time.GetTimestamp();
        return new SandboxRunResult(RunOutcome.Cancelled, null, reason, time.GetElapsedTime(begin, now), begin, now);
    }
}
