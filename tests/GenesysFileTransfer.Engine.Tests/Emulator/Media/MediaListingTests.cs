using Xunit;
namespace GenesysFileTransfer.Engine.Tests.Emulator.Media;

public class MediaListingTests
{
    private static readonly string List = EmulatorSession.CommunicationPath + "/media";

    [Fact]
    public async Task The_listing_can_be_filtered_by_status()
    {
        await using var session = await EmulatorSession.StartAsync();
        var token = await session.GetTokenAsync();
        var (valid, _) = await session.UploadAsync(token, "good.pdf", SampleFiles.Pdf());
        var (invalid, _) = await session.UploadAsync(token, "bad.pdf", SampleFiles.WindowsExecutable());
        var pending = await session.CreateUploadAsync(token, "pending.pdf", SampleFiles.Pdf());

        Assert.Equal([valid.Id], await IdsAsync(session, token, "?status=valid"));
        Assert.Equal([invalid.Id], await IdsAsync(session, token, "?status=invalid"));
        Assert.Equal([pending.Id], await IdsAsync(session, token, "?status=uploading"));
        Assert.Equal([valid.Id, invalid.Id, pending.Id], await IdsAsync(session, token, ""));
    }

    [Fact]
    public async Task The_listing_pages_with_genesys_paging_fields()
    {
        await using var session = await EmulatorSession.StartAsync();
        var token = await session.GetTokenAsync();
        var ids = new List<string>();
        for (var i = 0; i < 5; i++) ids.Add((await session.CreateUploadAsync(token, $"f{i}.pdf", SampleFiles.Pdf(10))).Id);

        using var response = await session.SendApiAsync(HttpMethod.Get, List + "?pageSize=2&pageNumber=2", token);
        var page = await EmulatorSession.JsonOf(response);

        Assert.Equal(ids.Skip(2).Take(2), page.GetProperty("entities").EnumerateArray().Select(e => e.GetProperty("id").GetString()));
        Assert.Equal(5, page.GetProperty("total").GetInt64());
        Assert.Equal(3, page.GetProperty("pageCount").GetInt32());
        Assert.Equal(2, page.GetProperty("pageSize").GetInt32());
        Assert.Equal(2, page.GetProperty("pageNumber").GetInt32());
        Assert.EndsWith("pageSize=2&pageNumber=3", page.GetProperty("nextUri").GetString());
        Assert.EndsWith("pageSize=2&pageNumber=1", page.GetProperty("previousUri").GetString());
        Assert.EndsWith("pageSize=2&pageNumber=3", page.GetProperty("lastUri").GetString());
    }

    [Fact]
    public async Task An_unknown_status_value_is_400_invalid_value()
    {
        await using var session = await EmulatorSession.StartAsync();
        var token = await session.GetTokenAsync();

        using var response = await session.SendApiAsync(HttpMethod.Get, List + "?status=done", token);

        Assert.Equal(400, (int)response.StatusCode);
        var json = await EmulatorSession.JsonOf(response);
        Assert.Equal("invalid.value", json.GetProperty("code").GetString());
        Assert.Equal("status", json.GetProperty("details")[0].GetProperty("fieldName").GetString());
    }

    [Fact]
    public async Task An_unknown_media_is_404_not_found()
    {
        await using var session = await EmulatorSession.StartAsync();
        var token = await session.GetTokenAsync();

        using var response = await session.SendApiAsync(HttpMethod.Get, $"{List}/{Guid.NewGuid()}", token);

        Assert.Equal(404, (int)response.StatusCode);
        Assert.Equal("not.found", (await EmulatorSession.JsonOf(response)).GetProperty("code").GetString());
    }

    private static async Task<string[]> IdsAsync(EmulatorSession session, string token, string query)
    {
        using var response = await session.SendApiAsync(HttpMethod.Get, List + query, token);
        Assert.Equal(200, (int)response.StatusCode);
        var json = await EmulatorSession.JsonOf(response);
        return json.GetProperty("entities").EnumerateArray().Select(e => e.GetProperty("id").GetString()!).ToArray();
    }
}
