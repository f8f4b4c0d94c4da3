using Xunit;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using GenesysFileTransfer.Emulator;
using Microsoft.Extensions.Time.Testing;

namespace GenesysFileTransfer.Engine.Tests.Emulator;

/// <summary>A presigned upload as handed out by POST …/media/uploads.</summary>
internal sealed record UploadTicket(string Id, string UploadUrl, IReadOnlyDictionary<string, string> Headers, JsonElement Json);

/// <summary>
/// One emulator on a fake clock plus a plain HttpClient: the client speaks raw HTTP so the tests check the wire
/// format, not a convenience layer.
/// </summary>
internal sealed class EmulatorSession : IAsyncDisposable
{
    public static readonly DateTimeOffset Epoch = new(2026, 11, 24, 12, 0, 0, TimeSpan.Zero);

    public static readonly string CommunicationPath =
        $"api/v2/conversations/messages/{EmulatorDefaults.ConversationId}/communications/{EmulatorDefaults.CommunicationId}/messages";

    private readonly bool _ownsHost;
    private readonly FakeTimeProvider? _clock;

    private EmulatorSession(EmulatorHost host, FakeTimeProvider? clock, bool ownsHost)
    {
        Host = host;
        _clock = clock;
        _ownsHost = ownsHost;
        Http = new HttpClient { BaseAddress = host.BaseUri, Timeout = TimeSpan.FromSeconds(15) };
    }

    public EmulatorHost Host { get; }

    public FakeTimeProvider Clock => _clock ?? throw new InvalidOperationException("This session runs on the real clock.");
    public HttpClient Http { get; }

    /// <summary>Starts an emulator whose validation is immediate unless the test configures a delay.</summary>
    public static async Task<EmulatorSession> StartAsync(Action<EmulatorOptions>? configure = null)
    {
        var clock = new FakeTimeProvider(Epoch);
        var options = new EmulatorOptions { TimeProvider = clock, ValidationDelayMs = 0 };
        configure?.Invoke(options);
        return new EmulatorSession(await EmulatorHost.StartAsync(options), clock, ownsHost: true);
    }

    /// <summary>Talks to a host the test started itself; the test disposes that host.</summary>
    public static Task<EmulatorSession> AttachAsync(EmulatorHost host) => Task.FromResult(new EmulatorSession(host, null, ownsHost: false));

    public static string BasicCredentials(string clientId, string secret)
        => Convert.ToBase64String(Encoding.Latin1.GetBytes($"{clientId}:{secret}"));

    public async Task<HttpResponseMessage> RequestTokenAsync(string? basic, string? grantType = "client_credentials")
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "oauth/token");
        if (basic is not null) request.Headers.Authorization = new AuthenticationHeaderValue("Basic", basic);
        var form = new List<KeyValuePair<string, string>>();
        if (grantType is not null) form.Add(new("grant_type", grantType));
        request.Content = new FormUrlEncodedContent(form);
        return await Http.SendAsync(request);
    }

    public async Task<string> GetTokenAsync()
    {
        using var response = await RequestTokenAsync(BasicCredentials(EmulatorDefaults.ClientId, EmulatorDefaults.ClientSecret));
        response.EnsureSuccessStatusCode();
        var json = await response.Content.ReadFromJsonAsync<JsonElement>();
        return json.GetProperty("access_token").GetString()!;
    }

    public async Task<HttpResponseMessage> SendApiAsync(HttpMethod method, string path, string? token, object? body = null, string scheme = "Bearer")
    {
        using var request = new HttpRequestMessage(method, path);
        if (token is not null) request.Headers.TryAddWithoutValidation("Authorization", $"{scheme} {token}");
        if (body is string raw) request.Content = new StringContent(raw, Encoding.UTF8, "application/json");
        else if (body is not null) request.Content = JsonContent.Create(body);
        return await Http.SendAsync(request);
    }

    public Task<HttpResponseMessage> CreateUploadRawAsync(string token, object body)
        => SendApiAsync(HttpMethod.Post, CommunicationPath + "/media/uploads", token, body);

    public async Task<UploadTicket> CreateUploadAsync(string token, string fileName, byte[] content, bool withMd5 = false)
    {
        object body = withMd5
            ? new { fileName, contentLengthBytes = content.Length, contentMd5 = Convert.ToBase64String(System.Security.Cryptography.MD5.HashData(content)) }
            : new { fileName, contentLengthBytes = content.Length };
        using var response = await CreateUploadRawAsync(token, body);
        Assert.Equal(200, (int)response.StatusCode);
        var json = await response.Content.ReadFromJsonAsync<JsonElement>();
        var headers = json.GetProperty("uploadHeaders").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString()!);
        return new UploadTicket(json.GetProperty("id").GetString()!, json.GetProperty("uploadUrl").GetString()!, headers, json);
    }

    /// <summary>PUTs the bytes the way a correct client does (every upload header, exact Content-Length) unless adjusted.</summary>
    public async Task<HttpResponseMessage> PutAsync(UploadTicket ticket, byte[] body, Action<HttpRequestMessage>? adjust = null, string? url = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Put, url ?? ticket.UploadUrl) { Content = new ByteArrayContent(body) };
        foreach (var (name, value) in ticket.Headers) SetHeader(request, name, value);
        adjust?.Invoke(request);
        return await Http.SendAsync(request);
    }

    public static void SetHeader(HttpRequestMessage request, string name, string value)
    {
        RemoveHeader(request, name);
        if (IsContentHeader(name)) request.Content!.Headers.TryAddWithoutValidation(name, value);
        else request.Headers.TryAddWithoutValidation(name, value);
    }

    public static void RemoveHeader(HttpRequestMessage request, string name)
    {
        if (IsContentHeader(name)) request.Content?.Headers.Remove(name);
        else request.Headers.Remove(name);
    }

    // HttpClient keeps body headers on the content and throws if they are touched on the request.
    private static bool IsContentHeader(string name) => name.StartsWith("Content-", StringComparison.OrdinalIgnoreCase);

    public async Task<JsonElement> GetMediaAsync(string token, string mediaId)
    {
        using var response = await SendApiAsync(HttpMethod.Get, $"{CommunicationPath}/media/{mediaId}", token);
        Assert.Equal(200, (int)response.StatusCode);
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    /// <summary>Create, PUT and (with the default zero delay) read back the final status.</summary>
    public async Task<(UploadTicket Ticket, string Status)> UploadAsync(string token, string fileName, byte[] content)
    {
        var ticket = await CreateUploadAsync(token, fileName, content);
        using (var put = await PutAsync(ticket, content)) Assert.Equal(200, (int)put.StatusCode);
        var media = await GetMediaAsync(token, ticket.Id);
        return (ticket, media.GetProperty("status").GetString()!);
    }

    public async Task<HttpResponseMessage> ControlAsync(HttpMethod method, string path, object? body = null)
    {
        using var request = new HttpRequestMessage(method, "emulator/" + path);
        if (body is not null) request.Content = JsonContent.Create(body);
        return await Http.SendAsync(request);
    }

    public static async Task<JsonElement> JsonOf(HttpResponseMessage response) => await response.Content.ReadFromJsonAsync<JsonElement>();

    /// <summary>The Code element of an S3 XML error body.</summary>
    public static async Task<(string Code, string Message)> S3ErrorOf(HttpResponseMessage response)
    {
        Assert.Equal("application/xml", response.Content.Headers.ContentType?.MediaType);
        var document = System.Xml.Linq.XDocument.Parse(await response.Content.ReadAsStringAsync());
        var error = document.Root!;
        Assert.Equal("Error", error.Name.LocalName);
        return (error.Element("Code")!.Value, error.Element("Message")!.Value);
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        if (_ownsHost) await Host.DisposeAsync();
    }
}

/// <summary>Small, recognisable file bodies.</summary>
internal static class SampleFiles
{
    public static byte[] Pdf(int size = 2048) => Fill("%PDF-1.7\n"u8, size);

    public static byte[] Png(int size = 1024) => Fill([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A], size);

    public static byte[] Gif(int size = 512) => Fill("GIF89a"u8, size);

    public static byte[] WindowsExecutable(int size = 4096) => Fill([0x4D, 0x5A, 0x90, 0x00, 0x03, 0x00, 0x00, 0x00], size);

    public static byte[] Text(string text = "Hello from the emulator tests.\n") => Encoding.UTF8.GetBytes(text);

    public const string Eicar = @"X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*";

    private static byte[] Fill(ReadOnlySpan<byte> magic, int size)
    {
        var bytes = new byte[size];
        for (var i = 0; i < size; i++) bytes[i] = (byte)('a' + (i % 26));
        magic.CopyTo(bytes);
        return bytes;
    }
}
