using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using AgentGym.Core.Sandboxing;
using AgentGym.Sandbox.Archives;
using AgentGym.Sandbox.Docker;
using AgentGym.Sandbox.Streams;

namespace AgentGym.Sandbox.Local;

/// <summary>
/// Runs the command as a plain host process. NO ISOLATION: the script runs with this process's user, sees the host's
/// files and network, and has no memory, CPU or process limits. It exists for development and for hosts without Docker.
/// What it does keep from the contract: a fresh copy of the workspace per run, only the request's environment (plus PATH,
/// HOME and TMPDIR), values and arguments starting with /data, /outputs or /workspace rewritten to the run's real
/// folders, the time limit and cancellation (the whole process group is killed), and plain-file copy-back.
/// </summary>
internal sealed partial class LocalSandbox(LocalSandboxOptions options, TimeProvider time) : ISandbox
{
    private static readonly TimeSpan DrainTimeout = TimeSpan.FromSeconds(10);

    public string Name => "local";

    public async Task<SandboxRunResult> RunAsync(SandboxRunRequest request, ISandboxOutput output, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(output);
        var sink = new SerializedOutput(output);
        var begin = time.GetTimestamp();
        var parent = options.RunsDirectory ?? Path.Combine(Path.GetTempPath(), "agentgym-local");
        var runDir = Path.Combine(parent, $"{Clean(request.EpisodeId)}-{Clean(request.RunId)}-{Guid.NewGuid().ToString("N")[..8]}");
        var folders = new Folders(Path.Combine(runDir, "workspace"), Path.Combine(runDir, "outputs"), Path.Combine(runDir, "tmp"), request.DataDirectory is null ? null : Path.GetFullPath(request.DataDirectory));
        try
        {
            if (request.Command.Count == 0) return Error(begin, "the request has no command to run");
            Directory.CreateDirectory(folders.Outputs);
            Directory.CreateDirectory(folders.Tmp);
            await PlainTree.CopyAsync(request.WorkspaceDirectory, folders.Workspace, cancellationToken).ConfigureAwait(false);
            var result = await ExecuteAsync(request, folders, sink, cancellationToken).ConfigureAwait(false);
            if (result.Outcome is RunOutcome.Succeeded or RunOutcome.Failed)
            {
                result = await CopyBackAsync(folders.Outputs, request.OutputDirectory, "/outputs", request.MaxOutputBytes ?? long.MaxValue, sink, result, cancellationToken).ConfigureAwait(false);
                if (request.WorkspaceResultDirectory is { } back)
                    result = await CopyBackAsync(folders.Workspace, back, "/workspace", long.MaxValue, sink, result, cancellationToken).ConfigureAwait(false);
            }
            return result;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            var now = time.GetTimestamp();
            return new SandboxRunResult(RunOutcome.Cancelled, null, "cancelled before the command finished", time.GetElapsedTime(begin, now), begin, now);
        }
        finally
        {
            if (!options.KeepRunDirectories)
            {
                try { Directory.Delete(runDir, recursive: true); }
                catch (Exception ex) when (ex is IOException or UnauthorizedAccessException) { /* temp folder; the OS cleans it eventually */ }
            }
        }
    }

    private sealed record Folders(string Workspace, string Outputs, string Tmp, string? Data);

    private async Task<SandboxRunResult> ExecuteAsync(SandboxRunRequest request, Folders folders, SerializedOutput sink, CancellationToken cancellationToken)
    {
        // setsid puts the command in a new session and process group (pgid = its pid, since a child of ours is no group
        // leader and setsid then execs in place), so a kill reaches everything the script started, daemons included.
        var info = new ProcessStartInfo("setsid")
        {
            WorkingDirectory = folders.Workspace,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add("--wait");
        foreach (var arg in request.Command) info.ArgumentList.Add(Rewrite(arg, folders));
        info.Environment.Clear();
        foreach (var (key, value) in request.Environment) info.Environment[key] = Rewrite(value, folders);
        info.Environment["PATH"] = options.Path ?? System.Environment.GetEnvironmentVariable("PATH") ?? "/usr/local/bin:/usr/bin:/bin";
        info.Environment["HOME"] = folders.Tmp;
        info.Environment["TMPDIR"] = folders.Tmp;

        using var process = new Process { StartInfo = info };
        var start = time.GetTimestamp();
        try
        {
            process.Start();
        }
        catch (Win32Exception ex)
        {
            return Error(start, $"could not start the command with setsid: {ex.Message}");
        }
        process.StandardInput.Close();
        var pgid = process.Id;
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var stdout = PumpAsync(process.StandardOutput.BaseStream, OutputStream.Stdout, sink, stop.Token);
        var stderr = PumpAsync(process.StandardError.BaseStream, OutputStream.Stderr, sink, stop.Token);
        var exited = process.WaitForExitAsync(CancellationToken.None);
        var limit = Task.Delay(request.TimeLimit, time, stop.Token);
        // On the linked token, so the registration ends with the run; a cancelled stop also ends `limit`, hence the IsCancellationRequested checks below.
        var cancelled = Task.Delay(Timeout.InfiniteTimeSpan, stop.Token);
        var first = await Task.WhenAny(exited, limit, cancelled).ConfigureAwait(false);
        var end = time.GetTimestamp();
        if (first != exited)
        {
            var timedOut = first == limit && !cancellationToken.IsCancellationRequested;
            if (timedOut)
                sink.OnLine(new SandboxLine(OutputStream.Harness, $"[sandbox] time limit of {request.TimeLimit.TotalSeconds:0.#} s reached; killing the run", end));
            KillGroup(pgid);
            try
            {
                await exited.WaitAsync(DrainTimeout, time, CancellationToken.None).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                // Stuck in the kernel (D state) after SIGKILL: the verdict stands; the process ends when the kernel lets it.
            }
            await DrainAsync(stdout, stderr).ConfigureAwait(false);
            await stop.CancelAsync().ConfigureAwait(false);
            end = time.GetTimestamp();
            return timedOut
                ? new SandboxRunResult(RunOutcome.TimedOut, null, $"killed after the time limit of {request.TimeLimit.TotalSeconds.ToString("0.#", CultureInfo.InvariantCulture)} s", time.GetElapsedTime(start, end), start, end)
                : new SandboxRunResult(RunOutcome.Cancelled, null, "cancelled; the run was killed", time.GetElapsedTime(start, end), start, end);
        }
        // The command is done; whatever it left running in its group would hold the pipes open, so end it too.
        KillGroup(pgid);
        await DrainAsync(stdout, stderr).ConfigureAwait(false);
        var code = process.ExitCode;
        var wall = time.GetElapsedTime(start, end);
        return code == 0
            ? new SandboxRunResult(RunOutcome.Succeeded, 0, "exited with code 0", wall, start, end)
            : new SandboxRunResult(RunOutcome.Failed, code, code is > 128 and < 160 ? $"exited with code {code} (killed by signal {code - 128})" : $"exited with code {code}", wall, start, end);
    }

    private async Task PumpAsync(Stream stream, OutputStream kind, SerializedOutput sink, CancellationToken cancellationToken)
    {
        await Task.Yield();
        var buffer = new byte[81920];
        var splitter = new LineSplitter();
        long stamp = 0;
        var emit = (string text) => sink.OnLine(new SandboxLine(kind, text, stamp));
        while (true)
        {
            var count = await stream.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
            if (count == 0) break;
            stamp = time.GetTimestamp();
            splitter.Push(buffer.AsSpan(0, count), emit);
        }
        stamp = time.GetTimestamp();
        splitter.Flush(emit);
    }

    private async Task DrainAsync(Task stdout, Task stderr)
    {
        try
        {
            await Task.WhenAll(stdout, stderr).WaitAsync(DrainTimeout, time, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception)
        {
            // Outcome already decided; a reader that failed or lingers (pipe held by an escaped process) changes nothing.
        }
    }

    private static void KillGroup(int pgid)
    {
        if (pgid <= 1) return;
        // ESRCH (group already gone) is the normal case after a clean exit.
        _ = Kill(-pgid, 9);
    }

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);

    /// <summary>/data, /outputs and /workspace (alone or followed by '/') become the run's real folders.</summary>
    internal static string Rewrite(string value, string workspace, string outputs, string? data)
    {
        static string? Swap(string v, string prefix, string? real) =>
            real is not null && (v == prefix || v.StartsWith(prefix + "/", StringComparison.Ordinal)) ? real + v[prefix.Length..] : null;
        return Swap(value, ContainerSpec.WorkspacePath, workspace)
            ?? Swap(value, ContainerSpec.OutputsPath, outputs)
            ?? Swap(value, ContainerSpec.DataPath, data)
            ?? value;
    }

    private static string Rewrite(string value, Folders folders) => Rewrite(value, folders.Workspace, folders.Outputs, folders.Data);

    private async Task<SandboxRunResult> CopyBackAsync(string from, string to, string label, long maxBytes, SerializedOutput sink, SandboxRunResult result, CancellationToken cancellationToken)
    {
        var links = PlainTree.Links(from);
        var report = await PlainTree.CopyAsync(from, to, maxBytes, cancellationToken).ConfigureAwait(false);
        // The archive writer skips links silently; name them like the Docker backend's extractor does.
        report = report with { Dropped = [.. links, .. report.Dropped] };
        return OutputNotes.Apply(result, report, label, maxBytes, line => sink.OnLine(new SandboxLine(OutputStream.Harness, line, time.GetTimestamp())));
    }

    private SandboxRunResult Error(long begin, string reason)
    {
        var now = time.GetTimestamp();
        return new SandboxRunResult(RunOutcome.SandboxError, null, reason, time.GetElapsedTime(begin, now), begin, now);
    }

    private static string Clean(string s) => new(s.Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' ? c : '-').Take(40).ToArray());
}
