using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace AgentGym.Server.Http;

internal static class RequestBodies
{
    /// <summary>
    /// Reads the body as one JSON document. Malformed JSON and a wrong content type are the client's fault (400, 415);
    /// Kestrel's body-size limit surfaces here as BadHttpRequestException and becomes 413. An empty body is {}.
    /// </summary>
    public static async Task<JsonDocument> ReadJsonAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        // Requiring application/json also makes a browser preflight any cross-site request, which this server never approves.
        if (request.ContentLength is not 0 && !(request.ContentType?.StartsWith("application/json", StringComparison.OrdinalIgnoreCase) ?? false))
            throw new RequestRefused(StatusCodes.Status415UnsupportedMediaType, "Unsupported media type",
                $"Send the body as JSON with 'Content-Type: application/json' (got '{request.ContentType ?? "none"}').");
        try
        {
            using var buffer = new MemoryStream();
            await request.Body.CopyToAsync(buffer, cancellationToken).ConfigureAwait(false);
            if (buffer.Length == 0) return JsonDocument.Parse("{}");
            buffer.Position = 0;
            return await JsonDocument.ParseAsync(buffer, default, cancellationToken).ConfigureAwait(false);
        }
        catch (BadHttpRequestException ex)
        {
            throw new RequestRefused(ex.StatusCode, ex.StatusCode == StatusCodes.Status413PayloadTooLarge ? "Payload too large" : "Bad request", ex.Message);
        }
        catch (JsonException ex)
        {
            throw RequestRefused.BadRequest($"The body is not valid JSON: {ex.Message}");
        }
    }

    public static void RequireObject(JsonElement element, string what)
    {
        if (element.ValueKind != JsonValueKind.Object)
            throw RequestRefused.BadRequest($"{what} must be a JSON object, got {element.ValueKind.ToString().ToLowerInvariant()}.");
    }

    /// <summary>Unknown fields are refused: a misspelt field silently ignored would run a different experiment than asked.</summary>
    public static void RejectUnknown(JsonElement element, string what, params string[] known)
    {
        foreach (var property in element.EnumerateObject())
            if (!known.Contains(property.Name, StringComparer.Ordinal))
                throw RequestRefused.BadRequest($"Unknown field '{property.Name}' in {what}; known fields: {string.Join(", ", known)}.");
    }

    public static string? OptionalString(JsonElement parent, string name)
    {
        if (!parent.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null) return null;
        if (value.ValueKind != JsonValueKind.String) throw RequestRefused.BadRequest($"'{name}' must be a string.");
        return value.GetString();
    }

    public static int? OptionalInt(JsonElement parent, string name, int min)
    {
        if (!parent.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null) return null;
        if (value.ValueKind != JsonValueKind.Number || !value.TryGetInt32(out var number))
            throw RequestRefused.BadRequest($"'{name}' must be an integer.");
        if (number < min) throw RequestRefused.BadRequest($"'{name}' must be at least {min} (got {number}).");
        return number;
    }

    public static double? OptionalSeconds(JsonElement parent, string name)
    {
        if (!parent.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null) return null;
        if (value.ValueKind != JsonValueKind.Number || !value.TryGetDouble(out var number) || !double.IsFinite(number) || number <= 0 || number > TimeSpan.MaxValue.TotalSeconds)
            throw RequestRefused.BadRequest($"'{name}' must be a positive number of seconds.");
        return number;
    }
}
