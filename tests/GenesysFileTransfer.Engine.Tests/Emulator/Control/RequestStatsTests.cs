using System.Net.Http.Json;
using System.Text.Json;
using Xunit;

namespace GenesysFileTransfer.Engine.Tests.Emulator.Control;

/// <summary>GET /emulator/stats: what tests of client concurrency and connection reuse read.</summary>
public class RequestStatsTests
{
    private static readonly string MediaList = EmulatorSession.CommunicationPath + "/media";

    [Fact]
    public async Task Counts_requests_per_route_and_the_connections_that_carried_them()
    {
        await using var session = await EmulatorSession.StartAsync();
        var token = await session.GetTokenAsync();
        for (var i = 0; i < 3; i++)
        {
            using var response = await session.SendApiAsync(HttpMethod.Get, MediaList, token);
            Assert.Equal(200, (int)response.StatusCode);
        }

        var stats = await StatsAsync(session);

        Assert.Equal(1, Route(stats, "token").GetProperty("requests").GetInt64());
        Assert.Equal(3, Route(stats, "medialist").GetProperty("requests").GetInt64());
        Assert.Equal(0, Route(stats, "medialist").GetProperty("inFlight").GetInt32());
        Assert.Equal(1, Route(stats, "medialist").GetProperty("maxInFlight").GetInt32());
        // One HttpClient keeps its connection alive, so every call shares it.
        Assert.Equal(1, stats.GetProperty("connections").GetInt32());
        Assert.False(stats.GetProperty("routes").TryGetProperty("control", out _));
    }

    [Fact]
    public async Task Sees_how_many_requests_were_in_flight_at_once()
    {
        await using var session = await EmulatorSession.StartAsync();
        var token = await session.GetTokenAsync();
        // Held requests overlap for certain: none is answered before all three have arrived.
        using (await session.ControlAsync(HttpMethod.Post, "faults", new { route = "medialist", count = 3, action = "hang", hangMs = 1000 })) { }

        var calls = Enumerable.Range(0, 3).Select(_ => session.SendApiAsync(HttpMethod.Get, MediaList, token)).ToArray();
        foreach (var response in await Task.WhenAll(calls)) response.Dispose();

        var media = Route(await StatsAsync(session), "medialist");
        Assert.Equal(3, media.GetProperty("maxInFlight").GetInt32());
        Assert.Equal(0, media.GetProperty("inFlight").GetInt32());
    }

    [Fact]
    public async Task Delete_starts_the_counts_again()
    {
        await using var session = await EmulatorSession.StartAsync();
        var token = await session.GetTokenAsync();
        using (await session.SendApiAsync(HttpMethod.Get, MediaList, token)) { }

        using (var reset = await session.ControlAsync(HttpMethod.Delete, "stats")) Assert.Equal(204, (int)reset.StatusCode);
        var stats = await StatsAsync(session);

        Assert.Equal(0, Route(stats, "medialist").GetProperty("requests").GetInt64());
        Assert.Equal(0, Route(stats, "medialist").GetProperty("maxInFlight").GetInt32());
        Assert.Equal(0, stats.GetProperty("connections").GetInt32());
    }

    private static async Task<JsonElement> StatsAsync(EmulatorSession session)
    {
        using var response = await session.ControlAsync(HttpMethod.Get, "stats");
        Assert.Equal(200, (int)response.StatusCode);
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    private static JsonElement Route(JsonElement stats, string name) => stats.GetProperty("routes").GetProperty(name);
}
