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
    private static readonly TimeSpan CleanupTimeout = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan CopyOutTimeout = TimeSpan.FromMinutes(5);
    private static readonly TimeSpan DrainTimeout = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan SoftKillTimeout = TimeSpan.FromSeconds(5);

    private readonly DockerSandboxOptions _options;
    private readonly TimeProvider _time;
    private readonly DockerEngine _engine;
    private readonly ImageResolver _images;
    private readonly SemaphoreSlim _sweepGate = new(1, 1);
    private readonly int _ownerPid = System.Environment.ProcessId;
    private readonly string _ownerHost = System.Environment.MachineName;
    private bool _swept;

    public DockerSandbox(DockerSandboxOptions options, TimeProvider time)
    {
        _options = options;
        _time = time;
        _engine = new DockerEngine(options, time);
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
        string? containerId = null;
        try
        {
            if (request.Command.Count == 0) throw new SandboxSetupException("the request has no command to run");
            await SweepLeftoversOnceAsync(cancellationToken).ConfigureAwait(false);
            var image = await ResolveImageAsync(request.Image, cancellationToken).ConfigureAwait(false);
            var labels = ContainerSpec.Labels(_options.LabelPrefix, request, _ownerPid, _ownerHost);
            var spec = ContainerSpec.Build(request, image, _options, labels);
            var created = await _engine.CallAsync(ct => Client.Containers.CreateContainerAsync(spec, ct), cancellationToken).ConfigureAwait(false);
            containerId = created.ID;
            var id = containerId;
            await _engine.CallAsync(ct => Client.Containers.StartContainerAsync(id, new ContainerStartParameters(), ct), cancellationToken).ConfigureAwait(false);
            await CopyInAsync(id, request.WorkspaceDirectory, cancellationToken).ConfigureAwait(false);

            var (result, containerAlive) = await ExecuteCommandAsync(id, request, sink, cancellationToken).ConfigureAwait(false);
            if (containerAlive && result.Outcome is RunOutcome.Succeeded or RunOutcome.Failed or RunOutcome.OutOfMemory or RunOutcome.TimedOut)
            {
                var copyProblem = await CopyResultsOutAsync(id, request, sink, cancellationToken).ConfigureAwait(false);
                if (copyProblem is not null) result = result with { Reason = result.Reason + "; " + copyProblem };
            }
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
            if (containerId is not null) await RemoveContainerAsync(containerId).ConfigureAwait(false);
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
    private async Task CopyInAsync(string containerId, string workspace, CancellationToken cancellationToken)
    {
        var (exitCode, stderr) = await ExecAsync(containerId, ["tar", "-x", "-f", "-", "-C", ContainerSpec.WorkspacePath, "--no-same-owner"],
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
    private async Task<(SandboxRunResult Result, bool ContainerAlive)> ExecuteCommandAsync(string containerId, SandboxRunRequest request, SerializedOutput sink, CancellationToken cancellationToken)
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
        var exec = await _engine.CallAsync(ct => Client.Exec.CreateContainerExecAsync(containerId, create, ct), cancellationToken).ConfigureAwait(false);

        // Not retried: a second start would run the command twice.
        var start = _time.GetTimestamp();
        using var stream = await Client.Exec.StartContainerExecAsync(exec.ID, new ContainerExecStartParameters(), cancellationToken).ConfigureAwait(false);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var pump = PumpAsync(stream, sink, stop.Token);
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
            var alive = timedOut && await TryKillRunProcessesAsync(containerId, pump).ConfigureAwait(false);
            if (!alive)
            {
                await KillContainerAsync(containerId).ConfigureAwait(false);
                await DrainAsync(pump, stop).ConfigureAwait(false);
            }
            await stop.CancelAsync().ConfigureAwait(false);
            end = _time.GetTimestamp();
            return timedOut
                ? (new SandboxRunResult(RunOutcome.TimedOut, null, $"killed after the time limit of {Format(request.TimeLimit)}", _time.GetElapsedTime(start, end), start, end), alive)
                : (new SandboxRunResult(RunOutcome.Cancelled, null, "cancelled; the run was killed", _time.GetElapsedTime(start, end), start, end), false);
        }

        await stop.CancelAsync().ConfigureAwait(false);
        await pump.ConfigureAwait(false);
        var exitCode = await ExitCodeAsync(exec.ID, cancellationToken).ConfigureAwait(false);
        var wall = _time.GetElapsedTime(start, end);
        if (exitCode == 0) return (new SandboxRunResult(RunOutcome.Succeeded, 0, "exited with code 0", wall, start, end), true);
        if (exitCode is null || exitCode == 137)
        {
            if (await WasOomKilledAsync(containerId, cancellationToken).ConfigureAwait(false))
                return (new SandboxRunResult(RunOutcome.OutOfMemory, (int?)exitCode, $"killed by the kernel: out of memory (limit {request.Limits.MemoryMb} MB)", wall, start, end), true);
        }
        if (exitCode is null)
            return (new SandboxRunResult(RunOutcome.Failed, null, "the container ended before the command reported an exit code", wall, start, end), true);
        var reason = exitCode switch
        {
            126 => "exited with code 126 (command not executable)",
            127 => "exited with code 127 (command not found)",
            > 128 and < 160 => $"exited with code {exitCode} (killed by signal {exitCode - 128})",
            _ => $"exited with code {exitCode}",
        };
        return (new SandboxRunResult(RunOutcome.Failed, (int)exitCode, reason, wall, start, end), true);
    }

    /// <summary>
    /// SIGKILL to every process of the run's user (kill -1 spares the caller, and the holder runs as another uid), a few
    /// times to catch forks in flight; true when the command's stream then ends. False when the helper cannot even start
    /// (e.g. a fork bomb holds every pid) or the stream stays open: the caller then kills the container.
    /// </summary>
    private async Task<bool> TryKillRunProcessesAsync(string containerId, Task pump)
    {
        using var timeout = new CancellationTokenSource(SoftKillTimeout);
        try
        {
            for (var round = 0; round < 3; round++)
            {
                var (code, _) = await ExecAsync(containerId, ["sh", "-c", "kill -KILL -1"], stdin: null, stdout: null, timeout.Token).ConfigureAwait(false);
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
    private async Task PumpAsync(MultiplexedStream stream, SerializedOutput sink, CancellationToken cancellationToken)
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

    private async Task<long?> ExitCodeAsync(string execId, CancellationToken cancellationToken)
    {
        // The stream can end a moment before the engine records the exit; ask a few times.
        for (var attempt = 0; attempt < 20; attempt++)
        {
            var inspect = await _engine.CallAsync(ct => Client.Exec.InspectContainerExecAsync(execId, ct), cancellationToken).ConfigureAwait(false);
            if (!inspect.Running) return inspect.ExitCode;
            await Task.Delay(TimeSpan.FromMilliseconds(100), _time, cancellationToken).ConfigureAwait(false);
        }
        return null;
    }

    /// <summary>
    /// The kernel's OOM kill counter of the container's memory cgroup (v2 memory.events or v1 memory.oom_control).
    /// State.OOMKilled alone is not enough: engines set it only when the container's main process dies, and here the
    /// command is an exec.
    /// </summary>
    private async Task<bool> WasOomKilledAsync(string containerId, CancellationToken cancellationToken)
    {
        try
        {
            var inspect = await _engine.CallAsync(ct => Client.Containers.InspectContainerAsync(containerId, ct), cancellationToken).ConfigureAwait(false);
            if (inspect.State?.OOMKilled == true) return true;
            if (inspect.State?.Running != true) return false;
            var sink = new MemoryStream();
            await ExecAsync(containerId, ["cat", "/sys/fs/cgroup/memory.events", "/sys/fs/cgroup/memory/memory.oom_control"],
                stdin: null, stdout: sink, cancellationToken).ConfigureAwait(false);
            return OomKills(Encoding.UTF8.GetString(sink.ToArray())) > 0;
        }
        catch (DockerApiException)
        {
            return false;
        }
    }

    internal static long OomKills(string cgroupText)
    {
        long total = 0;
        foreach (var line in cgroupText.Split('\n'))
        {
            var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length == 2 && parts[0] == "oom_kill" && long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var n)) total += n;
        }
        return total;
    }

    /// <summary>Copies /outputs (and /workspace when asked) out through `tar -c`; returns a note on anything refused or failed.</summary>
    private async Task<string?> CopyResultsOutAsync(string containerId, SandboxRunRequest request, SerializedOutput sink, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(CopyOutTimeout);
        var notes = new List<string>();
        var targets = new List<(string From, string To)> { (ContainerSpec.OutputsPath, request.OutputDirectory) };
        if (request.WorkspaceResultDirectory is { } back) targets.Add((ContainerSpec.WorkspacePath, back));
        foreach (var (from, to) in targets)
        {
            try
            {
                var report = await CopyOutAsync(containerId, from, to, timeout.Token).ConfigureAwait(false);
                if (report.Dropped.Count > 0)
                {
                    var list = string.Join(", ", report.Dropped.Take(10)) + (report.Dropped.Count > 10 ? $" and {report.Dropped.Count - 10} more" : "");
                    var note = $"{report.Dropped.Count} entries in {from} were not plain files and were dropped: {list}";
                    sink.OnLine(new SandboxLine(OutputStream.Harness, "[sandbox] " + note, _time.GetTimestamp()));
                    notes.Add(note);
                }
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                var note = $"copying {from} out failed: {ex.Message}";
                sink.OnLine(new SandboxLine(OutputStream.Harness, "[sandbox] " + note, _time.GetTimestamp()));
                notes.Add(note);
            }
        }
        return notes.Count == 0 ? null : string.Join("; ", notes);
    }

    private async Task<ExtractReport> CopyOutAsync(string containerId, string from, string to, CancellationToken cancellationToken)
    {
        // tar's output goes through a pipe into the extractor, so a large /outputs never sits in memory whole.
        var pipe = new Pipe();
        var writer = pipe.Writer.AsStream();
        var exec = ExecAsync(containerId, ["tar", "-c", "-f", "-", "--hard-dereference", "-C", from, "."], stdin: null, stdout: writer, cancellationToken);
        var complete = exec.ContinueWith(t => pipe.Writer.CompleteAsync(t.Exception?.GetBaseException()).AsTask(), CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default).Unwrap();
        ExtractReport report;
        var reader = pipe.Reader.AsStream();
        try
        {
            report = await WorkspaceArchive.ExtractAsync(reader, to, cancellationToken).ConfigureAwait(false);
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

    /// <summary>Runs a helper command as the run's user; stdin is written then closed, stdout copied to the sink.</summary>
    private async Task<(long ExitCode, string Stderr)> ExecAsync(string containerId, IList<string> command, Func<MultiplexedStream, Task>? stdin, Stream? stdout, CancellationToken cancellationToken)
    {
        var create = new ContainerExecCreateParameters
        {
            Cmd = command,
            User = ContainerSpec.RunUser,
            WorkingDir = "/",
            AttachStdin = stdin is not null,
            AttachStdout = true,
            AttachStderr = true,
        };
        var exec = await _engine.CallAsync(ct => Client.Exec.CreateContainerExecAsync(containerId, create, ct), cancellationToken).ConfigureAwait(false);
        var stderr = new MemoryStream();
        using (var stream = await Client.Exec.StartContainerExecAsync(exec.ID, new ContainerExecStartParameters(), cancellationToken).ConfigureAwait(false))
        {
            var output = stream.CopyOutputToAsync(Stream.Null, stdout ?? Stream.Null, new BoundedStream(stderr, 16 * 1024), cancellationToken);
            if (stdin is not null)
            {
                try
                {
                    await stdin(stream).ConfigureAwait(false);
                }
                finally
                {
                    stream.CloseWrite();
                }
            }
            await output.ConfigureAwait(false);
        }
        var code = await ExitCodeAsync(exec.ID, cancellationToken).ConfigureAwait(false);
        return (code ?? -1, Encoding.UTF8.GetString(stderr.ToArray()));
    }

    private async Task KillContainerAsync(string containerId)
    {
        using var timeout = new CancellationTokenSource(CleanupTimeout);
        try
        {
            await _engine.CallAsync(ct => Client.Containers.KillContainerAsync(containerId, new ContainerKillParameters { Signal = "KILL" }, ct), timeout.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is DockerApiException or SandboxSetupException or OperationCanceledException or HttpRequestException or IOException)
        {
            // Already stopped (409/404) or the engine is gone; removal with force follows either way.
        }
    }

    private async Task RemoveContainerAsync(string containerId)
    {
        // Not the run's token: a cancelled run must still leave no container behind.
        using var timeout = new CancellationTokenSource(CleanupTimeout);
        try
        {
            await _engine.CallAsync(ct => Client.Containers.RemoveContainerAsync(containerId, new ContainerRemoveParameters { Force = true, RemoveVolumes = true }, ct), timeout.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is DockerApiException or SandboxSetupException or OperationCanceledException or HttpRequestException or IOException)
        {
            // Left behind: the next sandbox in a later process removes it (owner-pid label), and the holder ends by itself.
        }
    }

    /// <summary>Removes containers that earlier processes on this host created and never removed (they crashed or were killed).</summary>
    internal async Task SweepLeftoversOnceAsync(CancellationToken cancellationToken)
    {
        if (_swept || !_options.RemoveLeftovers) return;
        await _sweepGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_swept) return;
            IList<ContainerListResponse> containers;
            try
            {
                containers = await _engine.CallAsync(ct => Client.Containers.ListContainersAsync(
                    new ContainersListParameters { All = true, Filters = ContainerSpec.OwnedFilter(_options.LabelPrefix) }, ct), cancellationToken).ConfigureAwait(false);
            }
            catch (DockerApiException)
            {
                // Housekeeping only: an engine that will not list containers must not stop the run itself.
                _swept = true;
                return;
            }
            foreach (var container in containers)
            {
                if (ContainerSpec.IsLeftover(container.Labels, _options.LabelPrefix, _ownerHost, IsProcessAlive))
                    await RemoveContainerAsync(container.ID).ConfigureAwait(false);
            }
            _swept = true;
        }
        finally
        {
            _sweepGate.Release();
        }
    }

    internal static bool IsProcessAlive(int pid)
    {
        if (OperatingSystem.IsLinux()) return Directory.Exists("/proc/" + pid.ToString(CultureInfo.InvariantCulture));
        try
        {
            using var process = System.Diagnostics.Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

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
        _sweepGate.Dispose();
    }
}

/// <summary>Keeps the first bytes written and discards the rest (helper commands' stderr, for error messages).</summary>
internal sealed class BoundedStream(Stream inner, long limit) : Stream
{
    public override bool CanRead => false;
    public override bool CanSeek => false;
    public override bool CanWrite => true;
    public override long Length => inner.Length;
    public override long Position { get => inner.Position; set => throw new NotSupportedException(); }
    public override void Flush() { }
    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count)
    {
        var room = (int)Math.Max(0, Math.Min(count, limit - inner.Length));
        if (room > 0) inner.Write(buffer, offset, room);
    }
}
