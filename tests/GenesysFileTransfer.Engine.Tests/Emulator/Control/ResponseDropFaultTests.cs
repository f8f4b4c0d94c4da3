using Xunit;
using System.Text.Json;
using GenesysFileTransfer.Emulator;

namespace GenesysFileTransfer.Engine.Tests.Emulator.Control;

/// <summary>
/// The <c>dropresponse</c> fault: the request is handled in full, then the connection is cut before any byte of the
/// answer, the way a proxy reset loses the answer to a send that Genesys has already acted on.
/// </summary>
public class ResponseDropFaultTests
{
    private const string ConversationPath = "api/v2/conversations/messages/" + EmulatorDefaults.ConversationId;

    [Fact]
    public async Task A_send_whose_answer_is_dropped_is_delivered_although_the_client_sees_no_answer()
    {
        await using var session = await EmulatorSession.StartAsync();
        var token = await session.GetTokenAsync();
        var (ticket, status) = await session.UploadAsync(token, "invoice.pdf", SampleFiles.Pdf());
        Assert.Equal("valid", status);
        using (var added = await session.ControlAsync(HttpMethod.Post, "faults", new { route = "messages", method = "POST", count = 1, action = "dropresponse" }))
            Assert.Equal(201, (int)added.StatusCode);

        await Assert.ThrowsAsync<HttpRequestException>(() =>
            session.SendApiAsync(HttpMethod.Post, EmulatorSession.CommunicationPath, token, new { mediaIds = new[] { ticket.Id } }));

        // Genesys acted: the message is in the conversation, carrying the media.
        using var messages = await session.ControlAsync(HttpMethod.Get, "messages");
        var delivered = Assert.Single((await EmulatorSession.JsonOf(messages)).EnumerateArray());
        Assert.Equal(ticket.Id, Assert.Single(delivered.GetProperty("media").EnumerateArray()).GetProperty("id").GetString());

        // The log shows the request as cut off unanswered, with the status the client never saw.
        var entry = await WaitForLogEntryAsync(session, "messages");
        Assert.True(entry.GetProperty("aborted").GetBoolean());
        Assert.Equal(0, entry.GetProperty("status").GetInt32());
        Assert.Equal("dropresponse", entry.GetProperty("fault").GetString());
        Assert.Equal(200, entry.GetProperty("handledStatus").GetInt32());

        // And a client that reconciles finds it: the conversation lists it, the batch shows the media id.
        using var conversation = await session.SendApiAsync(HttpMethod.Get, ConversationPath, token);
        var agent = Assert.Single((await EmulatorSession.JsonOf(conversation)).GetProperty("participants").EnumerateArray(),
            p => p.GetProperty("purpose").GetString() == "agent");
        var messageId = Assert.Single(agent.GetProperty("messages").EnumerateArray()).GetProperty("messageId").GetString();
        Assert.Equal(delivered.GetProperty("id").GetString(), messageId);
        using var bulk = await session.SendApiAsync(HttpMethod.Post, ConversationPath + "/messages/bulk", token, new[] { messageId });
        var entity = Assert.Single((await EmulatorSession.JsonOf(bulk)).GetProperty("entities").EnumerateArray());
        Assert.Equal(ticket.Id, entity.GetProperty("normalizedMessage").GetProperty("content")[0].GetProperty("attachment").GetProperty("id").GetString());
    }

    [Fact]
    public async Task The_fault_is_used_up_and_the_next_send_is_answered()
    {
        await using var session = await EmulatorSession.StartAsync();
        var token = await session.GetTokenAsync();
        using (await session.ControlAsync(HttpMethod.Post, "faults", new { route = "messages", count = 1, action = "dropresponse" })) { }

        await Assert.ThrowsAsync<HttpRequestException>(() =>
            session.SendApiAsync(HttpMethod.Post, EmulatorSession.CommunicationPath, token, new { textBody = "lost answer" }));
        using var next = await session.SendApiAsync(HttpMethod.Post, EmulatorSession.CommunicationPath, token, new { textBody = "answered" });

        Assert.Equal(200, (int)next.StatusCode);
        Assert.Equal(["lost answer", "answered"], session.Host.State.Messages.Select(m => m.TextBody));
        using var faults = await session.ControlAsync(HttpMethod.Get, "faults");
        Assert.Empty((await EmulatorSession.JsonOf(faults)).EnumerateArray());
    }

    [Fact]
    public async Task The_open_messaging_callback_of_a_send_whose_answer_is_dropped_still_goes_out()
    {
        await using var session = await EmulatorSession.StartAsync();
        var token = await session.GetTokenAsync();
        // Any listener will do: the delivery log records the attempt whatever the answer.
        using (var configured = await session.ControlAsync(HttpMethod.Put, "integrations/open", new
               {
                   outboundNotificationWebhookUrl = new Uri(session.Host.BaseUri, "emulator/health").ToString(),
                   outboundNotificationWebhookSignatureSecretToken = "0123456789abcdef0123",
                   retryDelayMs = 10,
                   maxRetries = 0,
               }))
            Assert.True(configured.IsSuccessStatusCode, await configured.Content.ReadAsStringAsync());
        using (await session.ControlAsync(HttpMethod.Post, "faults", new { route = "messages", count = 1, action = "dropresponse" })) { }

        await Assert.ThrowsAsync<HttpRequestException>(() =>
            session.SendApiAsync(HttpMethod.Post, EmulatorSession.CommunicationPath, token, new { textBody = "callback anyway" }));

        var messageId = Assert.Single(session.Host.State.Messages).Id;
        JsonElement delivery = default;
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (DateTime.UtcNow < deadline)
        {
            using var deliveries = await session.ControlAsync(HttpMethod.Get, "integrations/open/deliveries");
            delivery = (await EmulatorSession.JsonOf(deliveries)).EnumerateArray().FirstOrDefault();
            if (delivery.ValueKind == JsonValueKind.Object && delivery.GetProperty("attempts").GetArrayLength() > 0) break;
            await Task.Delay(20);
        }

        Assert.Equal(JsonValueKind.Object, delivery.ValueKind);
        Assert.Equal(messageId, delivery.GetProperty("messageId").GetString());
        Assert.NotEmpty(delivery.GetProperty("attempts").EnumerateArray());
    }

    [Fact]
    public async Task An_upload_create_whose_answer_is_dropped_leaves_a_media_the_client_never_heard_of()
    {
        await using var session = await EmulatorSession.StartAsync();
        var token = await session.GetTokenAsync();
        using (await session.ControlAsync(HttpMethod.Post, "faults", new { route = "uploads", count = 1, action = "dropresponse" })) { }

        await Assert.ThrowsAsync<HttpRequestException>(() =>
            session.CreateUploadRawAsync(token, new { fileName = "orphan.pdf", contentLengthBytes = 10 }));

        var media = Assert.Single(session.Host.State.Media);
        Assert.Equal("orphan.pdf", media.Name);
        Assert.Equal("uploading", media.Status);
    }

    [Fact]
    public async Task A_read_whose_answer_is_dropped_fails_once_without_being_resent_behind_the_clients_back()
    {
        await using var session = await EmulatorSession.StartAsync();
        var token = await session.GetTokenAsync();
        using (await session.ControlAsync(HttpMethod.Post, "faults", new { route = "conversations", count = 1, action = "dropresponse" })) { }

        // On the session's pooled connection, already used for the token: the cut is a reset, which .NET does not
        // quietly retry, so the caller sees the failure and the emulator saw exactly one request.
        await Assert.ThrowsAsync<HttpRequestException>(() => session.SendApiAsync(HttpMethod.Get, ConversationPath, token));

        var entry = await WaitForLogEntryAsync(session, "conversations");
        Assert.True(entry.GetProperty("aborted").GetBoolean());
        Assert.Equal(200, entry.GetProperty("handledStatus").GetInt32());
        using var next = await session.SendApiAsync(HttpMethod.Get, ConversationPath, token);
        Assert.Equal(200, (int)next.StatusCode);
    }

    [Fact]
    public async Task A_dropresponse_rule_is_accepted_and_described()
    {
        await using var session = await EmulatorSession.StartAsync();

        using var added = await session.ControlAsync(HttpMethod.Post, "faults", new { route = "messages", count = 2, action = "dropresponse" });

        Assert.Equal(201, (int)added.StatusCode);
        var rule = Assert.Single((await EmulatorSession.JsonOf(added)).EnumerateArray());
        Assert.Equal("dropresponse", rule.GetProperty("action").GetString());
        Assert.Equal(2, rule.GetProperty("remaining").GetInt32());
    }

    private static async Task<JsonElement> WaitForLogEntryAsync(EmulatorSession session, string route)
    {
        var deadline = DateTime.UtcNow.AddSeconds(5);
        while (true)
        {
            using var log = await session.ControlAsync(HttpMethod.Get, "requests?route=" + route);
            var entries = (await EmulatorSession.JsonOf(log)).EnumerateArray().ToArray();
            if (entries.Length > 0 || DateTime.UtcNow > deadline) return Assert.Single(entries);
            await Task.Delay(20);
        }
    }
}
