using Xunit;
using System.Globalization;
using System.Text.Json;
using GenesysFileTransfer.Emulator;

namespace GenesysFileTransfer.Engine.Tests.Emulator.Conversations;

/// <summary>
/// GET /api/v2/conversations/messages/{conversationId}, POST …/messages/bulk and GET …/messages/{messageId}:
/// shapes and field names from the .NET SDK 270.0.0 docs (MessageConversation.md, MessageMediaParticipant.md,
/// MessageDetails.md, TextMessageListing.md, MessageData.md, ConversationsApi.md).
/// </summary>
public class ConversationReadTests
{
    private const string ConversationPath = "api/v2/conversations/messages/" + EmulatorDefaults.ConversationId;
    private const string BulkPath = ConversationPath + "/messages/bulk";

    // MessageMediaParticipant.purpose/state/direction and MessageDetails.messageStatus as the SDK lists them.
    private static readonly string[] Purposes = ["agent", "user", "customer", "external", "acd", "ivr"];
    private static readonly string[] States = ["alerting", "dialing", "contacting", "offering", "connected", "disconnected", "terminated", "converting", "uploading", "transmitting", "parked", "none"];
    private static readonly string[] MessageStatuses = ["queued", "sent", "failed", "received", "delivery-success", "delivery-failed", "read", "removed", "published"];

    [Fact]
    public async Task The_conversation_lists_a_customer_and_the_agent_whose_messages_are_the_sent_ones_in_send_order()
    {
        await using var session = await EmulatorSession.StartAsync();
        var token = await session.GetTokenAsync();
        var first = await SendTextAsync(session, token, "first");
        var (_, second) = await SendMediaAsync(session, token, "invoice.pdf");
        var third = await SendTextAsync(session, token, "third");

        using var response = await session.SendApiAsync(HttpMethod.Get, ConversationPath, token);

        Assert.Equal(200, (int)response.StatusCode);
        var conversation = await EmulatorSession.JsonOf(response);
        Assert.Equal(EmulatorDefaults.ConversationId, conversation.GetProperty("id").GetString());
        Assert.Equal("/api/v2/conversations/messages/" + EmulatorDefaults.ConversationId, conversation.GetProperty("selfUri").GetString());
        var participants = conversation.GetProperty("participants").EnumerateArray().ToArray();
        Assert.Equal(2, participants.Length);
        foreach (var participant in participants)
        {
            Assert.Contains(participant.GetProperty("purpose").GetString(), Purposes);
            Assert.Contains(participant.GetProperty("state").GetString(), States);
            Assert.Contains(participant.GetProperty("direction").GetString(), new[] { "inbound", "outbound" });
        }

        var customer = Assert.Single(participants, p => p.GetProperty("purpose").GetString() == "customer");
        var agent = Assert.Single(participants, p => p.GetProperty("purpose").GetString() == "agent");
        Assert.Equal(EmulatorDefaults.CommunicationId, agent.GetProperty("id").GetString());
        Assert.NotEqual(agent.GetProperty("id").GetString(), customer.GetProperty("id").GetString());
        Assert.Empty(customer.GetProperty("messages").EnumerateArray());

        var messages = agent.GetProperty("messages").EnumerateArray().ToArray();
        Assert.Equal([first, second, third], messages.Select(m => m.GetProperty("messageId").GetString()));
        foreach (var message in messages)
        {
            var id = message.GetProperty("messageId").GetString();
            Assert.Equal($"/api/v2/conversations/messages/{EmulatorDefaults.ConversationId}/messages/{id}", message.GetProperty("messageURI").GetString());
            Assert.Contains(message.GetProperty("messageStatus").GetString(), MessageStatuses);
            Assert.Equal(1, message.GetProperty("messageSegmentCount").GetInt32());
            Assert.Equal(EmulatorSession.Epoch, DateTimeOffset.Parse(message.GetProperty("messageTime").GetString()!, CultureInfo.InvariantCulture));
        }
    }

    [Fact]
    public async Task The_conversation_read_carries_the_platform_headers()
    {
        await using var session = await EmulatorSession.StartAsync();
        var token = await session.GetTokenAsync();

        using var response = await session.SendApiAsync(HttpMethod.Get, ConversationPath, token);

        Assert.Equal(200, (int)response.StatusCode);
        Assert.True(Guid.TryParse(Assert.Single(response.Headers.GetValues("ININ-Correlation-Id")), out _));
        Assert.Single(response.Headers.GetValues("inin-ratelimit-count"));
        Assert.Single(response.Headers.GetValues("inin-ratelimit-allowed"));
        Assert.Single(response.Headers.GetValues("inin-ratelimit-reset"));
    }

    [Fact]
    public async Task A_new_conversation_holds_none_of_the_other_conversations_messages()
    {
        await using var session = await EmulatorSession.StartAsync();
        var token = await session.GetTokenAsync();
        var sent = await SendTextAsync(session, token, "seeded conversation only");
        using var created = await session.ControlAsync(HttpMethod.Post, "conversations");
        var other = await EmulatorSession.JsonOf(created);
        var otherId = other.GetProperty("conversationId").GetString()!;

        using var response = await session.SendApiAsync(HttpMethod.Get, $"api/v2/conversations/messages/{otherId}", token);
        using var bulk = await session.SendApiAsync(HttpMethod.Post, $"api/v2/conversations/messages/{otherId}/messages/bulk", token, new[] { sent });
        using var single = await session.SendApiAsync(HttpMethod.Get, $"api/v2/conversations/messages/{otherId}/messages/{sent}", token);

        var conversation = await EmulatorSession.JsonOf(response);
        var agent = Assert.Single(conversation.GetProperty("participants").EnumerateArray(), p => p.GetProperty("purpose").GetString() == "agent");
        Assert.Equal(other.GetProperty("communicationId").GetString(), agent.GetProperty("id").GetString());
        Assert.Empty(agent.GetProperty("messages").EnumerateArray());
        Assert.Empty((await EmulatorSession.JsonOf(bulk)).GetProperty("entities").EnumerateArray());
        Assert.Equal(404, (int)single.StatusCode);
        Assert.Equal("not.found", (await EmulatorSession.JsonOf(single)).GetProperty("code").GetString());
    }

    [Theory]
    [InlineData("GET", "")]
    [InlineData("POST", "/messages/bulk")]
    [InlineData("GET", "/messages/0b8f5d8e-0000-4000-8000-000000000000")]
    public async Task An_unknown_conversation_is_404_in_the_platform_error_format(string method, string suffix)
    {
        await using var session = await EmulatorSession.StartAsync();
        var token = await session.GetTokenAsync();
        const string unknown = "9d9d9d9d-1111-4222-8333-444455556666";

        using var response = await session.SendApiAsync(new HttpMethod(method), $"api/v2/conversations/messages/{unknown}{suffix}", token,
            method == "POST" ? "[]" : null);

        Assert.Equal(404, (int)response.StatusCode);
        var error = await EmulatorSession.JsonOf(response);
        Assert.Equal("not.found", error.GetProperty("code").GetString());
        Assert.Equal(404, error.GetProperty("status").GetInt32());
        Assert.Equal(Assert.Single(response.Headers.GetValues("ININ-Correlation-Id")), error.GetProperty("contextId").GetString());
        Assert.Contains(unknown, error.GetProperty("message").GetString());
    }

    [Theory]
    [InlineData("GET", "")]
    [InlineData("POST", "/messages/bulk")]
    [InlineData("GET", "/messages/0b8f5d8e-0000-4000-8000-000000000000")]
    public async Task The_reads_need_a_bearer_token(string method, string suffix)
    {
        await using var session = await EmulatorSession.StartAsync();

        using var response = await session.SendApiAsync(new HttpMethod(method), ConversationPath + suffix, null, method == "POST" ? "[]" : null);

        Assert.Equal(401, (int)response.StatusCode);
        Assert.Equal("authentication.required", (await EmulatorSession.JsonOf(response)).GetProperty("code").GetString());
    }

    [Fact]
    public async Task The_batch_returns_the_message_data_exactly_as_the_send_returned_it_in_a_listing_of_entities_only()
    {
        await using var session = await EmulatorSession.StartAsync();
        var token = await session.GetTokenAsync();
        var (ticket, _) = await session.UploadAsync(token, "statement.pdf", SampleFiles.Pdf(3000));
        using var send = await session.SendApiAsync(HttpMethod.Post, EmulatorSession.CommunicationPath, token, new { mediaIds = new[] { ticket.Id } });
        var sent = await EmulatorSession.JsonOf(send);

        using var response = await session.SendApiAsync(HttpMethod.Post, BulkPath, token, new[] { sent.GetProperty("id").GetString() });

        Assert.Equal(200, (int)response.StatusCode);
        var listing = await EmulatorSession.JsonOf(response);
        // TextMessageListing has had "entities" only since SDK 176.0.0 (the paging fields were removed).
        Assert.Equal(["entities"], listing.EnumerateObject().Select(p => p.Name));
        var entity = Assert.Single(listing.GetProperty("entities").EnumerateArray());
        Assert.True(JsonElement.DeepEquals(sent, entity), $"sent {sent}\nread {entity}");
        Assert.Equal(ticket.Id, Assert.Single(entity.GetProperty("media").EnumerateArray()).GetProperty("id").GetString());
        var content = Assert.Single(entity.GetProperty("normalizedMessage").GetProperty("content").EnumerateArray());
        Assert.Equal(ticket.Id, content.GetProperty("attachment").GetProperty("id").GetString());
        Assert.Equal(EmulatorDefaults.ConversationId, entity.GetProperty("conversationId").GetString());
    }

    [Fact]
    public async Task UseNormalizedMessage_removes_textBody_and_media_from_the_batch_and_the_single_read()
    {
        await using var session = await EmulatorSession.StartAsync();
        var token = await session.GetTokenAsync();
        var (mediaId, withMedia) = await SendMediaAsync(session, token, "photo.png");
        var withText = await SendTextAsync(session, token, "hello");

        using var normalized = await session.SendApiAsync(HttpMethod.Post, BulkPath + "?useNormalizedMessage=true", token, new[] { withMedia, withText });
        using var legacy = await session.SendApiAsync(HttpMethod.Post, BulkPath + "?useNormalizedMessage=false", token, new[] { withMedia, withText });
        using var single = await session.SendApiAsync(HttpMethod.Get, $"{ConversationPath}/messages/{withText}?useNormalizedMessage=true", token);

        var normalizedEntities = (await EmulatorSession.JsonOf(normalized)).GetProperty("entities").EnumerateArray().ToArray();
        Assert.Equal(2, normalizedEntities.Length);
        Assert.All(normalizedEntities, e =>
        {
            Assert.False(e.TryGetProperty("media", out _));
            Assert.False(e.TryGetProperty("textBody", out _));
        });
        Assert.Equal(mediaId, normalizedEntities[0].GetProperty("normalizedMessage").GetProperty("content")[0].GetProperty("attachment").GetProperty("id").GetString());
        Assert.Equal("hello", normalizedEntities[1].GetProperty("normalizedMessage").GetProperty("text").GetString());

        var legacyEntities = (await EmulatorSession.JsonOf(legacy)).GetProperty("entities").EnumerateArray().ToArray();
        Assert.Equal(mediaId, legacyEntities[0].GetProperty("media")[0].GetProperty("id").GetString());
        Assert.Equal("hello", legacyEntities[1].GetProperty("textBody").GetString());

        var one = await EmulatorSession.JsonOf(single);
        Assert.Equal(withText, one.GetProperty("id").GetString());
        Assert.False(one.TryGetProperty("textBody", out _));
    }

    [Fact]
    public async Task A_message_sent_in_the_normalized_form_is_still_read_back_with_its_media_by_default()
    {
        await using var session = await EmulatorSession.StartAsync();
        var token = await session.GetTokenAsync();
        var (ticket, _) = await session.UploadAsync(token, "a.pdf", SampleFiles.Pdf());
        using var send = await session.SendApiAsync(HttpMethod.Post, EmulatorSession.CommunicationPath + "?useNormalizedMessage=true", token, new { mediaIds = new[] { ticket.Id } });
        var sent = await EmulatorSession.JsonOf(send);
        Assert.False(sent.TryGetProperty("media", out _));

        using var read = await session.SendApiAsync(HttpMethod.Get, $"{ConversationPath}/messages/{sent.GetProperty("id").GetString()}", token);

        Assert.Equal(ticket.Id, Assert.Single((await EmulatorSession.JsonOf(read)).GetProperty("media").EnumerateArray()).GetProperty("id").GetString());
    }

    [Fact]
    public async Task The_batch_leaves_out_unknown_ids_and_answers_in_the_order_asked()
    {
        await using var session = await EmulatorSession.StartAsync();
        var token = await session.GetTokenAsync();
        var a = await SendTextAsync(session, token, "a");
        var b = await SendTextAsync(session, token, "b");

        using var response = await session.SendApiAsync(HttpMethod.Post, BulkPath, token, new[] { b, "00000000-0000-4000-8000-00000000dead", a, b });

        var ids = (await EmulatorSession.JsonOf(response)).GetProperty("entities").EnumerateArray().Select(e => e.GetProperty("id").GetString());
        Assert.Equal([b, a], ids);
    }

    [Fact]
    public async Task An_empty_batch_or_no_body_at_all_asks_for_nothing()
    {
        await using var session = await EmulatorSession.StartAsync();
        var token = await session.GetTokenAsync();
        await SendTextAsync(session, token, "present");

        using var empty = await session.SendApiAsync(HttpMethod.Post, BulkPath, token, "[]");
        using var none = await session.SendApiAsync(HttpMethod.Post, BulkPath, token);

        Assert.Equal(200, (int)empty.StatusCode);
        Assert.Empty((await EmulatorSession.JsonOf(empty)).GetProperty("entities").EnumerateArray());
        Assert.Equal(200, (int)none.StatusCode);
        Assert.Empty((await EmulatorSession.JsonOf(none)).GetProperty("entities").EnumerateArray());
    }

    [Theory]
    [InlineData("not json")]
    [InlineData("{\"messageIds\":[\"a\"]}")]
    [InlineData("[1, 2]")]
    [InlineData("[\"\"]")]
    [InlineData("\"a3069a33b-bbb1-4703-9d68-061d9e9db96e\"")]
    public async Task A_malformed_batch_body_is_400_bad_request(string body)
    {
        await using var session = await EmulatorSession.StartAsync();
        var token = await session.GetTokenAsync();

        using var response = await session.SendApiAsync(HttpMethod.Post, BulkPath, token, body);

        Assert.Equal(400, (int)response.StatusCode);
        var error = await EmulatorSession.JsonOf(response);
        Assert.Equal("bad.request", error.GetProperty("code").GetString());
        Assert.Equal(400, error.GetProperty("status").GetInt32());
    }

    [Fact]
    public async Task More_than_1000_ids_in_one_batch_is_400_and_1000_is_fine()
    {
        await using var session = await EmulatorSession.StartAsync();
        var token = await session.GetTokenAsync();
        var thousand = Enumerable.Range(0, 1000).Select(i => Guid.NewGuid().ToString()).ToArray();

        using var atLimit = await session.SendApiAsync(HttpMethod.Post, BulkPath, token, thousand);
        using var overLimit = await session.SendApiAsync(HttpMethod.Post, BulkPath, token, thousand.Append(Guid.NewGuid().ToString()).ToArray());

        Assert.Equal(200, (int)atLimit.StatusCode);
        Assert.Equal(400, (int)overLimit.StatusCode);
        Assert.Equal("bad.request", (await EmulatorSession.JsonOf(overLimit)).GetProperty("code").GetString());
    }

    [Fact]
    public async Task One_message_reads_back_as_the_send_returned_it_and_an_unknown_one_is_404()
    {
        await using var session = await EmulatorSession.StartAsync();
        var token = await session.GetTokenAsync();
        var (ticket, _) = await session.UploadAsync(token, "b.gif", SampleFiles.Gif());
        using var send = await session.SendApiAsync(HttpMethod.Post, EmulatorSession.CommunicationPath, token, new { mediaIds = new[] { ticket.Id } });
        var sent = await EmulatorSession.JsonOf(send);
        var id = sent.GetProperty("id").GetString();

        using var read = await session.SendApiAsync(HttpMethod.Get, $"{ConversationPath}/messages/{id}", token);
        using var unknown = await session.SendApiAsync(HttpMethod.Get, $"{ConversationPath}/messages/{Guid.NewGuid()}", token);

        Assert.Equal(200, (int)read.StatusCode);
        Assert.True(JsonElement.DeepEquals(sent, await EmulatorSession.JsonOf(read)));
        // The message's selfUri is this very read.
        Assert.Equal("/" + ConversationPath + "/messages/" + id, sent.GetProperty("selfUri").GetString());
        Assert.Equal(404, (int)unknown.StatusCode);
        Assert.Equal("not.found", (await EmulatorSession.JsonOf(unknown)).GetProperty("code").GetString());
    }

    [Fact]
    public async Task The_reads_are_the_conversations_route_for_faults_the_request_log_and_the_stats()
    {
        await using var session = await EmulatorSession.StartAsync();
        var token = await session.GetTokenAsync();
        using (var added = await session.ControlAsync(HttpMethod.Post, "faults", new { route = "conversations", method = "POST", count = 1, action = "status", status = 503 }))
            Assert.Equal(201, (int)added.StatusCode);

        using var get = await session.SendApiAsync(HttpMethod.Get, ConversationPath, token);
        using var faulted = await session.SendApiAsync(HttpMethod.Post, BulkPath, token, "[]");
        using var retried = await session.SendApiAsync(HttpMethod.Post, BulkPath, token, "[]");

        Assert.Equal(200, (int)get.StatusCode);
        Assert.Equal(503, (int)faulted.StatusCode);
        Assert.Equal("service.unavailable", (await EmulatorSession.JsonOf(faulted)).GetProperty("code").GetString());
        Assert.Equal(200, (int)retried.StatusCode);

        using var log = await session.ControlAsync(HttpMethod.Get, "requests?route=conversations");
        var entries = (await EmulatorSession.JsonOf(log)).EnumerateArray().ToArray();
        Assert.Equal([200, 503, 200], entries.Select(e => e.GetProperty("status").GetInt32()));
        Assert.Equal("status", entries[1].GetProperty("fault").GetString());
        using var stats = await session.ControlAsync(HttpMethod.Get, "stats");
        Assert.Equal(3, (await EmulatorSession.JsonOf(stats)).GetProperty("routes").GetProperty("conversations").GetProperty("requests").GetInt64());
    }

    internal static async Task<string> SendTextAsync(EmulatorSession session, string token, string text)
    {
        using var response = await session.SendApiAsync(HttpMethod.Post, EmulatorSession.CommunicationPath, token, new { textBody = text });
        Assert.Equal(200, (int)response.StatusCode);
        return (await EmulatorSession.JsonOf(response)).GetProperty("id").GetString()!;
    }

    internal static async Task<(string MediaId, string MessageId)> SendMediaAsync(EmulatorSession session, string token, string fileName)
    {
        var content = fileName.EndsWith(".png", StringComparison.Ordinal) ? SampleFiles.Png() : SampleFiles.Pdf();
        var (ticket, status) = await session.UploadAsync(token, fileName, content);
        Assert.Equal("valid", status);
        using var response = await session.SendApiAsync(HttpMethod.Post, EmulatorSession.CommunicationPath, token, new { mediaIds = new[] { ticket.Id } });
        Assert.Equal(200, (int)response.StatusCode);
        return (ticket.Id, (await EmulatorSession.JsonOf(response)).GetProperty("id").GetString()!);
    }
}
