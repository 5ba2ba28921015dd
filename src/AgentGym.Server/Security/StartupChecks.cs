namespace AgentGym.Server.Security;

internal static class StartupChecks
{
    /// <summary>Shortest token accepted: a guessable token on a reachable port would hand out code execution.</summary>
    public const int MinTokenLength = 16;

    /// <summary>Throws with a message the operator can act on when the options would expose the server unsafely.</summary>
    public static void Validate(GymServerOptions options)
    {
        if (options.Urls.Count == 0) throw new InvalidOperationException("No URLs to listen on; pass at least one, e.g. http://127.0.0.1:8080.");
        if (options.MaxRequestBodyBytes <= 0) throw new InvalidOperationException("MaxRequestBodyBytes must be positive.");
        if (options.MaxEpisodes <= 0) throw new InvalidOperationException("MaxEpisodes must be positive.");
        if (!string.IsNullOrEmpty(options.Token))
        {
            if (options.Token.Length < MinTokenLength)
                throw new InvalidOperationException($"The bearer token is too short ({options.Token.Length} characters); use at least {MinTokenLength}, e.g. `openssl rand -hex 32`.");
            return;
        }

        var exposed = options.Urls.Where(u => !LoopbackAddresses.IsLoopbackUrl(u)).ToList();
        if (!options.AllowNoTokenOnLoopback)
            throw new InvalidOperationException("Refusing to start without a bearer token: set one (agentgym serve reads it from $AGENTGYM_SERVER_TOKEN), or, on a loopback address only, allow running without one explicitly (--allow-no-token).");
        if (exposed.Count > 0)
            throw new InvalidOperationException($"Refusing to start without a bearer token on a non-loopback address ({string.Join(", ", exposed)}): anyone who reaches it could run code. Set a token, or bind 127.0.0.1 / [::1] / localhost.");
    }
}
