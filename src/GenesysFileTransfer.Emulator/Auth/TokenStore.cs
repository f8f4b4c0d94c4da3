using System.Collections.Concurrent;
using System.Security.Cryptography;

namespace GenesysFileTransfer.Emulator.Auth;

/// <summary>An access token handed out by /oauth/token.</summary>
internal sealed class IssuedToken(string value, DateTimeOffset expiresAt)
{
    public string Value { get; } = value;
    public DateTimeOffset ExpiresAt { get; } = expiresAt;
    public RateWindow RateWindow { get; } = new();
}

/// <summary>Opaque random tokens, checked for expiry on every use.</summary>
internal sealed class TokenStore
{
    private readonly ConcurrentDictionary<string, IssuedToken> _tokens = new(StringComparer.Ordinal);

    public IssuedToken Issue(DateTimeOffset now, int lifetimeSeconds)
    {
        // 64 random bytes, URL-safe: as opaque (and about as long) as the tokens Genesys hands out.
        var value = Base64UrlEncode(RandomNumberGenerator.GetBytes(64));
        var token = new IssuedToken(value, now.AddSeconds(lifetimeSeconds));
        _tokens[value] = token;
        return token;
    }

    public IssuedToken? Find(string value, DateTimeOffset now)
    {
        if (!_tokens.TryGetValue(value, out var token)) return null;
        if (now < token.ExpiresAt) return token;
        _tokens.TryRemove(value, out _);
        return null;
    }

    public int RevokeAll()
    {
        var count = _tokens.Count;
        _tokens.Clear();
        return count;
    }

    public int CountActive(DateTimeOffset now) => _tokens.Values.Count(t => now < t.ExpiresAt);

    private static string Base64UrlEncode(byte[] bytes)
        => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
