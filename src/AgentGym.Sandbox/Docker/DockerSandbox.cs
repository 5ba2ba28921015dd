using System.Globalization;
using System.IO.Pipelines;
using System.Text;
using AgentGym.Core.Sandboxing;
using AgentGym.Sandbox.Archives;
using AgentGym.Sandbox.Streams;
using Docker.DotNet;
using Docker.DotNet.Models;

namespace AgentGym.Sandbox.Docker;

/// <summary>
/// Runs each request in a fresh, locked-down container (see <see cref="ContainerSpec"/> for the layout and why the
/// command is an exec in a holder container). Sequence: resolve image, create, start, stream the workspace in with tar,
/// exec the command while streaming its output, then on exit copy /outputs (and /workspace when asked) out as plain
/// files, and always remove the container.
/// </summary>
internal sealed class DockerSandbox : ISandbox, IDisposable
{
    private static readonly TimeSpan CopyOutTimeout = TimeSpan.FromMinutes(5);
    private static readonly TimeSpan DrainTimeout = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan SoftKillTimeout = TimeSpan.FromSeconds(5);

    private readonly DockerSandboxOptions _options;
    private readonly TimeProvider _time;
    private readonly DockerEngine _engine;
    private readonly ImageResolver _images;
    private readonly LeftoverSweeper _leftovers;
    private readonly int _ownerPid = System.Environment.ProcessId;
    private readonly string _ownerHost = System.Environment.MachineName;

    public DockerSandbox(DockerSandboxOptions options, TimeProvider time)
    {
        _options = options;
        _time = time;
        _engine = new DockerEngine(options, time);
        _leftovers = new LeftoverSweeper(_engine, options);
        _images = new ImageResolver(ImageExistsAsync, options.RepositoryRoot ?? SandboxImageRecipes.FindRepositoryRoot());
    }

    public string Name => "docker";

    internal DockerEngine Engine => _engine;

    private DockerClient Client => _engine.Client;

    public async Task<SandboxRunResult> RunAsync(SandboxRunRequest request, ISandboxOutput output, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(output);
        var sink = new SerializedOutput(output);
        var begin = _time.GetTimestamp();
        RunContainer? container = null;
        try
        {
            if (request.Command.Count == 0) throw new SandboxSetupException("the request has no command to run");
            await _leftovers.SweepOnceAsync(cancellationToken).ConfigureAwait(false);
            var image = await ResolveImageAsync(request.Image, cancellationToken).ConfigureAwait(false);
            var labels = ContainerSpec.Labels(_options.LabelPrefix, request, _ownerPid, _ownerHost);
            var spec = ContainerSpec.Build(request, image, _options, labels);
            container = await RunContainer.StartAsync(_engine, _time, spec, cancellationToken).ConfigureAwait(false);
            await CopyInAsync(container, request.WorkspaceDirectory, cancellationToken).ConfigureAwait(false);

            var (result, containerAlive) = await ExecuteCommandAsync(container, request, sink, cancellationToken).ConfigureAwait(false);
            if (containerAlive && result.Outcome is RunOutcome.Succeeded or RunOutcome.Failed or RunOutcome.OutOfMemory or RunOutcome.TimedOut)
                result = await CopyResultsOutAsync(container, request, sink, result, cancellationToken).ConfigureAwait(false);
            return result;
        }
        catch (SandboxSetupException ex)
        {
            return Error(begin, ex.Message);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            var now = _time.GetTimestamp();
            return new SandboxRunResult(RunOutcome.Cancelled, null, "cancelled before the command finished", _time.GetElapsedTime(begin, now), begin, now);
        }
        catch (DockerApiException ex)
        {
            return Error(begin, $"the Docker engine refused ({(int)ex.StatusCode}): {Trim(ex.ResponseBody)}");
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException)
        {
            return Error(begin, DockerEngine.IsUnreachable(ex) ? _engine.UnreachableMessage : $"lost the Docker engine during the run: {ex.Message}");
        }
        finally
        {
            if (container is not null) await container.DisposeAsync().ConfigureAwait(false);
        }
    }

    private SandboxRunResult Error(long begin, string reason)
    {
        var now = _time.GetTimestamp();
        return new SandboxRunResult(RunOutcome.SandboxError, null, reason, _time.GetElapsedTime(begin, now), begin, now);
    }

    internal Task<string> ResolveImageAsync(string? image, CancellationToken cancellationToken) =>
        _images.ResolveAsync(string.IsNullOrWhiteSpace(image) ? _options.DefaultImage : image, cancellationToken);

    private async Task<bool> ImageExistsAsync(string reference, CancellationToken cancellationToken)
    {
        try
        {
            await _engine.CallAsync(ct => Client.Images.InspectImageAsync(reference, ct), cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (Exception ex) when (DockerEngine.IsNotFound(ex))
        {
            return false;
        }
    }

    /// <summary>Streams the workspace (directories and regular files only) into `tar -x` running as the run's user.</summary>
    private static async Task CopyInAsync(RunContainer container, string workspace, CancellationToken cancellationToken)
    {
        var (exitCode, stderr) = await container.ExecAsync(["tar", "-x", "-f", "-", "-C", ContainerSpec.WorkspacePath, "--no-same-owner"],
            stdin: async stream =>
            {
                var target = new ExecStdinStream(stream);
                await WorkspaceArchive.WriteAsync(workspace, target, cancellationToken).ConfigureAwait(false);
            },
            stdout: null, cancellationToken).ConfigureAwait(false);
        if (exitCode != 0)
            throw new SandboxSetupException($"copying the workspace into the container failed (tar exit {exitCode}): {Trim(stderr)}");
    }

    /// <summary>
    /// Runs the training command and waits for it, the time limit or cancellation, whichever comes first. ContainerAlive
    /// says whether /outputs can still be read (false after a hard kill of the container).
    /// </summary>
    private async Task<(SandboxRunResult Result, bool ContainerAlive)> ExecuteCommandAsync(RunContainer container, SandboxRunRequest request, SerializedOutput sink, CancellationToken cancellationToken)
    {
        var create = new ContainerExecCreateParameters
        {
            Cmd = request.Command.ToList(),
            User = ContainerSpec.RunUser,
            WorkingDir = ContainerSpec.WorkspacePath,
            Env = ContainerSpec.EnvironmentList(request.Environment),
            AttachStdout = true,
            AttachStderr = true,
        };
        var exec = await _engine.CallAsync(ct => Client.Exec.CreateContainerExecAsync(container.Id, create, ct), cancellationToken).ConfigureAwait(false);
        await container.ArmDeadlineAsync(request.TimeLimit, cancellationToken).ConfigureAwait(false);

        // Not retried: a second start would run the command twice.
        var start = _time.GetTimestamp();
        using var stream = await Client.Exec.StartContainerExecAsync(exec.ID, new ContainerExecStartParameters(), cancellationToken).ConfigureAwait(false);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var watch = new StallWatch(sink, _engine, container.Id, _options, _time);
        var watching = watch.RunAsync(stop.Token);
        var pump = PumpAsync(stream, watch, stop.Token);
        var limit = Task.Delay(request.TimeLimit, _time, stop.Token);
        // On the linked token, so the registration ends with the run; a cancelled stop also ends `limit`, hence the IsCancellationRequested checks below.
        var cancelled = Task.Delay(Timeout.InfiniteTimeSpan, stop.Token);
        var first = await Task.WhenAny(pump, limit, cancelled).ConfigureAwait(false);
        var end = _time.GetTimestamp();

        if (first != pump)
        {
            var timedOut = first == limit && !cancellationToken.IsCancellationRequested;
            if (timedOut)
                sink.OnLine(new SandboxLine(OutputStream.Harness, $"[sandbox] time limit of {Format(request.TimeLimit)} reached; killing the run", end));
            // On a time limit, kill only the run's processes so that what it wrote to /outputs can still be copied out;
            // if that does not end the command promptly (or on cancellation, where speed matters), kill the container.
            var alive = timedOut && await container.KeepAsync(CancellationToken.None).ConfigureAwait(false) && await TryKillRunProcessesAsync(container, pump).ConfigureAwait(false);
            if (!alive)
            {
                await container.KillAsync().ConfigureAwait(false);
                await DrainAsync(pump, stop).ConfigureAwait(false);
            }
            await stop.CancelAsync().ConfigureAwait(false);
            end = _time.GetTimestamp();
            var killed = timedOut
                ? new SandboxRunResult(RunOutcome.TimedOut, null, $"killed after the time limit of {Format(request.TimeLimit)}", _time.GetElapsedTime(start, end), start, end) { LimitsMet = [RunLimits.Time] }
                : new SandboxRunResult(RunOutcome.Cancelled, null, "cancelled; the run was killed", _time.GetElapsedTime(start, end), start, end);
            return (await watch.SettleAsync(watching, killed).ConfigureAwait(false), alive);
        }

        await stop.CancelAsync().ConfigureAwait(false);
        await pump.ConfigureAwait(false);
        var exitCode = await container.ExitCodeAsync(exec.ID, cancellationToken).ConfigureAwait(false);
        // The run lasts until its command is seen to exit, not until its output closes: a command that closes stdout
        // and stderr and works on would otherwise do that work off the clock.
        end = _time.GetTimestamp();
        var wall = _time.GetElapsedTime(start, end);
        // The run ends with its command: a process it left behind (a detached child) must not go on working untimed,
        // write /outputs late, or stop the helpers below, which run as the same user.
        switch (await KillLeftoversAsync(container).ConfigureAwait(false))
        {
            case Leftovers.Killed:
                sink.OnLine(new SandboxLine(OutputStream.Harness, "[sandbox] processes outlived the command; they were killed before /outputs was read", _time.GetTimestamp()));
                break;
            case Leftovers.Unkillable:
                await container.KillAsync().ConfigureAwait(false);
                var stuck = new SandboxRunResult(RunOutcome.Failed, (int?)exitCode, "processes outlived the command and could not be killed; the container was killed and /outputs discarded", wall, start, end);
                return (await watch.SettleAsync(watching, stuck).ConfigureAwait(false), false);
        }
        var events = await CgroupEvents.ReadAsync(container, cancellationToken).ConfigureAwait(false);
        var result = WithLimitEvents(Classify(exitCode, events, request, wall, start, end), events, request);
        return (await watch.SettleAsync(watching, result).ConfigureAwait(false), true);
    }

    private static SandboxRunResult Classify(long? exitCode, CgroupEvents events, SandboxRunRequest request, TimeSpan wall, long start, long end)
    {
        if (exitCode == 0) return new SandboxRunResult(RunOutcome.Succeeded, 0, "exited with code 0", wall, start, end);
        if ((exitCode is null || exitCode == 137) && events.OomKills > 0)
            return new SandboxRunResult(RunOutcome.OutOfMemory, (int?)exitCode, $"killed by the kernel: out of memory (limit {request.Limits.MemoryMb} MB)", wall, start, end) { LimitsMet = [RunLimits.Memory] };
        if (exitCode is null)
            return new SandboxRunResult(RunOutcome.Failed, null, "the container ended before the command reported an exit code", wall, start, end);
        var reason = exitCode switch
        {
            126 => "exited with code 126 (command not executable)",
            127 => "exited with code 127 (command not found)",
            > 128 and < 160 => $"exited with code {exitCode} (killed by signal {exitCode - 128})",
            _ => $"exited with code {exitCode}",
        };
        return new SandboxRunResult(RunOutcome.Failed, (int)exitCode, reason, wall, start, end);
    }

    /// <summary>A limit the kernel enforced says so even when the command exited 0: forks refused, a process OOM-killed.</summary>
    private static SandboxRunResult WithLimitEvents(SandboxRunResult result, CgroupEvents events, SandboxRunRequest request)
    {
        if (events.PidsRefused > 0)
            result = RunLimits.With(result, RunLimits.Pids, $"met the process limit ({request.Limits.Pids} processes): {events.PidsRefused} forks were refused");
        if (events.OomKills > 0 && !result.LimitsMet.Contains(RunLimits.Memory))
            result = RunLimits.With(result, RunLimits.Memory, $"met the memory limit ({request.Limits.MemoryMb} MB): the kernel killed {events.OomKills} process(es)");
        return result;
    }

    private enum Leftovers { None, Killed, Unkillable }

    /// <summary>
    /// Counts the run user's processes other than itself (their /proc folders are theirs), then SIGKILLs them all. One
    /// kill -1 reaches every process that exists, and the kernel fails a fork whose parent has a fatal signal pending,
    /// so nothing escapes; the second sweep is for safety. Prints the count.
    /// </summary>
    private const string LeftoverSweep =
        "n=0; for d in /proc/[0-9]*; do [ \"${d#/proc/}\" = \"$$\" ] || { [ -O \"$d\" ] && n=$((n+1)); }; done; " +
        "kill -KILL -1 2>/dev/null; kill -KILL -1 2>/dev/null; echo $n";

    /// <summary>SIGKILL to every process of the run's user once its command has ended.</summary>
    private static async Task<Leftovers> KillLeftoversAsync(RunContainer container)
    {
        using var timeout = new CancellationTokenSource(SoftKillTimeout);
        try
        {
            var output = new MemoryStream();
            var (code, _) = await container.ExecAsync(["sh", "-c", LeftoverSweep], stdin: null, stdout: output, timeout.Token).ConfigureAwait(false);
            if (code != 0 || !int.TryParse(System.Text.Encoding.ASCII.GetString(output.ToArray()).Trim(), out var count)) return Leftovers.Unkillable;
            return count > 0 ? Leftovers.Killed : Leftovers.None;
        }
        catch (Exception ex) when (ex is DockerApiException or SandboxSetupException or OperationCanceledException or HttpRequestException or IOException)
        {
            return Leftovers.Unkillable;
        }
    }

    /// <summary>
    /// SIGKILL to every process of the run's user (kill -1 spares the caller, and the holder runs as another uid), a few
    /// times to catch forks in flight; true when the command's stream then ends. False when the helper cannot even start
    /// (e.g. a fork bomb holds every pid) or the stream stays open: the caller then kills the container.
    /// </summary>
    private async Task<bool> TryKillRunProcessesAsync(RunContainer container, Task pump)
    {
        using var timeout = new CancellationTokenSource(SoftKillTimeout);
        try
        {
            for (var round = 0; round < 3; round++)
            {
                var (code, _) = await container.ExecAsync(["sh", "-c", "kill -KILL -1"], stdin: null, stdout: null, timeout.Token).ConfigureAwait(false);
                // 0: something was killed; 1: nothing left to signal. Anything else: the helper itself failed.
                if (code is not (0 or 1)) return false;
                if (code == 1) break;
            }
            await pump.WaitAsync(SoftKillTimeout, _time, CancellationToken.None).ConfigureAwait(false);
            return true;
        }
        catch (Exception ex) when (ex is DockerApiException or SandboxSetupException or OperationCanceledException or TimeoutException or HttpRequestException or IOException)
        {
            return false;
        }
    }

    /// <summary>
    /// Reads the multiplexed output, stamping every line of a chunk with the chunk's arrival time. Memory stays bounded:
    /// one read buffer plus at most one cut-off line per stream.
    /// </summary>
    private async Task PumpAsync(MultiplexedStream stream, ISandboxOutput sink, CancellationToken cancellationToken)
    {
        // Yield first so that the caller starts its timers before any line is delivered.
        await Task.Yield();
        var buffer = new byte[81920];
        var stdout = new LineSplitter();
        var stderr = new LineSplitter();
        long stamp = 0;
        var emitStdout = (string text) => sink.OnLine(new SandboxLine(OutputStream.Stdout, text, stamp));
        var emitStderr = (string text) => sink.OnLine(new SandboxLine(OutputStream.Stderr, text, stamp));
        while (true)
        {
            var read = await stream.ReadOutputAsync(buffer, 0, buffer.Length, cancellationToken).ConfigureAwait(false);
            if (read.EOF) break;
            stamp = _time.GetTimestamp();
            if (read.Target == MultiplexedStream.TargetStream.StandardError) stderr.Push(buffer.AsSpan(0, read.Count), emitStderr);
            else stdout.Push(buffer.AsSpan(0, read.Count), emitStdout);
        }
        stamp = _time.GetTimestamp();
        stdout.Flush(emitStdout);
        stderr.Flush(emitStderr);
    }

    /// <summary>After a kill the stream ends by itself; a consumer stuck in OnLine must not hold the run forever.</summary>
    private async Task DrainAsync(Task pump, CancellationTokenSource stop)
    {
        try
        {
            await pump.WaitAsync(DrainTimeout, _time, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception)
        {
            // The run's outcome is already decided (killed); a reader that failed or lingers changes nothing.
        }
        await stop.CancelAsync().ConfigureAwait(false);
    }

    /// <summary>
    /// Copies /outputs (at most request.MaxOutputBytes of it) and /workspace when asked out through `tar -c`; the
    /// result's reason gains a note on anything refused or failed, and LimitsMet "outputs" when the cap cut files.
    /// </summary>
    private async Task<SandboxRunResult> CopyResultsOutAsync(RunContainer container, SandboxRunRequest request, SerializedOutput sink, SandboxRunResult result, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(CopyOutTimeout);
        var targets = new List<(string From, string To, long MaxBytes)> { (ContainerSpec.OutputsPath, request.OutputDirectory, request.MaxOutputBytes ?? long.MaxValue) };
        if (request.WorkspaceResultDirectory is { } back) targets.Add((ContainerSpec.WorkspacePath, back, long.MaxValue));
        foreach (var (from, to, maxBytes) in targets)
        {
            try
            {
                var report = await CopyOutAsync(container, from, to, maxBytes, timeout.Token).ConfigureAwait(false);
                result = OutputNotes.Apply(result, report, from, maxBytes, line => sink.OnLine(new SandboxLine(OutputStream.Harness, line, _time.GetTimestamp())));
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                var note = $"copying {from} out failed: {ex.Message}";
                sink.OnLine(new SandboxLine(OutputStream.Harness, "[sandbox] " + note, _time.GetTimestamp()));
                result = result with { Reason = result.Reason + "; " + note };
            }
        }
        return result;
    }

    private static async Task<ExtractReport> CopyOutAsync(RunContainer container, string from, string to, long maxBytes, CancellationToken cancellationToken)
    {
        // tar's output goes through a pipe into the extractor, so a large /outputs never sits in memory whole.
        var pipe = new Pipe();
        var writer = pipe.Writer.AsStream();
        var exec = container.ExecAsync(["tar", "-c", "-f", "-", "--hard-dereference", "-C", from, "."], stdin: null, stdout: writer, cancellationToken);
        var complete = exec.ContinueWith(t => pipe.Writer.CompleteAsync(t.Exception?.GetBaseException()).AsTask(), CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default).Unwrap();
        ExtractReport report;
        var reader = pipe.Reader.AsStream();
        try
        {
            report = await WorkspaceArchive.ExtractAsync(reader, to, maxBytes, cancellationToken).ConfigureAwait(false);
            await reader.CopyToAsync(Stream.Null, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            await pipe.Reader.CompleteAsync().ConfigureAwait(false);
            await complete.ConfigureAwait(false);
        }
        var (exitCode, stderr) = await exec.ConfigureAwait(false);
        // tar exits 1 when a file changed or could not be read: what it could read is still copied; say what it said.
        if (exitCode > 1) throw new IOException($"tar exit {exitCode}: {Trim(stderr)}");
        return report;
    }

    /// <summary>At server or eval start: leftovers of killed processes go now, not when the first run starts.</summary>
    public Task PrepareAsync(CancellationToken cancellationToken) => _leftovers.SweepOnceAsync(cancellationToken);

    private static string Format(TimeSpan span) => span.TotalSeconds < 120
        ? span.TotalSeconds.ToString("0.#", CultureInfo.InvariantCulture) + " s"
        : span.TotalMinutes.ToString("0.#", CultureInfo.InvariantCulture) + " min";

    private static string Trim(string? text)
    {
        text = (text ?? "").Trim();
        return text.Length > 500 ? text[..500] + "..." : text;
    }

    public void Dispose()
    {
        _engine.Dispose();
        _leftovers.Dispose();
    }
}
