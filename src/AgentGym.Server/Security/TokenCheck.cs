using System.Security.Cryptography;
using System.Text;

namespace AgentGym.Server.Security;

/// <summary>Compares bearer tokens in constant time; hashing first also hides the expected token's length.</summary>
internal sealed class TokenCheck(string token)
{
    private readonly byte[] _expected = SHA256.HashData(Encoding.UTF8.GetBytes(token));

    public bool Matches(string? candidate)
    {
        var actual = SHA256.HashData(Encoding.UTF8.GetBytes(candidate ?? ""));
        return CryptographicOperations.FixedTimeEquals(actual, _expected);
    }

    /// <summary>The token of an "Authorization: Bearer x" header, or null when there is none.</summary>
    public static string? FromHeader(string? header)
    {
        const string scheme = "Bearer ";
        if (header is null || !header.StartsWith(scheme, StringComparison.OrdinalIgnoreCase)) return null;
        return header[scheme.Length..].Trim();
    }
}
