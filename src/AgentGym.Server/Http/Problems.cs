using Microsoft.AspNetCore.Http;

namespace AgentGym.Server.Http;

/// <summary>Every error the server answers is an RFC 9457 problem document, so clients can show its detail as is.</summary>
internal static class Problems
{
    public static IResult Create(int status, string title, string detail) =>
        Results.Problem(detail: detail, statusCode: status, title: title);

    /// <summary>A problem document with extra members (e.g. the final flags of an ended episode).</summary>
    public static IResult Create(int status, string title, string detail, IDictionary<string, object?> extensions) =>
        Results.Problem(detail: detail, statusCode: status, title: title, extensions: extensions);

    public static Task Write(HttpContext context, int status, string title, string detail) =>
        Create(status, title, detail).ExecuteAsync(context);

    public static IResult BadRequest(string detail) => Create(StatusCodes.Status400BadRequest, "Bad request", detail);

    public static IResult NotFound(string detail) => Create(StatusCodes.Status404NotFound, "Not found", detail);
}

/// <summary>A request the server refuses, with the status and words to answer it with.</summary>
internal sealed class RequestRefused(int status, string title, string detail) : Exception(detail)
{
    public int Status { get; } = status;
    public string Title { get; } = title;

    public IResult ToResult() => Problems.Create(Status, Title, Message);

    public static RequestRefused BadRequest(string detail) => new(StatusCodes.Status400BadRequest, "Bad request", detail);
}
