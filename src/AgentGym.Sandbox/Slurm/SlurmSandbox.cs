using AgentGym.Sandbox.Streams;
using System.Globalization;
using AgentGym.Core.Sandboxing;
using AgentGym.Sandbox.Archives;
using AgentGym.Sandbox.Docker;

namespace AgentGym.Sandbox.Slurm;

/// <summary>
/// Runs each request as one Slurm batch job. Sequence: cancel leftovers of dead gym processes (once), copy the workspace
/// into a fresh folder on the shared directory, write the wrapper script (<see cref="SlurmJobScript"/>), sbatch it,
/// follow the node-stamped output and the job's state until the wrapper reports an end or Slurm ends the job
/// (<see cref="SlurmJobWatch"/>), then copy /outputs (and /workspace when asked) back as plain files and delete the folder.
/// </summary>
internal sealed class SlurmSandbox : ISandbox
{
    private readonly SlurmSandboxOptions _options;
    private readonly TimeProvider _time;
    private readonly SlurmCommands _slurm;
    private readonly SlurmLeftovers _leftovers;
    private readonly string? _repositoryRoot;

    public SlurmSandbox(SlurmSandboxOptions options, TimeProvider time)
    {
        _options = options;
        _time = time;
        _slurm = new SlurmCommands(options.CommandTimeout);
        _leftovers = new SlurmLeftovers(_slurm, options);
        _repositoryRoot = options.RepositoryRoot ?? SandboxImageRecipes.FindRepositoryRoot();
    }

    public string Name => "slurm";

    internal SlurmCommands Commands => _slurm;

    public async Task<SandboxRunResult> RunAsync(SandboxRunRequest request, ISandboxOutput output, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(output);
        var sink = new SerializedOutput(output);
        var begin = _time.GetTimestamp();
        if (request.Command.Count == 0) return Error(begin, "the request has no command to run");
        if (request.Limits.Gpus < 0 && request.Limits.GpuIds.Count == 0)
            return Error(begin, "the task asks for all GPUs (-1); on Slurm a job must ask for a count: set resources.gpus to a number");
        var jobName = JobName(request);
        var runDirectory = Path.Combine(Path.GetFullPath(_options.SharedDirectory), jobName);
        try
        {
            await _leftovers.CancelOnceAsync(cancellationToken).ConfigureAwait(false);
            Directory.CreateDirectory(Path.Combine(runDirectory, "outputs"));
            await PlainTree.CopyAsync(request.WorkspaceDirectory, Path.Combine(runDirectory, "workspace"), cancellationToken).ConfigureAwait(false);
            var script = SlurmJobScript.Build(request, _options, runDirectory, jobName, ImageCandidates(request.Image));
            await File.WriteAllTextAsync(Path.Combine(runDirectory, SlurmJobScript.ScriptFile), script, cancellationToken).ConfigureAwait(false);

            var arguments = SlurmJobScript.SbatchArguments(request, _options, jobName, SlurmLeftovers.Comment(_options), runDirectory);
            cancellationToken.ThrowIfCancellationRequested();
            // Not cancellable: a job sbatch has queued must be known by id, so that a cancel reaches it with scancel.
            var submitted = await _slurm.RunAsync("sbatch", arguments, CancellationToken.None).ConfigureAwait(false);
            if (!submitted.Ok || SlurmCommands.ParseJobId(submitted.Stdout) is not { } jobId)
                return Error(begin, $"sbatch refused the job: {submitted.Message} ({Describe(request)})");
            sink.OnLine(Harness($"[slurm] job {jobId} submitted ({Describe(request)}); waiting for a node"));

            var watch = new SlurmJobWatch(_slurm, _options, _time, jobId, runDirectory, request, sink);
            var result = await watch.RunAsync(cancellationToken).ConfigureAwait(false);
            if (result.Outcome is RunOutcome.Succeeded or RunOutcome.Failed or RunOutcome.OutOfMemory or RunOutcome.TimedOut)
            {
                var notes = await CopyBackAsync(request, runDirectory, sink, cancellationToken).ConfigureAwait(false);
                if (notes.Count > 0) result = result with { Reason = result.Reason + "; " + string.Join("; ", notes) };
            }
            return result;
        }
        catch (SandboxSetupException ex)
        {
            return Error(begin, ex.Message);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return Error(begin, $"the shared folder {_options.SharedDirectory} could not be used: {ex.Message}");
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            var now = _time.GetTimestamp();
            return new SandboxRunResult(RunOutcome.Cancelled, null, "cancelled before the job was submitted", _time.GetElapsedTime(begin, now), begin, now);
        }
        finally
        {
            if (!_options.KeepJobDirectories)
            {
                try { Directory.Delete(runDirectory, recursive: true); }
                catch (Exception ex) when (ex is IOException or UnauthorizedAccessException) { /* a node may still hold a file; the folder is named after the job */ }
            }
        }
    }

    /// <summary>The references tried on the node: agentgym-cpu (a recipe alias) is its recipe's hash tag, then :latest.</summary>
    internal IReadOnlyList<string> ImageCandidates(string image)
    {
        var (name, tag) = ImageResolver.Split(image);
        if (tag is null && ImageResolver.RecipeName(name) is { } recipe)
        {
            var candidates = new List<string>();
            if (_repositoryRoot is not null && SandboxImageRecipes.RecipeDirectory(_repositoryRoot, recipe) is { } dir)
                candidates.Add($"{name}:{SandboxImageRecipes.ComputeTag(dir)}");
            candidates.Add($"{name}:latest");
            return candidates;
        }
        return [tag is null && !image.Contains('@', StringComparison.Ordinal) ? image + ":latest" : image];
    }

    private async Task<List<string>> CopyBackAsync(SandboxRunRequest request, string runDirectory, SerializedOutput sink, CancellationToken cancellationToken)
    {
        var notes = new List<string>();
        foreach (var (from, to, label) in new[]
        {
            (Path.Combine(runDirectory, "outputs"), (string?)request.OutputDirectory, ContainerSpec.OutputsPath),
            (Path.Combine(runDirectory, "workspace"), request.WorkspaceResultDirectory, ContainerSpec.WorkspacePath),
        })
        {
            if (to is null || !Directory.Exists(from)) continue;
            var dropped = PlainTree.Links(from);
            await PlainTree.CopyAsync(from, to, cancellationToken).ConfigureAwait(false);
            if (dropped.Count == 0) continue;
            var note = $"{dropped.Count} entries in {label} were not plain files and were dropped: {string.Join(", ", dropped.Take(10))}";
            sink.OnLine(Harness("[sandbox] " + note));
            notes.Add(note);
        }
        return notes;
    }

    private string JobName(SandboxRunRequest request)
    {
        static string Clean(string s, int max) => new(s.Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' ? c : '-').Take(max).ToArray());
        return $"{_options.JobNamePrefix}-{Clean(request.EpisodeId, 40)}-{Clean(request.RunId, 24)}-{Guid.NewGuid().ToString("N")[..8]}";
    }

    private string Describe(SandboxRunRequest request)
    {
        var l = request.Limits;
        var gpus = l.GpuIds.Count > 0 ? l.GpuIds.Count : l.Gpus;
        return string.Create(CultureInfo.InvariantCulture,
            $"{Math.Max(1, (int)Math.Ceiling(l.Cpus))} CPUs, {l.MemoryMb} MB, {gpus} GPUs, partition {_options.Partition ?? "default"}, runtime {SlurmJobScript.RuntimeName(_options.Runtime)}");
    }

    private SandboxLine Harness(string text) => new(OutputStream.Harness, text, _time.GetTimestamp());

    private SandboxRunResult Error(long begin, string reason)
    {
        var now = _time.GetTimestamp();
        return new SandboxRunResult(RunOutcome.SandboxError, null, reason, _time.GetElapsedTime(begin, now), begin, now);
    }
}
