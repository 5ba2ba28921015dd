using System.Globalization;
using System.Text.Json.Nodes;
using AgentGym.Core.Json;
using Spectre.Console;

namespace AgentGym.Eval.Progress;

/// <summary>How `agentgym eval` shows progress.</summary>
public enum EvalProgressStyle
{
    /// <summary>A live Spectre.Console table (a terminal).</summary>
    Live,

    /// <summary>One plain line per cell start and end (logs, CI).</summary>
    Lines,

    /// <summary>One JSON object per event (machines).</summary>
    Json,

    None,
}

/// <summary>What is known of one cell while it runs and when it ends.</summary>
internal sealed record CellProgress
{
    public required string Key { get; init; }
    public required string TaskId { get; init; }
    public required string Hints { get; init; }
    public required string Agent { get; init; }
    public required int Seed { get; init; }

    /// <summary>pending, running, done, failed, cancelled.</summary>
    public string State { get; init; } = "pending";
    public int Steps { get; init; }
    public int Runs { get; init; }

    /// <summary>Best val loss of the cell's runs so far, as the harness parsed it from their logs (not yet verified).</summary>
    public double? BestRunLoss { get; init; }
    public double? VerifiedLoss { get; init; }
    public string? Verdict { get; init; }
    public double? Fsr { get; init; }
    public TimeSpan Elapsed { get; init; }
    public string? Error { get; init; }
}

internal abstract class ProgressView
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, (CellProgress Cell, long Started)> _running = new(StringComparer.Ordinal);

    protected ProgressView(TimeProvider time) => Time = time;

    protected TimeProvider Time { get; }
    public int Total { get; private set; }
    public int Done { get; private set; }
    public int Failed { get; private set; }
    public int AlreadyDone { get; private set; }

    public static ProgressView Create(EvalProgressStyle style, TextWriter output, TimeProvider time) => style switch
    {
        EvalProgressStyle.Live => new LiveView(time),
        EvalProgressStyle.Lines => new LinesView(output, time),
        EvalProgressStyle.Json => new JsonView(output, time),
        _ => new SilentView(time),
    };

    /// <summary>Runs the experiment's work while the view shows it (the live view redraws meanwhile).</summary>
    public virtual Task RunAsync(Func<Task> work) => work();

    public void Begin(int total, int alreadyDone)
    {
        lock (_gate)
        {
            Total = total;
            AlreadyDone = alreadyDone;
            Done = alreadyDone;
        }
        OnBegin(total, alreadyDone);
    }

    public void Started(CellProgress cell)
    {
        lock (_gate) _running[cell.Key] = (cell with { State = "running" }, Time.GetTimestamp());
        OnCellStarted(cell with { State = "running" });
    }

    public void Update(string key, Func<CellProgress, CellProgress> change)
    {
        lock (_gate)
            if (_running.TryGetValue(key, out var entry)) _running[key] = (change(entry.Cell), entry.Started);
    }

    public void Finished(string key, Func<CellProgress, CellProgress> change)
    {
        CellProgress cell;
        lock (_gate)
        {
            if (!_running.Remove(key, out var entry)) return;
            cell = change(entry.Cell) with { Elapsed = Time.GetElapsedTime(entry.Started) };
            if (cell.State == "done") Done++;
            else if (cell.State == "failed") Failed++;
        }
        OnCellFinished(cell);
    }

    public void End(string outcome) => OnEnd(outcome);

    protected List<CellProgress> Running()
    {
        lock (_gate) return [.. _running.Values.Select(e => e.Cell with { Elapsed = Time.GetElapsedTime(e.Started) }).OrderBy(c => c.Key, StringComparer.Ordinal)];
    }

    protected virtual void OnBegin(int total, int alreadyDone) { }
    protected virtual void OnCellStarted(CellProgress cell) { }
    protected virtual void OnCellFinished(CellProgress cell) { }
    protected virtual void OnEnd(string outcome) { }

    internal static string Loss(double? v) => v is { } d ? d.ToString("F4", CultureInfo.InvariantCulture) : "-";
    internal static string Seconds(TimeSpan t) => t.TotalSeconds.ToString("F0", CultureInfo.InvariantCulture) + " s";
    internal static string Name(CellProgress c) => $"{c.TaskId} | {c.Hints} | {c.Agent} | seed {c.Seed}";
}

internal sealed class SilentView(TimeProvider time) : ProgressView(time);

internal sealed class LinesView(TextWriter output, TimeProvider time) : ProgressView(time)
{
    protected override void OnBegin(int total, int alreadyDone) =>
        output.WriteLine($"eval: {total} cells, {alreadyDone} already done, {total - alreadyDone} to run");

    protected override void OnCellStarted(CellProgress cell) => output.WriteLine($"start  {Name(cell)}");

    protected override void OnCellFinished(CellProgress cell) => output.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"{cell.State,-6} {Name(cell)}: {cell.Steps} steps, {cell.Runs} runs, best run loss {Loss(cell.BestRunLoss)}, verdict {cell.Verdict ?? "-"}, verified loss {Loss(cell.VerifiedLoss)}, FSR {Loss(cell.Fsr)}, {Seconds(cell.Elapsed)} [{Done}/{Total} done, {Failed} failed]{(cell.Error is null ? "" : " error: " + cell.Error)}"));

    protected override void OnEnd(string outcome) => output.WriteLine($"eval: {outcome}: {Done}/{Total} done, {Failed} failed");
}

internal sealed class JsonView(TextWriter output, TimeProvider time) : ProgressView(time)
{
    private readonly Lock _write = new();

    private void Write(JsonObject o)
    {
        lock (_write) output.WriteLine(o.ToJsonString(JsonDefaults.Options));
    }

    private JsonObject Cell(string ev, CellProgress c) => new()
    {
        ["event"] = ev,
        ["cell"] = c.Key,
        ["task_id"] = c.TaskId,
        ["hints"] = c.Hints,
        ["agent"] = c.Agent,
        ["seed"] = c.Seed,
        ["state"] = c.State,
        ["steps"] = c.Steps,
        ["runs"] = c.Runs,
        ["best_run_loss"] = c.BestRunLoss,
        ["verdict"] = c.Verdict,
        ["verified_loss"] = c.VerifiedLoss,
        ["fsr"] = c.Fsr,
        ["elapsed_s"] = Math.Round(c.Elapsed.TotalSeconds, 1),
        ["error"] = c.Error,
        ["done"] = Done,
        ["failed"] = Failed,
        ["total"] = Total,
    };

    protected override void OnBegin(int total, int alreadyDone) => Write(new JsonObject { ["event"] = "begin", ["total"] = total, ["already_done"] = alreadyDone });
    protected override void OnCellStarted(CellProgress cell) => Write(Cell("cell_started", cell));
    protected override void OnCellFinished(CellProgress cell) => Write(Cell("cell_finished", cell));
    protected override void OnEnd(string outcome) => Write(new JsonObject { ["event"] = "end", ["outcome"] = outcome, ["done"] = Done, ["failed"] = Failed, ["total"] = Total });
}

/// <summary>A live table on the terminal, redrawn twice a second: counts, then every running cell.</summary>
internal sealed class LiveView(TimeProvider time) : ProgressView(time)
{
    private readonly List<string> _finished = [];
    private readonly Lock _gate = new();

    public override async Task RunAsync(Func<Task> work)
    {
        await AnsiConsole.Live(Render()).AutoClear(false).StartAsync(async context =>
        {
            var task = work();
            while (!task.IsCompleted)
            {
                context.UpdateTarget(Render());
                await Task.WhenAny(task, Task.Delay(TimeSpan.FromMilliseconds(500), Time)).ConfigureAwait(false);
            }
            context.UpdateTarget(Render());
            await task.ConfigureAwait(false);
        }).ConfigureAwait(false);
    }

    protected override void OnCellFinished(CellProgress cell)
    {
        lock (_gate)
        {
            _finished.Add(string.Create(CultureInfo.InvariantCulture,
                $"{(cell.State == "done" ? "[green]done[/]" : "[red]" + cell.State + "[/]")} {Markup.Escape(Name(cell))}: verdict {Markup.Escape(cell.Verdict ?? "-")}, FSR {Loss(cell.Fsr)}{(cell.Error is null ? "" : " " + Markup.Escape(cell.Error))}"));
            if (_finished.Count > 8) _finished.RemoveAt(0);
        }
    }

    private Rows Render()
    {
        var running = Running();
        var table = new Table().Border(TableBorder.Rounded)
            .AddColumn("running cell").AddColumn("steps").AddColumn("runs").AddColumn("best run loss").AddColumn("elapsed");
        foreach (var c in running)
            table.AddRow(Markup.Escape(Name(c)), c.Steps.ToString(CultureInfo.InvariantCulture), c.Runs.ToString(CultureInfo.InvariantCulture), Loss(c.BestRunLoss), Seconds(c.Elapsed));
        var header = new Markup(string.Create(CultureInfo.InvariantCulture,
            $"[bold]{Done}[/]/{Total} done ({AlreadyDone} from earlier runs), [bold]{running.Count}[/] running, [red]{Failed}[/] failed"));
        List<string> finished;
        lock (_gate) finished = [.. _finished];
        return new Rows([header, table, .. finished.Select(f => (Spectre.Console.Rendering.IRenderable)new Markup(f))]);
    }
}
