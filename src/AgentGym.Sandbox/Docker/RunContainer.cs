using System.Globalization;
using System.Text;
using AgentGym.Sandbox.Streams;
using Docker.DotNet;
using Docker.DotNet.Models;

namespace AgentGym.Sandbox.Docker;

/// <summary>
/// One run's container, from creation to removal: helper execs, the deadline it keeps by itself, kill and removal.
/// Disposing removes it (forced, not on the run's token), so no path out of a run leaves a container behind.
/// </summary>
internal sealed class RunContainer : IAsyncDisposable
{
    private static readonly TimeSpan CleanupTimeout = TimeSpan.FromSeconds(30);

    /// <summary>A holder-owned folder the run's user cannot write to: the deadline looks for a "keep" file in it.</summary>
    private const string DeadlineFolder = "/tmp/.agentgym-deadline";

    /// <summary>
    /// How long after the run's limit the container ends on its own. Just enough for a live host, whose timer fires at
    /// the limit, to kill the run's processes and say "keep" so that /outputs can still be copied out.
    /// </summary>
    public static readonly TimeSpan DeadlineSlack = TimeSpan.FromSeconds(10);

    private readonly DockerEngine _engine;
    private readonly TimeProvider _time;

    private RunContainer(DockerEngine engine, TimeProvider time, string id)
    {
        _engine = engine;
        _time = time;
        Id = id;
    }

    public string Id { get; }

    private DockerClient Client => _engine.Client;

    public static async Task<RunContainer> StartAsync(DockerEngine engine, TimeProvider time, CreateContainerParameters spec, CancellationToken cancellationToken)
    {
        var created = await engine.CallAsync(ct => engine.Client.Containers.CreateContainerAsync(spec, ct), cancellationToken).ConfigureAwait(false);
        var container = new RunContainer(engine, time, created.ID);
        try
        {
            await engine.CallAsync(ct => engine.Client.Containers.StartContainerAsync(created.ID, new ContainerStartParameters(), ct), cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await container.DisposeAsync().ConfigureAwait(false);
            throw;
        }
        return container;
    }

    /// <summary>
    /// Starts, detached and as the holder's user (which the run cannot signal), a timer that ends the container
    /// <paramref name="limit"/> + <see cref="DeadlineSlack"/> from now unless the host said <see cref="KeepAsync"/>
    /// first. So the run's limit holds when the process that set it is killed; the holder's own sleep is only the
    /// backstop for a host that dies before the command starts.
    /// </summary>
    public async Task ArmDeadlineAsync(TimeSpan limit, CancellationToken cancellationToken)
    {
        var seconds = Math.Ceiling(Math.Min((limit + DeadlineSlack).TotalSeconds, ContainerSpec.MaxHolderLifetime.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
        // kill -1 from the holder's uid ends the holder's sleep (and spares docker-init and the caller); init then
        // exits and the engine stops the container, killing every exec in it.
        var script = $"mkdir -m 700 {DeadlineFolder} && sleep {seconds} && [ ! -e {DeadlineFolder}/keep ] && kill -KILL -1";
        var create = new ContainerExecCreateParameters { Cmd = ["sh", "-c", script], User = ContainerSpec.HolderUser, WorkingDir = "/" };
        var exec = await _engine.CallAsync(ct => Client.Exec.CreateContainerExecAsync(Id, create, ct), cancellationToken).ConfigureAwait(false);
        // Started attached (this client cannot start detached) and let go at once: the script writes nothing, and the
        // engine keeps an exec running when its attach connection closes.
        using var stream = await Client.Exec.StartContainerExecAsync(exec.ID, new ContainerExecStartParameters(), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Tells the deadline to spare the container: the host is alive and will copy out and remove it itself.</summary>
    public async Task<bool> KeepAsync(CancellationToken cancellationToken)
    {
        try
        {
            var (code, _) = await ExecAsync(["touch", DeadlineFolder + "/keep"], stdin: null, stdout: null, cancellationToken, ContainerSpec.HolderUser).ConfigureAwait(false);
            return code == 0;
        }
        catch (Exception ex) when (ex is DockerApiException or SandboxSetupException or HttpRequestException or IOException)
        {
            return false;
        }
    }

    /// <summary>Runs a helper command (as the run's user unless told otherwise); stdin is written then closed, stdout copied to the sink.</summary>
    public async Task<(long ExitCode, string Stderr)> ExecAsync(IList<string> command, Func<MultiplexedStream, Task>? stdin, Stream? stdout, CancellationToken cancellationToken, string user = ContainerSpec.RunUser)
    {
        var create = new ContainerExecCreateParameters
        {
            Cmd = command,
            User = user,
            WorkingDir = "/",
            AttachStdin = stdin is not null,
            AttachStdout = true,
            AttachStderr = true,
        };
        var exec = await _engine.CallAsync(ct => Client.Exec.CreateContainerExecAsync(Id, create, ct), cancellationToken).ConfigureAwait(false);
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

    public async Task<long?> ExitCodeAsync(string execId, CancellationToken cancellationToken)
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

    public async Task<ContainerInspectResponse?> InspectAsync(CancellationToken cancellationToken)
    {
        try
        {
            return await _engine.CallAsync(ct => Client.Containers.InspectContainerAsync(Id, ct), cancellationToken).ConfigureAwait(false);
        }
        catch (DockerApiException)
        {
            return null;
        }
    }

    public async Task KillAsync()
    {
        using var timeout = new CancellationTokenSource(CleanupTimeout);
        try
        {
            await _engine.CallAsync(ct => Client.Containers.KillContainerAsync(Id, new ContainerKillParameters { Signal = "KILL" }, ct), timeout.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is DockerApiException or SandboxSetupException or OperationCanceledException or HttpRequestException or IOException)
        {
            // Already stopped (409/404) or the engine is gone; removal with force follows either way.
        }
    }

    public ValueTask DisposeAsync() => new(RemoveAsync(_engine, Id));

    /// <summary>Forced removal on its own timeout: a cancelled run must still leave no container behind.</summary>
    public static async Task RemoveAsync(DockerEngine engine, string containerId)
    {
        using var timeout = new CancellationTokenSource(CleanupTimeout);
        try
        {
            await engine.CallAsync(ct => engine.Client.Containers.RemoveContainerAsync(containerId, new ContainerRemoveParameters { Force = true, RemoveVolumes = true }, ct), timeout.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is DockerApiException or SandboxSetupException or OperationCanceledException or HttpRequestException or IOException)
        {
            // Left behind: the next sandbox in a later process removes it (owner-pid label), and its deadline ends it.
        }
    }
}
