using System.Diagnostics;
using AgentGym.Core.Sandboxing;

namespace AgentGym.Verifier.Tests;

/// <summary>
/// A minimal Docker backend for these tests, driving the docker CLI: the sandbox branch's DockerSandbox
/// (AgentGym.Sandbox, Sandboxes.CreateDocker) was not merged when they were written. It follows the same contract
/// (DESIGN.md, sandbox contract) closely enough for verification: no network, read-only root, unprivileged user,
/// every capability dropped, CPU/memory/pids limits, /data read-only, a time limit. Once the real backend is on
/// this branch, <see cref="TestSandboxes.Docker"/> should return Sandboxes.CreateDocker() instead.
/// </summary>
internal sealed class DockerCliSandbox(TimeProvider time) : ISandbox
{
    public string Name => "docker-cli";

    public async Task<SandboxRunResult> RunAsync(SandboxRunRequest request, ISandboxOutput output, CancellationToken cancellationToken)
    {
        var name = "agentgym-vt-" + Guid.NewGuid().ToString("N")[..12];
        var workspace = Path.Combine(Path.GetTempPath(), name);
        CopyTree(request.WorkspaceDirectory, workspace);
        Directory.CreateDirectory(request.OutputDirectory);
        OpenUp(workspace);
        OpenUp(request.OutputDirectory);
        var l = request.Limits;
        var args = new List<string>
        {
            "run", "--rm", "--name", name, "--network", "none", "--read-only", "--tmpfs", "/tmp:rw,size=256m",
            "--user", "65534:65534", "--cap-drop", "ALL", "--security-opt", "no-new-privileges",
            "--cpus", l.Cpus.ToString(System.Globalization.CultureInfo.InvariantCulture), "--memory", $"{l.MemoryMb}m",
            "--pids-limit", l.Pids.ToString(System.Globalization.CultureInfo.InvariantCulture), "--shm-size", $"{l.ShmMb}m",
            "-v", $"{workspace}:/workspace", "-v", $"{request.OutputDirectory}:/outputs", "-w", "/workspace",
        };
        if (request.DataDirectory is { } data) args.AddRange(["-v", $"{data}:/data:ro"]);
        foreach (var (k, v) in request.Environment) args.AddRange(["-e", $"{k}={v}"]);
        args.Add(request.Image);
        args.AddRange(request.Command);

        var psi = new ProcessStartInfo("docker") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args) psi.ArgumentList.Add(a);
        var start = time.GetTimestamp();
        using var process = Process.Start(psi)!;
        var stdout = Pump(process.StandardOutput, OutputStream.Stdout, output);
        var stderr = Pump(process.StandardError, OutputStream.Stderr, output);
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(request.TimeLimit);
        var outcome = RunOutcome.Succeeded;
        try
        {
            await process.WaitForExitAsync(limit.Token);
        }
        catch (OperationCanceledException)
        {
            outcome = cancellationToken.IsCancellationRequested ? RunOutcome.Cancelled : RunOutcome.TimedOut;
            using var kill = Process.Start("docker", ["kill", name]);
            await kill.WaitForExitAsync(CancellationToken.None);
            await process.WaitForExitAsync(CancellationToken.None);
        }
        await Task.WhenAll(stdout, stderr);
        var end = time.GetTimestamp();
        try { Directory.Delete(workspace, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        var code = process.ExitCode;
        if (outcome == RunOutcome.Succeeded && code != 0) outcome = code == 125 ? RunOutcome.SandboxError : RunOutcome.Failed;
        var reason = outcome switch
        {
            RunOutcome.Succeeded => "exited normally",
            RunOutcome.TimedOut => $"killed after the time limit of {request.TimeLimit.TotalSeconds:F0} s",
            RunOutcome.Cancelled => "cancelled",
            _ => $"exit code {code}",
        };
        return new SandboxRunResult(outcome, outcome is RunOutcome.TimedOut or RunOutcome.Cancelled ? null : code, reason, time.GetElapsedTime(start, end), start, end);
    }

    private async Task Pump(StreamReader reader, OutputStream stream, ISandboxOutput output)
    {
        while (await reader.ReadLineAsync() is { } line) output.OnLine(new SandboxLine(stream, line, time.GetTimestamp()));
    }

    private static void CopyTree(string source, string destination)
    {
        Directory.CreateDirectory(destination);
        foreach (var file in Directory.GetFiles(source)) File.Copy(file, Path.Combine(destination, Path.GetFileName(file)));
        foreach (var dir in Directory.GetDirectories(source)) CopyTree(dir, Path.Combine(destination, Path.GetFileName(dir)));
    }

    /// <summary>The container's user is not the host's: let it write where the run writes.</summary>
    private static void OpenUp(string directory)
    {
        if (OperatingSystem.IsWindows()) return;
        File.SetUnixFileMode(directory, (UnixFileMode)0b111_111_111);
        foreach (var entry in Directory.EnumerateFileSystemEntries(directory, "*", SearchOption.AllDirectories))
            File.SetUnixFileMode(entry, Directory.Exists(entry) ? (UnixFileMode)0b111_111_111 : (UnixFileMode)0b110_110_110);
    }
}

internal static class TestSandboxes
{
    public static ISandbox Docker() => new DockerCliSandbox(TimeProvider.System);
}
