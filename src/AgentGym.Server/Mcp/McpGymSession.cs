using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using AgentGym.Core.Gym;
using AgentGym.Core.Json;
using AgentGym.Server.Episodes;
using AgentGym.Server.Http;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace AgentGym.Server.Mcp;

/// <summary>
/// One MCP session: its own environment, created on the first reset and disposed when the session ends. Every
/// failure (no episode yet, bad reset arguments, a step while another is in flight) comes back as a tool result with
/// isError, which the model sees and can act on, never as a protocol error that would end the client's turn.
/// </summary>
internal sealed class McpGymSession(GymOptions gym, ToolCatalog tools, EnvironmentSlots slots, string? defaultTaskId) : IAsyncDisposable
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly McpProgressRelay _progress = new();

    // Never disposed: a call may still link to it while the session closes; it holds no timer.
    private readonly CancellationTokenSource _closing = new();
    private IGymEnvironment? _environment;
    private IDisposable? _slot;
    private bool _disposed;

    /// <summary>Points the per-session server options at this session.</summary>
    public void Install(McpServerOptions options)
    {
        options.Capabilities ??= new ServerCapabilities();
        options.Capabilities.Tools = new ToolsCapability { ListChanged = false };
        options.Handlers.ListToolsHandler = (_, _) => ValueTask.FromResult(ListTools());
        options.Handlers.CallToolHandler = async (request, cancellationToken) =>
        {
            // A submit's verification reports progress to the call that asked for it (MCP's progressToken).
            _progress.Target = request.Params?.ProgressToken is { } token ? (request.Server, token) : null;
            try
            {
                var result = await CallToolAsync(request.Params, cancellationToken).ConfigureAwait(false);
                await _progress.FlushAsync().ConfigureAwait(false);
                return result;
            }
            finally
            {
                _progress.Target = null;
            }
        };
    }

    public static McpServerOptions CreateOptions() => new()
    {
        ServerInfo = new Implementation { Name = "agentgym", Version = typeof(McpGymSession).Assembly.GetName().Version?.ToString(3) ?? "0.0.0" },
        ServerInstructions =
            "AgentGym: improve a training script so that it reaches the target validation loss faster. Call reset first " +
            "(it returns the task), then edit files, start runs with run_training, follow them with run_status, and submit.",
    };

    private ListToolsResult ListTools() => new()
    {
        Tools = new[] { tools.Reset }.Concat(tools.EnvironmentTools).Select(t => new Tool
        {
            Name = t.Name,
            Description = t.Description,
            InputSchema = JsonSerializer.SerializeToElement(t.ParametersSchema, JsonDefaults.Options),
        }).ToList(),
    };

    private async ValueTask<CallToolResult> CallToolAsync(CallToolRequestParams? request, CancellationToken requestCancelled)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(requestCancelled, _closing.Token);
        var cancellationToken = linked.Token;
        var name = request?.Name ?? "";
        var arguments = request?.Arguments is { } args ? JsonSerializer.Serialize(args, JsonDefaults.Options) : "{}";

        // One call at a time, refused rather than queued, as in the HTTP API: a queued call would act on a state the
        // model has not seen yet.
        if (!await _gate.WaitAsync(0, cancellationToken).ConfigureAwait(false))
            return Error("Another tool call of this session is still running; tools run one at a time. Call again when it has answered.");
        try
        {
            if (_disposed) return Error("This session is closing.");
            if (name == ToolCatalog.ResetName) return await ResetAsync(arguments, cancellationToken).ConfigureAwait(false);
            if (_environment?.Episode is null)
                return Error($"No episode yet: call reset first{(defaultTaskId is null ? " with a task_id" : $" (task_id defaults to {defaultTaskId})")}.");
            var step = await _environment.StepAsync(new ToolCall(name, arguments), cancellationToken).ConfigureAwait(false);
            var text = step.Observation.Text;
            if (step.Terminated || step.Truncated)
                text += string.Create(CultureInfo.InvariantCulture, $"\n[episode {(step.Terminated ? "terminated" : "truncated")}; reward {step.Reward:F4}; call reset to start another]");
            return new CallToolResult
            {
                Content = [new TextContentBlock { Text = text }],
                IsError = step.Observation.IsError,
                StructuredContent = JsonSerializer.SerializeToElement(new JsonObject
                {
                    ["reward"] = step.Reward,
                    ["terminated"] = step.Terminated,
                    ["truncated"] = step.Truncated,
                    ["info"] = step.Info.DeepClone(),
                }, JsonDefaults.Options),
            };
        }
        catch (OperationCanceledException) when (requestCancelled.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception ex)
        {
            // The environment promises error observations, not exceptions; this is the last line that keeps a bug
            // from ending the session.
            return Error($"{name} failed with an internal error of the gym ({ex.Message}); call it again or go on with another tool.");
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task<CallToolResult> ResetAsync(string arguments, CancellationToken cancellationToken)
    {
        ResetOptions options;
        try
        {
            using var document = JsonDocument.Parse(arguments);
            options = ResetRequest.Parse(document.RootElement, gym, defaultTaskId);
        }
        catch (RequestRefused refused)
        {
            return Error($"reset: {refused.Message}");
        }
        catch (JsonException ex)
        {
            return Error($"reset: the arguments are not valid JSON: {ex.Message}");
        }

        if (_environment is null)
        {
            try
            {
                _slot = slots.Take();
            }
            catch (RequestRefused refused)
            {
                return Error($"reset: {refused.Message}");
            }
            _environment = GymEnvironment.Create(gym);
        }
        var result = await _environment.ResetAsync(options with { VerificationProgress = _progress }, cancellationToken).ConfigureAwait(false);
        return new CallToolResult
        {
            Content = [new TextContentBlock { Text = result.Observation.Text }],
            StructuredContent = JsonSerializer.SerializeToElement(new JsonObject { ["info"] = result.Info.DeepClone() }, JsonDefaults.Options),
        };
    }

    private static CallToolResult Error(string text) => new() { Content = [new TextContentBlock { Text = text }], IsError = true };

    public async ValueTask DisposeAsync()
    {
        // Stops a call in flight (a run_status wait can last minutes) and waits for it, so that the environment is not
        // disposed under it.
        await _closing.CancelAsync().ConfigureAwait(false);
        await _gate.WaitAsync().ConfigureAwait(false);
        try
        {
            if (_disposed) return;
            _disposed = true;
            if (_environment is not null) await _environment.DisposeAsync().ConfigureAwait(false);
            _environment = null;
            _slot?.Dispose();
        }
        finally
        {
            _gate.Release();
        }
    }
}
