using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace GenesysFileTransfer.Emulator.Storage;

internal enum PresignedCheck
{
    Valid,
    SignatureMismatch,
    Expired,
}

/// <summary>
/// Presigned URLs in the shape of S3's SigV4 query authentication. The signature is an HMAC with a key only this
/// emulator instance knows, over the method, the object key and every X-Amz-* parameter, so changing any of them
/// (for example stretching X-Amz-Expires) breaks it, as on S3.
/// </summary>
internal sealed class PresignedUrlSigner
{
    public const string Bucket = "genesys-media";
    public const string PathPrefix = "/s3/" + Bucket + "/";
    private const string Algorithm = "AWS4-HMAC-SHA256";
    private const string AccessKeyId = "ASIAEMULATOR0EXAMPLE";
    private const string Region = "us-east-1";
    private const string DateFormat = "yyyyMMdd'T'HHmmss'Z'";

    private readonly byte[] _key = RandomNumberGenerator.GetBytes(32);

    public string CreateUrl(
        string baseUrl, string method, string mediaId, string objectName, DateTimeOffset now, int expiresSeconds, string signedHeaders)
    {
        var utc = now.UtcDateTime;
        var date = utc.ToString(DateFormat, CultureInfo.InvariantCulture);
        var credential = $"{AccessKeyId}/{utc.ToString("yyyyMMdd", CultureInfo.InvariantCulture)}/{Region}/s3/aws4_request";
        var expires = expiresSeconds.ToString(CultureInfo.InvariantCulture);
        var signature = Sign(method, mediaId, objectName, Algorithm, credential, date, expires, signedHeaders);
        return new StringBuilder(baseUrl)
            .Append(PathPrefix[1..]).Append(mediaId).Append('/').Append(Uri.EscapeDataString(objectName))
            .Append("?X-Amz-Algorithm=").Append(Algorithm)
            .Append("&X-Amz-Credential=").Append(Uri.EscapeDataString(credential))
            .Append("&X-Amz-Date=").Append(date)
            .Append("&X-Amz-Expires=").Append(expires)
            .Append("&X-Amz-SignedHeaders=").Append(Uri.EscapeDataString(signedHeaders))
            .Append("&X-Amz-Signature=").Append(signature)
            .ToString();
    }

    /// <summary>Checks the signature first, so a tampered expiry reads as a bad signature rather than as "expired".</summary>
    public PresignedCheck Verify(string method, string mediaId, string objectName, IQueryCollection query, DateTimeOffset now)
    {
        string? Get(string name) => query.TryGetValue(name, out var v) && v.Count == 1 ? v[0] : null;

        var algorithm = Get("X-Amz-Algorithm");
        var credential = Get("X-Amz-Credential");
        var date = Get("X-Amz-Date");
        var expires = Get("X-Amz-Expires");
        var signedHeaders = Get("X-Amz-SignedHeaders");
        var signature = Get("X-Amz-Signature");
        if (algorithm is null || credential is null || date is null || expires is null || signedHeaders is null || signature is null)
            return PresignedCheck.SignatureMismatch;

        var expected = Encoding.ASCII.GetBytes(Sign(method, mediaId, objectName, algorithm, credential, date, expires, signedHeaders));
        var presented = Encoding.ASCII.GetBytes(signature.ToLowerInvariant());
        if (!CryptographicOperations.FixedTimeEquals(expected, presented)) return PresignedCheck.SignatureMismatch;

        if (!DateTimeOffset.TryParseExact(date, DateFormat, CultureInfo.InvariantCulture,
                DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var signedAt)
            || !int.TryParse(expires, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds))
            return PresignedCheck.SignatureMismatch;

        return now > signedAt.AddSeconds(seconds) ? PresignedCheck.Expired : PresignedCheck.Valid;
    }

    private string Sign(
        string method, string mediaId, string objectName, string algorithm, string credential, string date, string expires, string signedHeaders)
    {
        var canonical = string.Join('\n',
            method.ToUpperInvariant(), PathPrefix + mediaId.ToLowerInvariant() + "/" + objectName,
            algorithm, credential, date, expires, signedHeaders);
        return Convert.ToHexStringLower(HMACSHA256.HashData(_key, Encoding.UTF8.GetBytes(canonical)));
    }
}
