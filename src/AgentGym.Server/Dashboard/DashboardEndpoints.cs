using System.Text.Json.Nodes;
using AgentGym.Core.Json;
using AgentGym.Server.Episodes;
using AgentGym.Server.Http;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using System.Data.Common;
using Microsoft.Extensions.Logging;

namespace AgentGym.Server.Dashboard;

/// <summary>
/// The dashboard's read-only data under /v1/dashboard (behind the token like the rest of /v1): the episodes folder,
/// one episode, one run, and the evaluation results files. Live runs of episodes this server hosts are followed with
/// the existing telemetry stream (/v1/episodes/{id}/runs/{run}/events); the rest is polled.
/// </summary>
internal static class DashboardEndpoints
{
    public static void Map(IEndpointRouteBuilder app, GymServerOptions options, EpisodeStore store, ILogger logger)
    {
        DashboardAssets.Map(app);
        var folders = new EpisodeFolders(options.Gym.EpisodesDirectory, id => store.Find(id) is { } e && !e.Ended);
        var results = new ResultsFiles(options.Dashboard.ResultsPaths);
        var group = app.MapGroup("/v1/dashboard");

        group.MapGet("/episodes", () => Json(new JsonObject { ["episodes_directory"] = folders.Root, ["episodes"] = folders.List() }));
        group.MapGet("/episodes/{id}", (string id) =>
            folders.Detail(id) is { } episode ? Json(episode) : Problems.NotFound($"There is no episode folder '{id}' under {folders.Root}."));
        group.MapGet("/episodes/{id}/runs/{runId}", (string id, string runId) =>
            folders.Run(id, runId) is { } run ? Json(run) : Problems.NotFound($"Episode '{id}' has no run '{runId}'."));

        group.MapGet("/evaluations", () => Json(new JsonObject
        {
            ["configured"] = new JsonArray([.. options.Dashboard.ResultsPaths.Select(p => (JsonNode)JsonValue.Create(Path.GetFullPath(p)))]),
            ["files"] = new JsonArray([.. results.List().Select(f => (JsonNode)new JsonObject { ["name"] = f.Name, ["path"] = f.Path })]),
        }));
        group.MapGet("/evaluations/{name}", async (string name, CancellationToken cancellationToken) =>
        {
            if (results.Find(name) is not { } file) return Problems.NotFound($"No configured results file is named '{name}'.");
            if (options.Dashboard.ReadResults is not { } read)
                return Problems.Create(StatusCodes.Status501NotImplemented, "Not available", "This host was started without a results reader.");
            try
            {
                var data = await read(file.Path, cancellationToken).ConfigureAwait(false);
                data["name"] = file.Name;
                data["path"] = file.Path;
                return Json(data);
            }
            catch (Exception ex) when (ex is DbException or IOException or InvalidDataException or InvalidOperationException)
            {
                // A file that is not (yet) a results file, or one from a newer schema: say so, the page shows it.
                logger.LogWarning("Results file {Path} could not be read: {Reason}", file.Path, ex.Message);
                return Problems.Create(StatusCodes.Status422UnprocessableEntity, "Unreadable results file", $"{file.Path}: {ex.Message}");
            }
        });
    }

    private static IResult Json(JsonNode node) => Results.Json(node, JsonDefaults.Options);
}
