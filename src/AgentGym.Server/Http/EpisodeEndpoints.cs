using System.Text.Json;
using System.Text.Json.Nodes;
using AgentGym.Core.Gym;
using AgentGym.Core.Json;
using AgentGym.Server.Episodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Logging;

namespace AgentGym.Server.Http;

/// <summary>The episode API under /v1: tasks, tools, episodes (create, read, step, close) and run telemetry.</summary>
internal static class EpisodeEndpoints
{
    public static void Map(IEndpointRouteBuilder app, GymServerOptions options, EpisodeStore store, ToolCatalog tools, ILogger logger)
    {
        var time = options.Gym.TimeProvider;
        app.MapGet("/health", () => Results.Json(new JsonObject { ["status"] = "ok" }));

        var v1 = app.MapGroup("/v1");

        v1.MapGet("/tasks", () => Json(new JsonObject
        {
            ["tasks"] = new JsonArray(options.Gym.Tasks.Tasks.Select(t => (JsonNode)new JsonObject
            {
                ["id"] = t.Id,
                ["title"] = t.Title,
                ["target_val_loss"] = t.TargetValLoss,
                ["hint_levels"] = new JsonArray(t.Hints.Keys.Order(StringComparer.Ordinal).Select(k => (JsonNode)JsonValue.Create(k)).ToArray()),
                ["time_limit_seconds"] = t.TimeLimitSeconds,
            }).ToArray()),
        }));

        v1.MapGet("/tools", () => Json(new JsonObject
        {
            ["tools"] = new JsonArray(tools.EnvironmentTools.Select(t => (JsonNode)ToolCatalog.ToJson(t)).ToArray()),
            ["reset"] = ToolCatalog.ToJson(tools.Reset),
        }));

        v1.MapGet("/episodes", () => Json(new JsonObject
        {
            ["episodes"] = new JsonArray(store.All.Select(e => (JsonNode)e.Describe()).ToArray()),
        }));

        v1.MapPost("/episodes", (HttpContext context, CancellationToken _) => Guard(async () =>
        {
            using var body = await RequestBodies.ReadJsonAsync(context.Request, context.RequestAborted).ConfigureAwait(false);
            var reset = ResetRequest.Parse(body.RootElement, options.Gym, options.DefaultTaskId);
            HostedEpisode episode;
            ResetResult result;
            try
            {
                (episode, result) = await store.CreateAsync(reset, context.RequestAborted).ConfigureAwait(false);
            }
            catch (FileNotFoundException ex)
            {
                // The host is fine; the task is not ready (a GPU task whose scripts were never imported).
                logger.LogWarning("Reset of task {TaskId} refused: {Reason}", reset.TaskId, ex.Message);
                return Problems.Create(StatusCodes.Status409Conflict, "Task not ready", ex.Message);
            }
            catch (Exception ex) when (ex is IOException or InvalidOperationException or UnauthorizedAccessException or InvalidDataException)
            {
                // The request was fine but the host cannot start this task (files not imported, disk full): say why.
                logger.LogError(ex, "Reset of task {TaskId} failed", reset.TaskId);
                return Problems.Create(StatusCodes.Status500InternalServerError, "Reset failed", $"Task {reset.TaskId} could not be started: {ex.Message}");
            }
            logger.LogInformation("Episode {EpisodeId} created for task {TaskId}", episode.Id, episode.Info.TaskId);
            context.Response.Headers.Location = $"/v1/episodes/{Uri.EscapeDataString(episode.Id)}";
            return Results.Json(new JsonObject
            {
                ["episode_id"] = episode.Id,
                ["observation"] = JsonSerializer.SerializeToNode(result.Observation, JsonDefaults.Options),
                ["info"] = result.Info.DeepClone(),
            }, JsonDefaults.Options, statusCode: StatusCodes.Status201Created);
        }));

        v1.MapGet("/episodes/{id}", (string id) =>
            store.Find(id) is { } episode ? Json(episode.Describe()) : UnknownEpisode(id));

        v1.MapPost("/episodes/{id}/steps", (string id, HttpContext context) => Guard(async () =>
        {
            if (store.Find(id) is not { } episode) return UnknownEpisode(id);
            using var body = await RequestBodies.ReadJsonAsync(context.Request, context.RequestAborted).ConfigureAwait(false);
            var call = StepRequest.Parse(body.RootElement);
            var started = time.GetTimestamp();
            var (status, result) = await episode.StepAsync(call, time, context.RequestAborted).ConfigureAwait(false);
            switch (status)
            {
                case HostedEpisode.StepStatus.Busy:
                    return Problems.Create(StatusCodes.Status409Conflict, "Step in flight",
                        $"Episode {id} is still executing another step; steps of one episode run one at a time. Retry when it has answered.");
                case HostedEpisode.StepStatus.Closed:
                    return UnknownEpisode(id);
            }
            if (result!.Facts.EpisodeOver)
            {
                // The end is latched: 409 with the final flags, so a client that retries a lost answer stops.
                return Problems.Create(StatusCodes.Status409Conflict, "Episode over", result.Observation.Text, new Dictionary<string, object?>
                {
                    ["terminated"] = result.Terminated,
                    ["truncated"] = result.Truncated,
                    ["reward"] = result.Reward,
                    ["info"] = result.Info,
                });
            }
            logger.LogInformation("Episode {EpisodeId}: {Tool} in {Ms:F0} ms{Error}", id, call.Name, time.GetElapsedTime(started).TotalMilliseconds,
                result.Observation.IsError ? " (error observation)" : "");
            return Results.Json(result, JsonDefaults.Options);
        }));

        v1.MapGet("/episodes/{id}/runs/{runId}/events", (string id, string runId, HttpContext context) => Guard(async () =>
        {
            if (store.Find(id) is not { } episode) return UnknownEpisode(id);
            IAsyncEnumerable<Core.Runs.RunEvent> events;
            try
            {
                events = episode.Environment.WatchRunAsync(runId, context.RequestAborted);
            }
            catch (KeyNotFoundException)
            {
                return Problems.NotFound($"Episode {id} has no run '{runId}'; run ids come from run_training (run-1, run-2, ...).");
            }
            // Not cut when the episode closes: closing cancels its runs, and each run then ends its stream with its own
            // end event (state "cancelled"), so a client always learns how the run ended.
            try
            {
                await RunEventStream.WriteAsync(context, events, options.StreamHeartbeat, time, context.RequestAborted).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
            {
                // The client went away: the stream just ends.
            }
            return Results.Empty;
        }));

        v1.MapGet("/episodes/{id}/verification/events", (string id, HttpContext context) => Guard(async () =>
        {
            if (store.Find(id) is not { } episode) return UnknownEpisode(id);
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, episode.Closing);
            try
            {
                await VerificationEventStream.WriteAsync(context, episode.Verification, options.StreamHeartbeat, time, linked.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (linked.IsCancellationRequested)
            {
                // The client went away or the episode was closed: the stream just ends.
            }
            return Results.Empty;
        }));

        v1.MapDelete("/episodes/{id}", (string id) => Guard(async () =>
        {
            if (!await store.CloseAsync(id).ConfigureAwait(false)) return UnknownEpisode(id);
            logger.LogInformation("Episode {EpisodeId} closed", id);
            return Results.NoContent();
        }));
    }

    private static IResult Json(JsonNode node) => Results.Json(node, JsonDefaults.Options);

    private static IResult UnknownEpisode(string id) =>
        Problems.NotFound($"There is no open episode '{id}' (GET /v1/episodes lists them; closed episodes are gone).");

    /// <summary>Turns the refusals thrown while reading a request into their problem responses.</summary>
    private static async Task<IResult> Guard(Func<Task<IResult>> handler)
    {
        try
        {
            return await handler().ConfigureAwait(false);
        }
        catch (RequestRefused refused)
        {
            return refused.ToResult();
        }
    }
}
