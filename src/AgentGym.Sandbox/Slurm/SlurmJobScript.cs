using System.Globalization;
using System.Text;
using AgentGym.Core.Sandboxing;
using AgentGym.Sandbox.Docker;
using AgentGym.Sandbox.Local;

namespace AgentGym.Sandbox.Slurm;

/// <summary>
/// The batch script of one run and the sbatch arguments that go with it. The script is the gym's own wrapper: on the
/// node it starts the command (through docker, podman or as a bare process), stamps every stdout and stderr line with
/// the node's clock as it is read from the pipe (bash 5's $EPOCHREALTIME, microseconds), enforces the exact time
/// limit from the command's start, and appends node-side events to the run folder's events file:
/// <c>EPOCH node HOST</c>, <c>EPOCH start</c>, <c>EPOCH end CODE KIND</c> (KIND: exit, timeout, oom, cancelled,
/// runtime) or <c>EPOCH fail MESSAGE</c> (set-up failed). The script's files are out of the command's reach with
/// the container runtimes: only workspace/ and outputs/ are mounted.
/// </summary>
internal static class SlurmJobScript
{
    public const string EventsFile = "events";
    public const string StdoutFile = "stdout.log";
    public const string StderrFile = "stderr.log";
    public const string ScriptFile = "job.sh";
    public const string SlurmOutputFile = "slurm.out";
    public const string ContainerLabel = "agentgym-slurm";

    /// <summary>sbatch arguments, the script path last. Memory in MB, time in whole minutes (Slurm's granularity).</summary>
    public static List<string> SbatchArguments(SandboxRunRequest request, SlurmSandboxOptions options, string jobName, string comment, string runDirectory)
    {
        var limits = request.Limits;
        var cpus = Math.Max(1, (int)Math.Ceiling(limits.Cpus));
        var minutes = Math.Max(1, (int)Math.Ceiling((request.TimeLimit + options.TimeLimitMargin).TotalMinutes));
        var args = new List<string>
        {
            "--parsable",
            "--job-name=" + jobName,
            "--comment=" + comment,
            "--nodes=1",
            "--ntasks=1",
            "--cpus-per-task=" + cpus.ToString(CultureInfo.InvariantCulture),
            "--mem=" + Math.Max(1, limits.MemoryMb).ToString(CultureInfo.InvariantCulture) + "M",
            "--time=" + minutes.ToString(CultureInfo.InvariantCulture),
            "--output=" + Path.Combine(runDirectory, SlurmOutputFile),
            "--chdir=" + runDirectory,
            // The command sees only the request's environment; the wrapper itself needs nothing from the login node's.
            "--export=NONE",
        };
        var gpus = limits.GpuIds.Count > 0 ? limits.GpuIds.Count : limits.Gpus;
        if (gpus > 0) args.Add("--gres=gpu:" + gpus.ToString(CultureInfo.InvariantCulture));
        if (options.Partition is { } p) args.Add("--partition=" + p);
        if (options.Account is { } a) args.Add("--account=" + a);
        if (options.Qos is { } q) args.Add("--qos=" + q);
        args.AddRange(options.ExtraSbatchArguments);
        args.Add(Path.Combine(runDirectory, ScriptFile));
        return args;
    }

    /// <summary>The wrapper script. <paramref name="imageCandidates"/>: references tried in order on the node (container runtimes only).</summary>
    public static string Build(SandboxRunRequest request, SlurmSandboxOptions options, string runDirectory, string jobName, IReadOnlyList<string> imageCandidates)
    {
        var s = new StringBuilder();
        s.Append("#!/bin/bash\n");
        s.Append("# AgentGym Slurm wrapper for ").Append(jobName).Append(" (written by the gym; see src/AgentGym.Sandbox/README.md).\n");
        s.Append("export LC_ALL=C\n");
        s.Append("run=").Append(Q(runDirectory)).Append('\n');
        s.Append("name=").Append(Q(jobName)).Append('\n');
        s.Append("limit=").Append(request.TimeLimit.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture)).Append('\n');
        s.Append("runtime=").Append(RuntimeName(options.Runtime)).Append('\n');
        s.Append(Prelude);
        if (options.Runtime != SlurmContainerRuntime.None)
        {
            s.Append("image=''\nfor candidate in");
            foreach (var c in imageCandidates) s.Append(' ').Append(Q(c));
            s.Append("; do\n  if \"$runtime\" image inspect \"$candidate\" >/dev/null 2>&1; then image=$candidate; break; fi\ndone\n");
            s.Append("[ -n \"$image\" ] || fail \"image ").Append(Escape(string.Join(" or ", imageCandidates)))
                .Append(" not found by $runtime on node $(hostname) (the job never pulls): build or load it on the nodes, e.g. agentgym sandbox build cpu\"\n");
            s.Append("chmod -R a+rwX \"$run/workspace\" \"$run/outputs\" || fail \"could not open the run folder to the container user\"\n");
        }
        s.Append("launch() {\n  ");
        s.Append(options.Runtime == SlurmContainerRuntime.None ? BareCommand(request, runDirectory) : ContainerCommand(request, options, runDirectory));
        s.Append("\n}\n");
        s.Append(Body);
        return s.ToString();
    }

    public static string RuntimeName(SlurmContainerRuntime runtime) => runtime switch
    {
        SlurmContainerRuntime.Docker => "docker",
        SlurmContainerRuntime.Podman => "podman",
        _ => "none",
    };

    /// <summary>docker/podman run with the Docker backend's hardening; workspace and outputs are binds of the run folder.</summary>
    private static string ContainerCommand(SandboxRunRequest request, SlurmSandboxOptions options, string runDirectory)
    {
        var limits = request.Limits;
        var memory = Math.Max(6, limits.MemoryMb).ToString(CultureInfo.InvariantCulture) + "m";
        var a = new List<string>
        {
            "run", "--name", NameMarker, "--init", "--network", "none", "--read-only", "--cap-drop", "ALL",
            "--security-opt", "no-new-privileges", "--user", ContainerSpec.RunUser,
            "--memory", memory, "--memory-swap", memory,
            "--cpus", Math.Max(0.01, limits.Cpus).ToString("0.###", CultureInfo.InvariantCulture),
            "--pids-limit", limits.Pids.ToString(CultureInfo.InvariantCulture),
            "--shm-size", Math.Max(1, limits.ShmMb).ToString(CultureInfo.InvariantCulture) + "m",
            "--tmpfs", $"/tmp:rw,nosuid,nodev,size={options.TmpMb.ToString(CultureInfo.InvariantCulture)}m,mode=1777",
            "-v", Path.Combine(runDirectory, "workspace") + ":" + ContainerSpec.WorkspacePath,
            "-v", Path.Combine(runDirectory, "outputs") + ":" + ContainerSpec.OutputsPath,
            "-w", ContainerSpec.WorkspacePath,
            "--label", ContainerLabel + "=1",
            "--label", ContainerLabel + ".run=" + request.RunId,
        };
        if (request.DataDirectory is { } data) a.AddRange(["-v", Path.GetFullPath(data) + ":" + ContainerSpec.DataPath + ":ro"]);
        foreach (var (key, value) in request.Environment.OrderBy(kv => kv.Key, StringComparer.Ordinal)) a.AddRange(["-e", key + "=" + value]);
        var line = new StringBuilder("exec \"$runtime\"");
        foreach (var arg in a) line.Append(' ').Append(arg == NameMarker ? "\"$name\"" : Q(arg));
        var gpus = limits.GpuIds.Count > 0 ? limits.GpuIds.Count : limits.Gpus;
        // The GPUs Slurm allocated to the job (physical indices), handed to the container.
        if (gpus != 0)
            line.Append(options.Runtime == SlurmContainerRuntime.Docker
                ? " --gpus \"\\\"device=${SLURM_JOB_GPUS:-${CUDA_VISIBLE_DEVICES:-}}\\\"\""
                : " $(IFS=,; for g in ${SLURM_JOB_GPUS:-${CUDA_VISIBLE_DEVICES:-}}; do printf -- ' --device nvidia.com/gpu=%s' \"$g\"; done)");
        // umask 000: what the command creates stays removable by the gym's user, which is not uid 65534.
        line.Append(" \"$image\" sh -c 'umask 000; exec \"$@\"' sh");
        foreach (var arg in request.Command) line.Append(' ').Append(Q(arg));
        return line.ToString();
    }

    private const string NameMarker = "\u0000name";

    /// <summary>A bare process: only the request's environment plus PATH, HOME and TMPDIR; /workspace, /outputs and /data
    /// in arguments and values rewritten to the run folder (as the local sandbox does); setsid makes it a group leader.</summary>
    private static string BareCommand(SandboxRunRequest request, string runDirectory)
    {
        var workspace = Path.Combine(runDirectory, "workspace");
        var outputs = Path.Combine(runDirectory, "outputs");
        var data = request.DataDirectory is null ? null : Path.GetFullPath(request.DataDirectory);
        var line = new StringBuilder("cd \"$run/workspace\" && exec env -i PATH=\"$PATH\" HOME=\"$run/tmp\" TMPDIR=\"$run/tmp\"");
        foreach (var (key, value) in request.Environment.OrderBy(kv => kv.Key, StringComparer.Ordinal))
            line.Append(' ').Append(Q(key + "=" + LocalSandbox.Rewrite(value, workspace, outputs, data)));
        line.Append(" setsid");
        foreach (var arg in request.Command) line.Append(' ').Append(Q(LocalSandbox.Rewrite(arg, workspace, outputs, data)));
        return line.ToString();
    }

    /// <summary>Single-quoted for bash: any byte but NUL survives.</summary>
    public static string Q(string value) => "'" + value.Replace("'", "'\\''", StringComparison.Ordinal) + "'";

    /// <summary>For text inside a double-quoted bash string.</summary>
    private static string Escape(string value) =>
        value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal)
            .Replace("$", "\\$", StringComparison.Ordinal).Replace("`", "\\`", StringComparison.Ordinal);

    private const string Prelude = """
        cd "$run" || exit 90
        exec 3>>"$run/events"
        now() { if [ -n "${EPOCHREALTIME:-}" ]; then printf '%s' "$EPOCHREALTIME"; else date +%s.%N; fi; }
        fail() { printf '%s fail %s\n' "$(now)" "$*" >&3; exit 90; }
        printf '%s node %s\n' "$(now)" "$(hostname)" >&3
        [ -n "${EPOCHREALTIME:-}" ] || fail "bash 5 or newer is needed on node $(hostname) (EPOCHREALTIME)"
        if [ "$runtime" != none ]; then command -v "$runtime" >/dev/null 2>&1 || fail "$runtime is not installed on node $(hostname)"; fi
        mkdir -p "$run/tmp"
        fifos=$(mktemp -d "${TMPDIR:-/tmp}/agentgym-XXXXXX") || fail "could not create a temporary folder on node $(hostname)"
        mkfifo "$fifos/o" "$fifos/e" || fail "could not create pipes on node $(hostname)"

        """;

    // The stampers read each pipe line by line and prefix the node's clock; the watchdog ends the run at the exact limit;
    // TERM/INT (scancel, Slurm's own time limit) kill the run the same way, so no container outlives its job.
    private const string Body = """
        stamp() { local line; while IFS= read -r line || [ -n "$line" ]; do printf '%s %s\n' "$EPOCHREALTIME" "$line"; done; }
        kill_run() {
          if [ "$runtime" = none ]; then [ -n "${pid:-}" ] && kill -KILL -- "-$pid" 2>/dev/null
          else "$runtime" kill "$name" >/dev/null 2>&1; fi
        }
        stamp < "$fifos/o" > "$run/stdout.log" & so=$!
        stamp < "$fifos/e" > "$run/stderr.log" & se=$!
        cancelled=0
        trap 'cancelled=1; kill_run' TERM INT
        start=$EPOCHREALTIME
        launch > "$fifos/o" 2> "$fifos/e" < /dev/null &
        pid=$!
        printf '%s start\n' "$start" >&3
        ( trap 'kill "$s" 2>/dev/null; exit 0' TERM; sleep "$limit" & s=$!; wait "$s"; : > "$fifos/timeout"; kill_run ) &
        wd=$!
        wait "$pid"; code=$?
        while kill -0 "$pid" 2>/dev/null; do wait "$pid"; code=$?; done
        end=$EPOCHREALTIME
        kill "$wd" 2>/dev/null; wait "$wd" 2>/dev/null
        kind=exit
        if [ -e "$fifos/timeout" ]; then kind=timeout; elif [ "$cancelled" = 1 ]; then kind=cancelled; fi
        if [ "$runtime" = none ]; then
          kill -KILL -- "-$pid" 2>/dev/null
        else
          if [ "$kind" = exit ] && [ "$code" = 125 ]; then kind=runtime; fi
          if [ "$code" = 137 ] && [ "$("$runtime" inspect -f '{{.State.OOMKilled}}' "$name" 2>/dev/null)" = true ]; then kind=oom; fi
          "$runtime" rm -f "$name" >/dev/null 2>&1
        fi
        wait "$so" "$se" 2>/dev/null
        printf '%s end %s %s\n' "$end" "$code" "$kind" >&3
        rm -rf "$fifos"
        exit "$code"

        """;
}
