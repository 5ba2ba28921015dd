using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using System.Text.RegularExpressions;

namespace AgentGym.Core.Json;

/// <summary>
/// The one reader for files people write (task manifests, agent configs, eval specs and their settings): unknown and
/// duplicate keys are refused by the serializer itself (UnmappedMemberHandling.Disallow, AllowDuplicateProperties
/// false), so a typed property added to a record is accepted with no further change. Every refusal becomes a
/// <see cref="ConfigException"/> naming the file, the JSON path and, for an unknown key, the nearest valid name.
/// Messages never quote a value (an api_key may be one).
/// </summary>
public static partial class StrictJson
{
    /// <summary>JsonDefaults.Options (snake_case, nullable annotations, required members) plus the strictness.</summary>
    public static JsonSerializerOptions Options { get; } = Create();

    /// <summary>For readers that walk a JsonNode by hand: duplicate keys are an error at parse time, not a later ArgumentException.</summary>
    public static JsonDocumentOptions DocumentOptions { get; } = new() { AllowDuplicateProperties = false };

    private static JsonSerializerOptions Create()
    {
        var options = new JsonSerializerOptions(JsonDefaults.Options)
        {
            UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
            AllowDuplicateProperties = false,
        };
        options.MakeReadOnly(populateMissingResolver: true);
        return options;
    }

    /// <summary>Reads a file into T; relative paths are the caller's business.</summary>
    /// <exception cref="ConfigException">Unreadable file, invalid JSON, unknown or duplicate key, wrong type, missing field, or a value T's own check refuses.</exception>
    public static T ReadFile<T>(string path) where T : class
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new ConfigException(path, "(file)", ex.Message);
        }
        return Read<T>(text, path);
    }

    /// <param name="source">The file (or "spec agents[0].settings") named in errors.</param>
    public static T Read<T>(string json, string source) where T : class
    {
        T? value;
        try
        {
            value = JsonSerializer.Deserialize<T>(json, Options);
        }
        catch (JsonException ex)
        {
            throw Describe<T>(source, ex);
        }
        return Checked(value, source);
    }

    public static T Read<T>(JsonNode node, string source) where T : class
    {
        T? value;
        try
        {
            value = node.Deserialize<T>(Options);
        }
        catch (JsonException ex)
        {
            throw Describe<T>(source, ex);
        }
        return Checked(value, source);
    }

    /// <summary>Parses JSON for a hand-walked reader, refusing duplicate keys (comments and trailing commas allowed).</summary>
    public static JsonNode? ParseNode(string json, string source)
    {
        try
        {
            return JsonNode.Parse(json, documentOptions: DocumentOptions with { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        }
        catch (JsonException ex)
        {
            var path = FieldOf(ex.Path);
            var duplicate = DuplicatePattern().Match(ex.Message);
            if (duplicate.Success)
                throw new ConfigException(source, Join(path, duplicate.Groups[1].Value), "duplicate key: give each key once (the JSON reader would otherwise keep only one of them)");
            throw new ConfigException(source, path, $"invalid JSON at line {ex.LineNumber + 1}, position {ex.BytePositionInLine + 1}: {FirstSentence(ex.Message)}");
        }
    }

    /// <summary>For hand-walked objects: refuses a key outside <paramref name="allowed"/>, suggesting the nearest.</summary>
    public static void CheckKeys(JsonObject o, string source, string path, IReadOnlyCollection<string> allowed)
    {
        foreach (var (key, _) in o)
            if (!allowed.Contains(key))
                throw new ConfigException(source, Join(path, key), UnknownKey(key, allowed));
    }

    /// <summary>"unknown key; did you mean 'protected'? Valid keys: ..." (the suggestion only when one is close).</summary>
    public static string UnknownKey(string key, IEnumerable<string> valid)
    {
        var names = valid.ToList();
        var nearest = Nearest(key, names);
        return (nearest is null ? "unknown key" : $"unknown key; did you mean '{nearest}'?") + $" Valid keys here: {string.Join(", ", names)}";
    }

    /// <summary>The candidate closest by edit distance (case-insensitive), when within a third of the longer name (at least 2 edits).</summary>
    public static string? Nearest(string name, IEnumerable<string> candidates)
    {
        string? best = null;
        var bestDistance = int.MaxValue;
        foreach (var candidate in candidates)
        {
            var d = EditDistance(name.ToLowerInvariant(), candidate.ToLowerInvariant());
            if (d < bestDistance) (best, bestDistance) = (candidate, d);
        }
        if (best is null) return null;
        var allowed = Math.Max(2, Math.Max(name.Length, best.Length) / 3);
        return bestDistance <= allowed ? best : null;
    }

    /// <summary>Optimal string alignment distance (Levenshtein plus adjacent transpositions).</summary>
    internal static int EditDistance(string a, string b)
    {
        var d = new int[a.Length + 1, b.Length + 1];
        for (var i = 0; i <= a.Length; i++) d[i, 0] = i;
        for (var j = 0; j <= b.Length; j++) d[0, j] = j;
        for (var i = 1; i <= a.Length; i++)
        {
            for (var j = 1; j <= b.Length; j++)
            {
                var cost = a[i - 1] == b[j - 1] ? 0 : 1;
                d[i, j] = Math.Min(Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1), d[i - 1, j - 1] + cost);
                if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) d[i, j] = Math.Min(d[i, j], d[i - 2, j - 2] + 1);
            }
        }
        return d[a.Length, b.Length];
    }

    private static T Checked<T>(T? value, string source) where T : class
    {
        if (value is null) throw new ConfigException(source, "(root)", "the file holds null, not an object");
        if (value is ICheckedSettings checkable && checkable.Problems().FirstOrDefault() is { Field: not null } problem)
            throw new ConfigException(source, problem.Field, problem.Reason);
        return value;
    }

    private static ConfigException Describe<T>(string source, JsonException ex)
    {
        var path = FieldOf(ex.Path);
        var message = ex.Message;
        var unmapped = UnmappedPattern().Match(message);
        if (unmapped.Success)
            return new ConfigException(source, path, UnknownKey(unmapped.Groups[1].Value, NamesAt(typeof(T), ParentOf(ex.Path))));
        if (message.StartsWith("Duplicate propert", StringComparison.Ordinal))
            return new ConfigException(source, path, "duplicate key: give each key once (the JSON reader would otherwise keep only one of them)");
        var missing = MissingPattern().Match(message);
        if (missing.Success)
        {
            var names = QuotedPattern().Matches(missing.Groups[1].Value).Select(m => m.Groups[1].Value);
            return new ConfigException(source, string.Join(", ", names.Select(n => Join(path, n))), "required field is missing");
        }
        var conversion = ConversionPattern().Match(message);
        if (conversion.Success)
            return new ConfigException(source, path, $"wrong type: expected {FriendlyType(conversion.Groups[1].Value)}");
        if (ex.InnerException?.GetType().Name == "JsonReaderException")
            return new ConfigException(source, path, $"invalid JSON at line {ex.LineNumber + 1}, position {ex.BytePositionInLine + 1}: {FirstSentence(message)}");
        return new ConfigException(source, path, FirstSentence(message));
    }

    /// <summary>The valid keys of the object at a JSON path of T, found through the serializer's own contract.</summary>
    internal static IReadOnlyList<string> NamesAt(Type root, IReadOnlyList<string> segments)
    {
        var info = Options.GetTypeInfo(root);
        foreach (var segment in segments)
        {
            if (info.Kind is JsonTypeInfoKind.Enumerable or JsonTypeInfoKind.Dictionary && info.ElementType is { } element)
                info = Options.GetTypeInfo(element);
            else if (info.Kind == JsonTypeInfoKind.Object && info.Properties.FirstOrDefault(p => p.Name == segment) is { } property)
                info = Options.GetTypeInfo(Nullable.GetUnderlyingType(property.PropertyType) ?? property.PropertyType);
            else
                return [];
        }
        return info.Kind == JsonTypeInfoKind.Object ? info.Properties.Where(p => p.Set is not null).Select(p => p.Name).ToList() : [];
    }

    /// <summary>"$.verification.protectd" → ["verification"]; "$.agents[0]['odd key']" → ["agents", "0"].</summary>
    private static List<string> ParentOf(string? jsonPath)
    {
        var segments = SegmentPattern().Matches(jsonPath ?? "$").Select(m => m.Groups["name"].Success ? m.Groups["name"].Value : m.Groups["quoted"].Success ? m.Groups["quoted"].Value : m.Groups["index"].Value).ToList();
        if (segments.Count > 0) segments.RemoveAt(segments.Count - 1);
        return segments;
    }

    private static string FieldOf(string? jsonPath) => jsonPath is null or "$" ? "(root)" : jsonPath.TrimStart('$', '.');

    private static string Join(string path, string key) => path == "(root)" || path.Length == 0 ? key : path + "." + key;

    private static string FriendlyType(string clrType) => clrType switch
    {
        _ when clrType.Contains("Double", StringComparison.Ordinal) || clrType.Contains("Single", StringComparison.Ordinal) => "a number",
        _ when clrType.Contains("Int", StringComparison.Ordinal) => "an integer",
        _ when clrType.Contains("String", StringComparison.Ordinal) && clrType.Contains("Dictionary", StringComparison.Ordinal) => "an object of strings",
        _ when clrType.Contains("IReadOnlyList", StringComparison.Ordinal) || clrType.Contains("List", StringComparison.Ordinal) => "an array",
        "System.String" => "a string",
        "System.Boolean" => "true or false",
        "System.Uri" => "a URL string",
        _ when Type.GetType(clrType) is { IsEnum: true } e => string.Join(" or ", Enum.GetNames(e).Select(n => $"\"{JsonNamingPolicy.SnakeCaseLower.ConvertName(n)}\"")),
        _ when clrType.StartsWith("AgentGym.", StringComparison.Ordinal) => "an object",
        _ => clrType,
    };

    private static string FirstSentence(string message)
    {
        var cut = message.IndexOf(". ", StringComparison.Ordinal);
        return cut < 0 ? message : message[..(cut + 1)];
    }

    [GeneratedRegex(@"The JSON property '([^']*)' could not be mapped")]
    private static partial Regex UnmappedPattern();

    [GeneratedRegex(@"Duplicate property '([^']*)'")]
    private static partial Regex DuplicatePattern();

    [GeneratedRegex(@"missing required properties including: (.*)$")]
    private static partial Regex MissingPattern();

    [GeneratedRegex(@"'([^']+)'")]
    private static partial Regex QuotedPattern();

    [GeneratedRegex(@"could not be converted to ([^.\s]+(?:\.[^.\s]+)*?)\.(?:\s|$)")]
    private static partial Regex ConversionPattern();

    [GeneratedRegex(@"\.(?<name>[^.\[]+)|\['(?<quoted>[^']*)'\]|\[(?<index>\d+)\]")]
    private static partial Regex SegmentPattern();
}

/// <summary>Settings that check their own values when read (ranges, combinations), so a bad value fails at load, not at first use.</summary>
public interface ICheckedSettings
{
    /// <summary>Each problem with its JSON path (snake_case, e.g. model.max_retries); empty when the settings are usable.</summary>
    IEnumerable<ConfigProblem> Problems();
}

public readonly record struct ConfigProblem(string Field, string Reason);

/// <summary>A configuration file was refused; Message reads "FILE: FIELD: REASON".</summary>
public sealed class ConfigException : Exception
{
    public ConfigException(string file, string field, string reason) : base($"{file}: {field}: {reason}")
    {
        File = file;
        Field = field;
        Reason = reason;
    }

    public ConfigException() : this("(unknown)", "(root)", "refused") { }

    public ConfigException(string message) : this("(unknown)", "(root)", message) { }

    public ConfigException(string message, Exception inner) : base(message, inner)
    {
        File = "(unknown)";
        Field = "(root)";
        Reason = message;
    }

    public string File { get; }
    public string Field { get; }
    public string Reason { get; }
}
