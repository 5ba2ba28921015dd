using System.Globalization;
using AgentGym.Core.Sandboxing;
using Docker.DotNet;
using Docker.DotNet.Models;

namespace AgentGym.Sandbox.Docker;

/// <summary>
/// Watches a running command for progress: output lines (it sits between the reader and the run's output) and the
/// container's CPU time (the engine's stats, which answer for a paused container too, where an exec would not). A
/// paused container, or no line and no CPU time for <see cref="DockerSandboxOptions.StallAfter"/>, is a stall; it is
/// reported as it starts and ends (<see cref="ISandboxOutput.OnStall"/>), and its span is kept so it is not counted
/// as training.
/// </summary>
internal sealed class StallWatch(ISandboxOutput inner, DockerEngine engine, string containerId, DockerSandboxOptions options, TimeProvider time) : ISandboxOutput
{
    /// <summary>Share of one CPU over a check interval below which CPU time does not count as progress.</summary>
    private const double MinimumCpuShare = 0.02;

    private long _lastProgress = time.GetTimestamp();
    private long _stalledSince;
    private bool _stalled;
    private readonly Lock _gate = new();

    /// <summary>Summed span of every stall so far (one still going counts up to now).</summary>
    public TimeSpan StalledTime { get; private set; }

    public int Stalls { get; private set; }

    public void OnLine(SandboxLine line)
    {
        Interlocked.Exchange(ref _lastProgress, line.HostTimestamp);
        // A line is progress at once: the stall ends before the line that ended it is logged.
        lock (_gate) if (_stalled) Resume(line.HostTimestamp);
        inner.OnLine(line);
    }

    public void OnStall(SandboxStall stall) => inner.OnStall(stall);

    /// <summary>Polls until cancelled (the command ended); never throws for the engine's sake.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        ulong? lastCpu = null;
        try
        {
            while (true)
            {
                await Task.Delay(options.StallCheckInterval, time, cancellationToken).ConfigureAwait(false);
                var (paused, cpu) = await ProbeAsync(cancellationToken).ConfigureAwait(false);
                var now = time.GetTimestamp();
                // Progress is more than a trickle of CPU: the engine's and the kernel's housekeeping charge a few ms now and then.
                if (cpu is { } c && lastCpu is { } l && c > l && c - l > MinimumCpuShare * options.StallCheckInterval.TotalNanoseconds)
                    Interlocked.Exchange(ref _lastProgress, now);
                lastCpu = cpu ?? lastCpu;
                var quiet = time.GetElapsedTime(Interlocked.Read(ref _lastProgress), now);
                lock (_gate)
                {
                    if (!_stalled && (paused || quiet >= options.StallAfter))
                    {
                        _stalled = true;
                        Stalls++;
                        // A quiet stall began when progress stopped; a pause is seen at the first check after it.
                        _stalledSince = paused ? now : Interlocked.Read(ref _lastProgress);
                        var why = paused ? "the container is paused" : $"no output and no CPU time for {Seconds(quiet)}";
                        Report(true, $"[sandbox] the run is stalled: {why}; this time is not counted as training", now);
                    }
                    else if (_stalled && !paused && quiet < options.StallAfter)
                    {
                        Resume(now);
                    }
                }
            }
        }
        catch (OperationCanceledException)
        {
            lock (_gate) if (_stalled) StalledTime += time.GetElapsedTime(_stalledSince, time.GetTimestamp());
        }
    }

    /// <summary>Ends the current stall; called under the lock.</summary>
    private void Resume(long now)
    {
        _stalled = false;
        var span = time.GetElapsedTime(_stalledSince, now);
        StalledTime += span;
        Report(false, $"[sandbox] the run resumed after {Seconds(span)} stalled", now);
    }

    private void Report(bool stalled, string text, long now)
    {
        inner.OnLine(new SandboxLine(OutputStream.Harness, text, now));
        inner.OnStall(new SandboxStall(stalled, now, text));
    }

    private async Task<(bool Paused, ulong? Cpu)> ProbeAsync(CancellationToken cancellationToken)
    {
        try
        {
            var inspect = await engine.CallAsync(ct => engine.Client.Containers.InspectContainerAsync(containerId, ct), cancellationToken).ConfigureAwait(false);
            var stats = new LastStats();
            await engine.Client.Containers.GetContainerStatsAsync(containerId, new ContainerStatsParameters { Stream = false, OneShot = true }, stats, cancellationToken).ConfigureAwait(false);
            return (inspect.State?.Paused == true, stats.Value?.CPUStats?.CPUUsage?.TotalUsage);
        }
        catch (Exception ex) when (ex is DockerApiException or SandboxSetupException or HttpRequestException or IOException)
        {
            return (false, null);
        }
    }

    /// <summary>Waits for the watch to end (its token is cancelled by now) and adds the stalls to the result.</summary>
    public async Task<SandboxRunResult> SettleAsync(Task watching, SandboxRunResult result)
    {
        await watching.ConfigureAwait(false);
        if (Stalls == 0) return result;
        result = result with { StalledTime = StalledTime };
        return RunLimits.With(result, RunLimits.Stall, $"stalled {Stalls} time(s), {Seconds(StalledTime)} in all (not counted as training)");
    }

    private static string Seconds(TimeSpan span) => span.TotalSeconds.ToString("0", CultureInfo.InvariantCulture) + " s";

    private sealed class LastStats : IProgress<ContainerStatsResponse>
    {
        public ContainerStatsResponse? Value { get; private set; }

        public void Report(ContainerStatsResponse value) => Value = value;
    }
}
