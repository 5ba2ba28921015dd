using System.Globalization;

namespace AgentGym.Core.Scoring;

/// <summary>
/// Reward functions by name, so that people choose one from the CLI (--reward), an eval spec ("reward"), or the HTTP
/// and MCP reset. A spec is a name, optionally with parameters: "fsr", "shaped", "shaped:loss_weight=0.2,cheat_penalty=1".
/// Build one with <see cref="CreateDefault"/> and <see cref="Add"/>; nothing is global.
/// </summary>
public sealed class RewardRegistry
{
    private readonly Dictionary<string, Func<IReadOnlyDictionary<string, double>, IRewardFunction>> _factories = new(StringComparer.Ordinal);
    private readonly Dictionary<string, IReadOnlyList<string>> _parameters = new(StringComparer.Ordinal);

    /// <summary>fsr (no parameters) and shaped (loss_weight, loss_scale, cheat_penalty).</summary>
    public static RewardRegistry CreateDefault() => new RewardRegistry()
        .Add("fsr", [], _ => RewardFunctions.Fsr)
        .Add("shaped", ["loss_weight", "loss_scale", "cheat_penalty"], p => RewardFunctions.Shaped(
            p.GetValueOrDefault("loss_weight", 0.1), p.GetValueOrDefault("loss_scale", 0.5), p.GetValueOrDefault("cheat_penalty", 0)));

    public IReadOnlyCollection<string> Names => _factories.Keys;

    /// <summary>Registers a reward function under a name with the parameter names it accepts.</summary>
    public RewardRegistry Add(string name, IReadOnlyList<string> parameters, Func<IReadOnlyDictionary<string, double>, IRewardFunction> factory)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        _factories[name] = factory;
        _parameters[name] = parameters;
        return this;
    }

    /// <summary>Resolves a spec; throws ArgumentException naming the unknown function or parameter and what is allowed.</summary>
    public IRewardFunction Resolve(string spec)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(spec);
        var colon = spec.IndexOf(':', StringComparison.Ordinal);
        var name = (colon < 0 ? spec : spec[..colon]).Trim();
        if (!_factories.TryGetValue(name, out var factory))
            throw new ArgumentException($"unknown reward function '{name}'; known: {string.Join(", ", _factories.Keys.Order(StringComparer.Ordinal))}", nameof(spec));
        var values = new Dictionary<string, double>(StringComparer.Ordinal);
        if (colon >= 0)
            foreach (var part in spec[(colon + 1)..].Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                var eq = part.IndexOf('=', StringComparison.Ordinal);
                var key = eq < 0 ? part : part[..eq].Trim();
                if (!_parameters[name].Contains(key))
                    throw new ArgumentException($"reward function '{name}' has no parameter '{key}'; it takes: {(_parameters[name].Count == 0 ? "none" : string.Join(", ", _parameters[name]))}", nameof(spec));
                if (eq < 0 || !double.TryParse(part[(eq + 1)..], NumberStyles.Float, CultureInfo.InvariantCulture, out var value) || !double.IsFinite(value))
                    throw new ArgumentException($"reward parameter '{key}' needs a number, as in {key}=0.1", nameof(spec));
                if (!values.TryAdd(key, value)) throw new ArgumentException($"reward parameter '{key}' is given twice", nameof(spec));
            }
        try
        {
            return factory(values);
        }
        catch (ArgumentOutOfRangeException ex)
        {
            throw new ArgumentException($"reward function '{name}': {ex.Message}", nameof(spec), ex);
        }
    }
}
