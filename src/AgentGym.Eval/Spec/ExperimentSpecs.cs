using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using AgentGym.Agents;
using AgentGym.Agents.Llm;
using AgentGym.Core.Gym;
using AgentGym.Core.Json;
using AgentGym.Core.Scoring;
using AgentGym.Core.Tasks;

namespace AgentGym.Eval.Spec;

/// <summary>Reads and checks experiment specs. Every refusal names the field, e.g. "agents[2].kind: unknown agent 'aider'".</summary>
public static class ExperimentSpecs
{
    private static readonly string[] TopLevel = ["name", "tasks", "hints", "agents", "scaffolds", "models", "seeds", "budgets", "concurrency", "scoring", "sandbox"];
    private static readonly string[] AgentKeys = ["label", "kind", "config", "settings", "price"];

    /// <summary>Reads a spec file; relative paths in it (agent config files) are relative to the file.</summary>
    public static ExperimentSpec Load(string path)
    {
        if (!File.Exists(path)) throw new ExperimentSpecException("(file)", $"no spec file at {path}");
        return Parse(File.ReadAllText(path), Path.GetDirectoryName(Path.GetFullPath(path))!);
    }

    public static ExperimentSpec Parse(string json, string baseDirectory)
    {
        JsonObject root;
        try
        {
            root = StrictJson.ParseNode(json, "spec") as JsonObject
                ?? throw new ExperimentSpecException("(root)", "the spec must be a JSON object");
        }
        catch (ConfigException ex)
        {
            throw new ExperimentSpecException(ex.Field, ex.Reason);
        }
        CheckKeys(root, "", TopLevel);

        var name = OptionalString(root, "name") ?? "experiment";
        if (name.Trim().Length == 0) throw new ExperimentSpecException("name", "must not be empty");

        var tasks = StringList(root, "tasks", required: true);
        var hints = new List<HintRegime>();
        var hintTexts = root.ContainsKey("hints") ? StringList(root, "hints", required: true) : ["none"];
        for (var i = 0; i < hintTexts.Count; i++)
        {
            if (!HintRegimes.TryParse(hintTexts[i], out var regime))
                throw new ExperimentSpecException($"hints[{i}]", $"unknown hint regime '{hintTexts[i]}'; use none, L1, L2, L3, L1+L2 or L1+L2+L3");
            if (hints.Contains(regime)) throw new ExperimentSpecException($"hints[{i}]", $"'{hintTexts[i]}' is listed twice");
            hints.Add(regime);
        }

        var agents = new List<AgentSpec>();
        if (root["agents"] is { } agentsNode)
        {
            var array = agentsNode as JsonArray ?? throw new ExperimentSpecException("agents", "must be an array of agent objects");
            for (var i = 0; i < array.Count; i++) agents.Add(ParseAgent(array[i], $"agents[{i}]", baseDirectory));
        }
        if (root.ContainsKey("scaffolds") || root.ContainsKey("models"))
        {
            var scaffolds = StringList(root, "scaffolds", required: true);
            var models = root["models"] as JsonArray ?? throw new ExperimentSpecException("models", "scaffolds need a models array (each: label, model, optional price)");
            if (models.Count == 0) throw new ExperimentSpecException("models", "must list at least one model");
            for (var m = 0; m < models.Count; m++)
            {
                var field = $"models[{m}]";
                var model = models[m] as JsonObject ?? throw new ExperimentSpecException(field, "must be an object with label and model");
                CheckKeys(model, field, ["label", "model", "price"]);
                var label = OptionalString(model, "label", field) ?? throw new ExperimentSpecException($"{field}.label", "is required");
                for (var s = 0; s < scaffolds.Count; s++)
                {
                    var entry = new JsonObject
                    {
                        ["label"] = $"{scaffolds[s]}/{label}",
                        ["kind"] = scaffolds[s],
                        ["settings"] = new JsonObject { ["model"] = model["model"]?.DeepClone() ?? throw new ExperimentSpecException($"{field}.model", "is required") },
                    };
                    if (model["price"] is { } price) entry["price"] = price.DeepClone();
                    agents.Add(ParseAgent(entry, $"scaffolds[{s}] x {field}", baseDirectory));
                }
            }
        }
        if (agents.Count == 0) throw new ExperimentSpecException("agents", "the spec names no agent (give agents, or scaffolds with models)");
        var duplicate = agents.GroupBy(a => a.Label, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null) throw new ExperimentSpecException("agents", $"label '{duplicate.Key}' is used twice; give each agent a distinct label");

        var seeds = ParseSeeds(root);
        var budgets = ParseBudgets(root["budgets"]);
        var concurrency = ParseConcurrency(root["concurrency"]);
        var scoring = ParseScoring(root["scoring"], baseDirectory);
        var sandbox = OptionalString(root, "sandbox");
        if (sandbox is not null && sandbox is not ("docker" or "local" or "none" or "slurm"))
            throw new ExperimentSpecException("sandbox", $"unknown sandbox '{sandbox}'; use docker, local, none or slurm");
        return new ExperimentSpec
        {
            Name = name.Trim(),
            Tasks = tasks,
            Hints = hints,
            Agents = agents,
            Seeds = seeds,
            Budgets = budgets,
            Concurrency = concurrency,
            Scoring = scoring,
            Sandbox = sandbox,
            SourceJson = root.ToJsonString(JsonDefaults.Indented),
        };
    }

    /// <summary>
    /// Checks the spec against the task catalog and builds each agent once, so that a missing task, a task without
    /// an L0 diff for the oracle, a GPU task with no GPUs to hand out or a missing API key stops the experiment before
    /// any cell runs.
    /// </summary>
    /// <param name="buildAgents">Also build each agent once (off when the caller brings its own agent factory).</param>
    /// <param name="clusterSchedules">The runs go to a cluster (Slurm) that allocates CPUs and GPUs itself: the spec's
    /// local CPU and GPU shares are not checked against the tasks.</param>
    public static void Validate(ExperimentSpec spec, TaskCatalog catalog, bool buildAgents = true, bool clusterSchedules = false)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(catalog);
        for (var i = 0; i < spec.Tasks.Count; i++)
        {
            if (!catalog.TryGet(spec.Tasks[i], out var task))
            {
                string message;
                try { catalog.Get(spec.Tasks[i]); message = "unknown task"; }
                catch (KeyNotFoundException ex) { message = ex.Message; }
                throw new ExperimentSpecException($"tasks[{i}]", message);
            }
            var gpus = task.Resources.Gpus;
            if (clusterSchedules) continue;
            if (gpus != 0 && spec.Concurrency.GpuIds.Count == 0)
                throw new ExperimentSpecException("concurrency.gpus", $"task {task.Id} needs GPUs (resources.gpus = {gpus}) but the spec hands out none");
            if (gpus > spec.Concurrency.GpuIds.Count)
                throw new ExperimentSpecException("concurrency.gpus", $"task {task.Id} needs {gpus} GPUs but the spec hands out {spec.Concurrency.GpuIds.Count}");
            var cpus = spec.Concurrency.Cpus ?? System.Environment.ProcessorCount;
            if (task.Resources.Cpus > cpus)
                throw new ExperimentSpecException("concurrency.cpus", string.Create(CultureInfo.InvariantCulture, $"task {task.Id} needs {task.Resources.Cpus} CPUs but the spec shares {cpus}"));
        }
        for (var i = 0; i < spec.Agents.Count; i++)
        {
            var agent = spec.Agents[i];
            if (agent.Kind == "oracle")
                foreach (var taskId in spec.Tasks)
                    if (!catalog.Get(taskId).Hints.ContainsKey("L0"))
                        throw new ExperimentSpecException($"agents[{i}]", $"the oracle needs each task's L0 diff, and task {taskId} has none");
            if (!buildAgents) continue;
            try
            {
                _ = GymAgents.Create(agent.Kind, agent.Settings, catalog);
            }
            catch (Exception ex) when (ex is ArgumentException or InvalidOperationException or InvalidDataException or ConfigException or FileNotFoundException)
            {
                throw new ExperimentSpecException($"agents[{i}] ({agent.Label})", ex.Message);
            }
        }
        if (buildAgents && spec.Scoring.Judge is { } judge) JudgeSpecs.Validate(judge);
    }

    private static AgentSpec ParseAgent(JsonNode? node, string field, string baseDirectory)
    {
        var o = node as JsonObject ?? throw new ExperimentSpecException(field, "must be an object with at least a kind");
        CheckKeys(o, field, AgentKeys);
        var kind = OptionalString(o, "kind", field) ?? throw new ExperimentSpecException($"{field}.kind", $"is required ({string.Join(", ", GymAgents.Names)})");
        if (!GymAgents.Names.Contains(kind))
            throw new ExperimentSpecException($"{field}.kind", $"unknown agent '{kind}'; use one of {string.Join(", ", GymAgents.Names)}");
        var label = OptionalString(o, "label", field) ?? kind;
        if (label.Trim().Length == 0 || label.Contains('|', StringComparison.Ordinal))
            throw new ExperimentSpecException($"{field}.label", "must be non-empty and must not contain '|'");

        AgentSettings settings;
        var configPath = OptionalString(o, "config", field);
        try
        {
            settings = configPath is null ? new AgentSettings() : AgentSettings.Load(Path.IsPathRooted(configPath) ? configPath : Path.Combine(baseDirectory, configPath));
        }
        catch (Exception ex) when (ex is IOException or InvalidDataException or ConfigException or UnauthorizedAccessException)
        {
            throw new ExperimentSpecException($"{field}.config", ex.Message);
        }
        if (o["settings"] is { } inline)
        {
            if (inline is not JsonObject inlineObject) throw new ExperimentSpecException($"{field}.settings", "must be an object (model, chat, scaffold, prompts_dir, run_wait_seconds)");
            // Inline settings override the config file section by section (model, chat, scaffold...).
            var merged = JsonSerializer.SerializeToNode(settings, JsonDefaults.Options)!.AsObject();
            foreach (var (key, value) in inlineObject) merged[key] = value?.DeepClone();
            NormalizeProvider(merged, field);
            try
            {
                // Strict like a config file: "chat": {"max_turn": 2} is refused with "did you mean 'max_turns'?".
                settings = StrictJson.Read<AgentSettings>(merged, $"{field}.settings");
            }
            catch (ConfigException ex)
            {
                throw new ExperimentSpecException($"{field}.settings.{ex.Field}", ex.Reason);
            }
            if (settings.PromptsDir is { } prompts && !Path.IsPathRooted(prompts))
                settings = settings with { PromptsDir = Path.Combine(baseDirectory, prompts) };
            if (settings.Model.ApiKeyFile is { } keyFile && !Path.IsPathRooted(keyFile))
                settings = settings with { Model = settings.Model with { ApiKeyFile = Path.Combine(baseDirectory, keyFile) } };
        }
        if (settings.RunWaitSeconds <= 0) throw new ExperimentSpecException($"{field}.settings.run_wait_seconds", "must be positive");

        TokenPrice? price = null;
        if (o["price"] is { } priceNode)
        {
            var p = priceNode as JsonObject ?? throw new ExperimentSpecException($"{field}.price", "must be an object (input_per_million, output_per_million, cached_input_per_million)");
            CheckKeys(p, $"{field}.price", ["input_per_million", "output_per_million", "cached_input_per_million"]);
            var input = Number(p, "input_per_million", $"{field}.price") ?? throw new ExperimentSpecException($"{field}.price.input_per_million", "is required");
            var output = Number(p, "output_per_million", $"{field}.price") ?? throw new ExperimentSpecException($"{field}.price.output_per_million", "is required");
            var cached = Number(p, "cached_input_per_million", $"{field}.price") ?? input;
            if (input < 0 || output < 0 || cached < 0) throw new ExperimentSpecException($"{field}.price", "prices must not be negative");
            price = new TokenPrice(input, output, cached);
        }
        // What is stored with each cell and hashed to notice a changed agent between reruns: never the API key.
        var described = JsonSerializer.SerializeToNode(settings with { Model = settings.Model with { ApiKey = null } }, JsonDefaults.Options)!.AsObject();
        described["model"] = settings.Model.Describe();
        described["kind"] = kind;
        return new AgentSpec(label.Trim(), kind, settings, described.ToJsonString(JsonDefaults.Options), price);
    }

    /// <summary>
    /// Names an unknown provider at its place in the spec; ModelOptions reads every spelling users write
    /// (openai, azure, openai-compatible, vllm, ollama), and this writes it back in the canonical one.
    /// </summary>
    private static void NormalizeProvider(JsonObject settings, string field)
    {
        if (settings["model"] is not JsonObject model || model["provider"] is not JsonValue value || !value.TryGetValue<string>(out var text)) return;
        if (!ModelProviders.TryParse(text, out var provider))
            throw new ExperimentSpecException($"{field}.settings.model.provider", $"unknown provider '{text}'; use openai, azure or openai-compatible");
        model["provider"] = ModelProviders.Format(provider);
    }

    private static List<int> ParseSeeds(JsonObject root)
    {
        switch (root["seeds"])
        {
            case null:
                return [1];
            case JsonValue v when v.TryGetValue<int>(out var count):
                if (count < 1 || count > 10_000) throw new ExperimentSpecException("seeds", "a count must be between 1 and 10000");
                return [.. Enumerable.Range(1, count)];
            case JsonArray a:
                var seeds = new List<int>();
                for (var i = 0; i < a.Count; i++)
                {
                    if (a[i] is not JsonValue sv || !sv.TryGetValue<int>(out var seed)) throw new ExperimentSpecException($"seeds[{i}]", "must be an integer");
                    if (seeds.Contains(seed)) throw new ExperimentSpecException($"seeds[{i}]", $"seed {seed} is listed twice");
                    seeds.Add(seed);
                }
                if (seeds.Count == 0) throw new ExperimentSpecException("seeds", "must list at least one seed");
                return seeds;
            default:
                throw new ExperimentSpecException("seeds", "must be a count (e.g. 3 for seeds 1..3) or an array of integers");
        }
    }

    private static EpisodeBudgets ParseBudgets(JsonNode? node)
    {
        if (node is null) return new EpisodeBudgets();
        var o = node as JsonObject ?? throw new ExperimentSpecException("budgets", "must be an object (max_steps, wall_clock_seconds, max_training_runs, sandbox_seconds)");
        CheckKeys(o, "budgets", ["max_steps", "wall_clock_seconds", "max_training_runs", "sandbox_seconds"]);
        int? PositiveInt(string key)
        {
            var n = Number(o, key, "budgets");
            if (n is null) return null;
            if (n <= 0 || n != Math.Floor(n.Value) || n > int.MaxValue) throw new ExperimentSpecException($"budgets.{key}", "must be a positive integer");
            return (int)n.Value;
        }
        var steps = PositiveInt("max_steps");
        var wall = PositiveInt("wall_clock_seconds");
        var runs = PositiveInt("max_training_runs");
        var sandbox = PositiveInt("sandbox_seconds");
        return new EpisodeBudgets
        {
            MaxSteps = steps ?? new EpisodeBudgets().MaxSteps,
            WallClock = wall is { } w ? TimeSpan.FromSeconds(w) : null,
            MaxTrainingRuns = runs,
            SandboxTime = sandbox is { } s ? TimeSpan.FromSeconds(s) : null,
        };
    }

    private static ConcurrencySpec ParseConcurrency(JsonNode? node)
    {
        if (node is null) return new ConcurrencySpec();
        var o = node as JsonObject ?? throw new ExperimentSpecException("concurrency", "must be an object (max_cells, cpus, gpus)");
        CheckKeys(o, "concurrency", ["max_cells", "cpus", "gpus"]);
        var maxCells = Number(o, "max_cells", "concurrency") ?? 1;
        if (maxCells < 1 || maxCells != Math.Floor(maxCells) || maxCells > 1024) throw new ExperimentSpecException("concurrency.max_cells", "must be an integer from 1 to 1024");
        var cpus = Number(o, "cpus", "concurrency");
        if (cpus is <= 0) throw new ExperimentSpecException("concurrency.cpus", "must be positive");
        var ids = new List<string>();
        switch (o["gpus"])
        {
            case null:
                break;
            case JsonValue v when v.TryGetValue<int>(out var count):
                if (count < 0 || count > 64) throw new ExperimentSpecException("concurrency.gpus", "a count must be between 0 and 64");
                ids.AddRange(Enumerable.Range(0, count).Select(i => i.ToString(CultureInfo.InvariantCulture)));
                break;
            case JsonArray a:
                for (var i = 0; i < a.Count; i++)
                {
                    var id = a[i] is JsonValue gv && gv.TryGetValue<string>(out var s) ? s
                        : a[i] is JsonValue gi && gi.TryGetValue<int>(out var n) ? n.ToString(CultureInfo.InvariantCulture)
                        : throw new ExperimentSpecException($"concurrency.gpus[{i}]", "must be a device id (\"0\", \"GPU-uuid\")");
                    if (string.IsNullOrWhiteSpace(id)) throw new ExperimentSpecException($"concurrency.gpus[{i}]", "must not be empty");
                    if (ids.Contains(id)) throw new ExperimentSpecException($"concurrency.gpus[{i}]", $"device '{id}' is listed twice");
                    ids.Add(id);
                }
                break;
            default:
                throw new ExperimentSpecException("concurrency.gpus", "must be a count or an array of device ids");
        }
        return new ConcurrencySpec { MaxCells = (int)maxCells, Cpus = cpus, GpuIds = ids };
    }

    private static ScoringSpec ParseScoring(JsonNode? node, string baseDirectory)
    {
        if (node is null) return new ScoringSpec();
        var o = node as JsonObject ?? throw new ExperimentSpecException("scoring", "must be an object (pairs, reward, verifier_image, judge)");
        CheckKeys(o, "scoring", ["pairs", "reward", "verifier_image", "judge"]);
        var pairs = Number(o, "pairs", "scoring");
        if (pairs is { } r && (r < 1 || r != Math.Floor(r) || r > 100)) throw new ExperimentSpecException("scoring.pairs", "must be an integer from 1 to 100");
        var reward = OptionalString(o, "reward", "scoring");
        if (reward is not null)
        {
            try { RewardRegistry.CreateDefault().Resolve(reward); }
            catch (ArgumentException ex) { throw new ExperimentSpecException("scoring.reward", ex.Message.Split(" (Parameter", 2)[0]); }
        }
        return new ScoringSpec
        {
            Pairs = pairs is { } rr ? (int)rr : null,
            Reward = reward,
            VerifierImage = OptionalString(o, "verifier_image", "scoring"),
            Judge = o["judge"] is { } judge ? JudgeSpecs.Parse(judge, baseDirectory) : null,
        };
    }

    /// <summary>Unknown keys through the one strict reader's wording: "did you mean 'max_steps'?".</summary>
    private static void CheckKeys(JsonObject o, string field, IReadOnlyCollection<string> allowed)
    {
        try
        {
            StrictJson.CheckKeys(o, "spec", field, allowed);
        }
        catch (ConfigException ex)
        {
            throw new ExperimentSpecException(ex.Field, ex.Reason);
        }
    }

    private static List<string> StringList(JsonObject o, string key, bool required)
    {
        var node = o[key];
        if (node is null)
        {
            if (required) throw new ExperimentSpecException(key, "is required");
            return [];
        }
        var a = node as JsonArray ?? throw new ExperimentSpecException(key, "must be an array of strings");
        var list = new List<string>();
        for (var i = 0; i < a.Count; i++)
        {
            if (a[i] is not JsonValue v || !v.TryGetValue<string>(out var s) || string.IsNullOrWhiteSpace(s))
                throw new ExperimentSpecException($"{key}[{i}]", "must be a non-empty string");
            if (list.Contains(s.Trim())) throw new ExperimentSpecException($"{key}[{i}]", $"'{s}' is listed twice");
            list.Add(s.Trim());
        }
        if (list.Count == 0) throw new ExperimentSpecException(key, "must not be empty");
        return list;
    }

    private static string? OptionalString(JsonObject o, string key, string? parent = null)
    {
        var node = o[key];
        if (node is null) return null;
        return node is JsonValue v && v.TryGetValue<string>(out var s)
            ? s
            : throw new ExperimentSpecException(parent is null ? key : $"{parent}.{key}", "must be a string");
    }

    private static double? Number(JsonObject o, string key, string parent)
    {
        var node = o[key];
        if (node is null) return null;
        if (node is JsonValue v && v.TryGetValue<double>(out var d) && double.IsFinite(d)) return d;
        throw new ExperimentSpecException($"{parent}.{key}", "must be a number");
    }
}
