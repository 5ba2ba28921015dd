using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using AgentGym.Agents.Llm;
using AgentGym.Agents.Prompts;
using AgentGym.Agents.Sk;
using AgentGym.Core.Agents;
using AgentGym.Core.Gym;
using AgentGym.Core.Json;
using AgentGym.Core.Tools;
using Microsoft.SemanticKernel.ChatCompletion;

namespace AgentGym.Agents.Scaffolds;

/// <summary>
/// Flat, Tree, Forest, AIDE and Multi-AIDE over one episode. Every action goes through the environment's tools
/// (write_file/edit_file to put a node's code in the workspace, run_training/run_status/get_metrics to run it,
/// inspect_logs to debug it, submit for the best node), so the trajectory holds the whole search; the tree itself is
/// written to scaffold.json beside it, and each step's info.agent names its node and phase.
/// </summary>
internal sealed class SearchScaffold(ScaffoldKind kind, ChatModelFactory models, ScaffoldOptions options, PromptLibrary prompts) : IEpisodeAgent
{
    private readonly ScaffoldParameters _parameters = options.Parameters ?? ScaffoldParameters.For(kind);

    public string Name => ScaffoldKinds.Format(kind);

    public async Task<EpisodeOutcome> RunAsync(IGymEnvironment environment, ResetOptions resetOptions,
        Action<int, ToolCall, StepResult>? onStep = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(environment);
        ArgumentNullException.ThrowIfNull(resetOptions);
        var model = models(resetOptions.Seed);
        var reset = await environment.ResetAsync(resetOptions, cancellationToken).ConfigureAwait(false);
        var search = new Search(this, model, new GymSession(environment, Name, onStep), reset, resetOptions);
        try
        {
            await search.RunAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            search.WriteRecords("model_error", ex);
            throw;
        }
        return search.Session.Outcome();
    }

    /// <summary>The state of one episode's search.</summary>
    private sealed class Search
    {
        private readonly SearchScaffold _owner;
        private readonly ChatModel _model;
        private readonly ResetResult _reset;
        private readonly ResetOptions _resetOptions;
        private readonly Random _random;
        private readonly List<SearchNode> _nodes = [];
        private readonly Queue<SearchNode> _pendingImprovements = new();
        private readonly double _target;
        private readonly string _mainFile;
        private readonly string _hintGuidance;
        private SearchNode? _submitted;
        private int _drafts;
        private int _proposals;
        private int _unreadableReplies;

        public Search(SearchScaffold owner, ChatModel model, GymSession session, ResetResult reset, ResetOptions resetOptions)
        {
            _owner = owner;
            _model = model;
            Session = session;
            _reset = reset;
            _resetOptions = resetOptions;
            // The debug coin is seeded per episode: the same seed and answers give the same tree.
            _random = new Random(resetOptions.Seed);
            _target = session.Episode.TargetValLoss;
            var code = WorkspaceFiles.ReadTextFiles(session.Episode.WorkspaceDirectory);
            _mainFile = WorkspaceFiles.MainFile(code, session.Episode.EntryCommand);
            _hintGuidance = owner.Prompts.HintGuidance(resetOptions.Hints);
            _nodes.Add(new SearchNode(0, null, NodeStage.Root, code));
        }

        public GymSession Session { get; }

        private ScaffoldOptions Options => _owner.Options;
        private ScaffoldParameters Parameters => _owner._parameters;
        private PromptLibrary Prompts => _owner.Prompts;
        private SearchNode Root => _nodes[0];
        private int Executed => _nodes.Count(n => n.Executed);

        public async Task RunAsync(CancellationToken cancellationToken)
        {
            var maxProposals = Options.MaxProposals ?? 2 * Options.MaxNodes;
            while (Executed < Options.MaxNodes && _proposals < maxProposals && !Session.Over && BudgetLeft())
            {
                var (parent, stage) = Choose();
                await ExpandAsync(parent, stage, cancellationToken).ConfigureAwait(false);
            }
            if (!Session.Over) await SubmitAsync(cancellationToken).ConfigureAwait(false);
            WriteRecords(Session.Last?.Terminated == true ? "submitted" : Session.Over ? "truncated" : "search_finished", null);
        }

        /// <summary>Stops searching while there are still steps and runs left to submit, when the budgets are known.</summary>
        private bool BudgetLeft()
        {
            var budgets = _resetOptions.Budgets;
            if (budgets?.MaxSteps is { } maxSteps && maxSteps - Session.Steps < Options.ReserveSteps) return false;
            if (budgets?.MaxTrainingRuns is { } maxRuns && Executed >= maxRuns) return false;
            return true;
        }

        private (SearchNode Parent, NodeStage Stage) Choose()
        {
            if (_drafts < Parameters.Roots || Parameters.Branching == 0) return (Root, NodeStage.Draft);
            if (Parameters.DebugProbability > 0 && _random.NextDouble() < Parameters.DebugProbability)
            {
                var buggy = _nodes.Where(n => n.Buggy && n.Children.Count == 0 && n.DebugDepth < Parameters.MaxDebugDepth).ToList();
                if (buggy.Count > 0) return (buggy[_random.Next(buggy.Count)], NodeStage.Debug);
            }
            while (_pendingImprovements.Count > 0)
            {
                var pending = _pendingImprovements.Dequeue();
                return (pending, NodeStage.Improve);
            }
            var best = BestForImprovement();
            if (best is null) return (Root, NodeStage.Draft);
            // Branch: this and the next Branching-1 expansions all start from the same best node.
            for (var i = 1; i < Parameters.Branching; i++) _pendingImprovements.Enqueue(best);
            return (best, NodeStage.Improve);
        }

        /// <summary>The fastest node that reached the target; failing that, the working node with the lowest loss.</summary>
        private SearchNode? BestForImprovement() =>
            BestValid() ?? _nodes.Where(n => n.Executed && !n.Buggy).OrderBy(n => n.Run!.ValLoss).ThenBy(n => n.Id).FirstOrDefault();

        private SearchNode? BestValid() =>
            _nodes.Where(n => n.Valid(_target)).OrderBy(n => n.Run!.TrainTimeMs).ThenBy(n => n.Id).FirstOrDefault();

        private async Task ExpandAsync(SearchNode parent, NodeStage stage, CancellationToken cancellationToken)
        {
            _proposals++;
            if (stage == NodeStage.Draft) _drafts++;
            var node = new SearchNode(_nodes.Count, parent, stage, parent.Code);
            _nodes.Add(node);
            parent.Children.Add(node);
            JsonObject Info(string phase) => new() { ["node"] = node.Id, ["parent"] = parent.Id, ["stage"] = node.Stage.ToString().ToLowerInvariant(), ["phase"] = phase };

            await RestoreAsync(parent.Code, Info("restore"), cancellationToken).ConfigureAwait(false);
            if (Session.Over) return;

            string? logTail = null;
            if (stage == NodeStage.Debug)
            {
                if (parent.Run?.RunId is { } runId)
                {
                    var logs = await Session.StepAsync("inspect_logs", new { run_id = runId, tail = Options.LogTailLines }, Info("logs"), cancellationToken).ConfigureAwait(false);
                    logTail = logs.Observation.Text;
                    if (Session.Over) return;
                }
                else
                {
                    logTail = parent.Run?.Reason ?? "(the run never started)";
                }
            }

            var history = new ChatHistory(Prompts.Render("scaffold/system.md", new Dictionary<string, string> { ["main_file"] = _mainFile }));
            history.AddUserMessage(Prompt(parent, stage, logTail));
            var settings = _model.Settings(_resetOptions.Seed, functions: null);
            var applied = false;
            var files = new SortedSet<string>(parent.Code.Keys, StringComparer.Ordinal);
            for (var attempt = 1; attempt <= Options.MaxEditAttempts && !Session.Over; attempt++)
            {
                node.EditAttempts = attempt;
                var reply = await _model.CompleteAsync(history, settings, null, Session.Steps + 1, cancellationToken).ConfigureAwait(false);
                Session.Usage.Add(reply.Usage);
                if (reply.Error is { } unreadable)
                {
                    // An unreadable reply (after the retries) costs this attempt, not the episode.
                    _unreadableReplies++;
                    history.AddUserMessage(Prompts.Render("unreadable_reply.md", new Dictionary<string, string> { ["error"] = unreadable.Message }));
                    continue;
                }
                node.Plan ??= Plan(reply.Text);
                var (blocks, problems) = EditBlocks.Parse(reply.Text, _mainFile, parent.Code.Keys.ToList());
                var errors = new List<string>(problems);
                var done = new List<string>();
                foreach (var (block, index) in blocks.Select((b, i) => (b, i + 1)))
                {
                    if (Session.Over) break;
                    var result = block.IsWholeFile
                        ? await Session.StepAsync(ToolNames.WriteFile, new { path = block.Path, content = block.Replace }, Info("edit"), cancellationToken).ConfigureAwait(false)
                        : await Session.StepAsync(ToolNames.EditFile, new { path = block.Path, old_str = block.Search, new_str = block.Replace }, Info("edit"), cancellationToken).ConfigureAwait(false);
                    if (result.Observation.IsError) errors.Add($"Block {index} ({block.Path}) failed: {result.Observation.Text}");
                    else
                    {
                        done.Add(index.ToString(CultureInfo.InvariantCulture));
                        files.Add(block.Path);
                    }
                }
                if (errors.Count == 0) { applied = true; break; }
                history.Add(reply.Message!);
                history.AddUserMessage(Prompts.Render("scaffold/edit_failed.md", new Dictionary<string, string>
                {
                    ["applied"] = done.Count == 0 ? "No block was applied." : $"Block(s) {string.Join(", ", done)} were applied and are now in the file.",
                    ["errors"] = string.Join("\n\n", errors),
                }));
            }
            node.Code = WorkspaceFiles.ReadTextFiles(Session.Episode.WorkspaceDirectory, files);
            if (!applied || Session.Over)
            {
                node.EditFailed = !applied;
                return;
            }
            node.Run = await RunWaiter.RunAsync(Session, Info, Options.RunWaitSeconds, cancellationToken).ConfigureAwait(false);
        }

        /// <summary>Puts a node's code back into the workspace with write_file, for the files that differ.</summary>
        private async Task RestoreAsync(IReadOnlyDictionary<string, string> code, JsonObject info, CancellationToken cancellationToken)
        {
            var current = WorkspaceFiles.ReadTextFiles(Session.Episode.WorkspaceDirectory, code.Keys);
            foreach (var (path, content) in code)
            {
                if (Session.Over) return;
                if (current.TryGetValue(path, out var now) && now == content) continue;
                await Session.StepAsync(ToolNames.WriteFile, new { path, content }, (JsonObject)info.DeepClone(), cancellationToken).ConfigureAwait(false);
            }
        }

        private string Prompt(SearchNode parent, NodeStage stage, string? logTail)
        {
            var values = new Dictionary<string, string>
            {
                ["task"] = _reset.Observation.Text,
                ["hint_guidance"] = _hintGuidance,
                ["code"] = CodeListing(parent.Code),
                ["journal"] = Journal(),
            };
            if (stage != NodeStage.Draft) values["parent_summary"] = Summary(parent);
            if (stage == NodeStage.Debug) values["log_tail"] = logTail ?? "";
            var template = stage switch { NodeStage.Draft => "scaffold/draft.md", NodeStage.Improve => "scaffold/improve.md", _ => "scaffold/debug.md" };
            return Prompts.Render(template, values);
        }

        private string CodeListing(IReadOnlyDictionary<string, string> code)
        {
            var sb = new StringBuilder();
            foreach (var (path, content) in code.OrderBy(p => p.Key == _mainFile ? 0 : 1).ThenBy(p => p.Key, StringComparer.Ordinal))
            {
                sb.Append("### ").Append(path).Append("\n```\n").Append(content.TrimEnd('\n')).Append("\n```\n\n");
                if (sb.Length > Options.MaxCodeChars)
                {
                    sb.Length = Options.MaxCodeChars;
                    sb.Append(CultureInfo.InvariantCulture, $"\n[Code cut at {Options.MaxCodeChars:N0} characters; read the rest with care: edits must still match the file exactly.]\n");
                    break;
                }
            }
            return sb.ToString().TrimEnd();
        }

        private string Summary(SearchNode node)
        {
            var run = node.Run;
            if (run is null) return "it was not run.";
            var parts = new List<string> { $"run {run.RunId ?? "(none)"} {run.State}" };
            if (run.ValLoss is { } loss) parts.Add(string.Create(CultureInfo.InvariantCulture, $"final val_loss {loss:F4} (target {_target})"));
            if (run.TrainTimeMs is { } ms) parts.Add(string.Create(CultureInfo.InvariantCulture, $"train_time {ms:F0} ms"));
            if (!run.Succeeded && run.Reason is { } reason) parts.Add(reason);
            parts.Add(node.Valid(_target) ? "it reaches the target" : node.Buggy ? "it is buggy" : "it misses the target");
            return string.Join(", ", parts) + ".";
        }

        private string Journal()
        {
            var executed = _nodes.Where(n => n.Executed).ToList();
            if (executed.Count == 0) return "No node has been run yet.";
            var sb = new StringBuilder("Nodes run so far:\n");
            foreach (var n in executed)
                sb.Append(CultureInfo.InvariantCulture, $"- node {n.Id} ({n.Stage.ToString().ToLowerInvariant()} of node {n.Parent?.Id}): {Summary(n)}{(n.Plan is null ? "" : " Plan: " + n.Plan)}\n");
            return sb.ToString().TrimEnd();
        }

        private static string? Plan(string? reply)
        {
            if (string.IsNullOrWhiteSpace(reply)) return null;
            var cut = reply.IndexOf("<<<<<<<", StringComparison.Ordinal);
            var text = string.Join(' ', (cut >= 0 ? reply[..cut] : reply).Split((char[])['\n', '\r'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
            if (text.Length == 0) return null;
            return text.Length <= 300 ? text : text[..300] + "...";
        }

        /// <summary>Submits the fastest valid node's run; with none, the starting code (put back in the workspace).</summary>
        private async Task SubmitAsync(CancellationToken cancellationToken)
        {
            var best = BestValid();
            var info = new JsonObject { ["node"] = best?.Id ?? 0, ["phase"] = "submit" };
            if (best is not null)
            {
                _submitted = best;
                await Session.StepAsync(ToolNames.Submit, new { run_id = best.Run!.RunId }, info, cancellationToken).ConfigureAwait(false);
                return;
            }
            await RestoreAsync(Root.Code, (JsonObject)info.DeepClone(), cancellationToken).ConfigureAwait(false);
            if (Session.Over) return;
            _submitted = Root;
            await Session.StepAsync(ToolNames.Submit, new { }, info, cancellationToken).ConfigureAwait(false);
        }

        public void WriteRecords(string stopReason, Exception? error)
        {
            var tree = new JsonObject
            {
                ["scaffold"] = _owner.Name,
                ["parameters"] = System.Text.Json.JsonSerializer.SerializeToNode(Parameters, JsonDefaults.Options),
                ["max_nodes"] = Options.MaxNodes,
                ["target_val_loss"] = double.IsFinite(_target) ? _target : null,
                ["main_file"] = _mainFile,
                ["executed_nodes"] = Executed,
                ["proposals"] = _proposals,
                ["best_node"] = BestValid()?.Id,
                ["submitted_node"] = _submitted?.Id,
                ["submitted_run"] = _submitted?.Run?.RunId,
                ["nodes"] = new JsonArray(_nodes.Select(n => (JsonNode)n.ToJson(_target)).ToArray()),
            };
            File.WriteAllText(Path.Combine(Session.Episode.Directory, "scaffold.json"), tree.ToJsonString(JsonDefaults.Indented));
            var extra = new JsonObject { ["model"] = _model.Describe(), ["executed_nodes"] = Executed, ["unreadable_replies"] = _unreadableReplies };
            if (error is not null) extra["error"] = $"{error.GetType().Name}: {error.Message}";
            Session.WriteSummary(stopReason, extra);
        }
    }

    private ScaffoldOptions Options => options;

    private PromptLibrary Prompts => prompts;
}
