using System.Net;

namespace AgentGym.Server.Security;

internal static class LoopbackAddresses
{
    /// <summary>
    /// True when the URL binds only a loopback interface. Wildcards (*, +, 0.0.0.0, [::]) and host names other than
    /// localhost bind outside interfaces, so they count as not loopback.
    /// </summary>
    public static bool IsLoopbackUrl(string url)
    {
        // Kestrel accepts http://*:80 and http://+:80, which Uri does not parse; both mean every interface.
        if (!Uri.TryCreate(url.Replace("://*", "://wildcard.invalid").Replace("://+", "://wildcard.invalid"), UriKind.Absolute, out var uri))
            return false;
        return IsLoopbackHost(uri.Host);
    }

    public static bool IsLoopbackHost(string host)
    {
        var h = host.Trim('[', ']');
        if (h.Equals("localhost", StringComparison.OrdinalIgnoreCase)) return true;
        return IPAddress.TryParse(h, out var address) && IPAddress.IsLoopback(address);
    }
}
