using System.Diagnostics;
using System.Text.Json;
using GenesysFileTransfer.Emulator;
using GenesysFileTransfer.Emulator.State;
using GenesysFileTransfer.Engine.Http;
using GenesysFileTransfer.Engine.Transfers;
using Microsoft.Extensions.Time.Testing;
using Xunit;

namespace GenesysFileTransfer.Engine.Tests.Core;

public class TransferLifecycleTests
{
    [Fact]
    public async Task A_valid_pdf_goes_from_create_to_delivered()
    {
        await using var session = await EmulatorSession.StartAsync();
        var connection = await session.ConnectAsync();
        string path = session.WritePdf();

        FileTransfer transfer = await connection.Transfers.CreateAsync(session.Request(path), CancellationToken.None);
        Assert.Equal(TransferStatus.Created, transfer.Status);
        Assert.NotNull(transfer.MediaId);
        Assert.DoesNotContain("X-Amz-Signature", transfer.UploadUrl);

        await connection.Transfers.UploadAsync(transfer, null, null, CancellationToken.None);
        await connection.Transfers.WaitForScanAsync(transfer, new ScanWaitOptions(), null, CancellationToken.None);
        Assert.Equal(TransferStatus.Valid, transfer.Status);
        await connection.Transfers.DeliverAsync(transfer, null, CancellationToken.None);

        Assert.Equal(TransferStatus.Delivered, transfer.Status);
        Assert.NotNull(transfer.MessageId);
        var media = session.Host.State.FindMedia(transfer.MediaId!);
        Assert.Equal(transfer.Sha256, media!.Upload!.Sha256Hex);
        Assert.Single(session.Host.State.Messages);
    }

    [Fact]
    public async Task The_upload_is_an_exact_length_put_without_the_genesys_bearer_token()
    {
        await using var session = await EmulatorSession.StartAsync();
        var connection = await session.ConnectAsync();
        FileTransfer transfer = await connection.Transfers.CreateAsync(session.Request(session.WritePdf(padding: 300_000)), CancellationToken.None);

        await connection.Transfers.UploadAsync(transfer, null, null, CancellationToken.None);

        var put = Assert.Single(session.Host.State.Requests, r => r.Method == "PUT");
        Assert.False(put.HadAuthorizationHeader);
        Assert.Equal(transfer.Length, put.ContentLength);
        Assert.Null(put.TransferEncoding);
        Assert.Contains(put.HeaderNames, h => h.Equals("x-amz-tagging", StringComparison.OrdinalIgnoreCase));
        Assert.Contains(put.HeaderNames, h => h.Equals("Content-MD5", StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public async Task Delivering_twice_sends_one_message()
    {
        await using var session = await EmulatorSession.StartAsync();
        var connection = await session.ConnectAsync();
        FileTransfer transfer = await ValidatedPdfAsync(session, connection);

        await connection.Transfers.DeliverAsync(transfer, null, CancellationToken.None);
        await connection.Transfers.DeliverAsync(transfer, null, CancellationToken.None);

        Assert.Single(session.Host.State.Messages);
    }

    [Fact]
    public async Task A_file_failing_local_rules_is_refused_before_any_request()
    {
        await using var session = await EmulatorSession.StartAsync();
        var connection = await session.ConnectAsync();
        string exe = Path.Combine(session.Folder, "report.pdf");
        File.WriteAllBytes(exe, [0x4D, 0x5A, 0x90, 0x00, 0x03, 0x00]);
        int before = session.Host.State.Requests.Count;

        var error = await Assert.ThrowsAsync<FileValidationException>(() => connection.Transfers.CreateAsync(session.Request(exe), CancellationToken.None));

        Assert.Contains(error.Report.Failures, f => f.ErrorCode == "ContentMismatch");
        Assert.Equal(before, session.Host.State.Requests.Count);
    }

    [Fact]
    public async Task Media_with_the_eicar_signature_comes_back_invalid()
    {
        await using var session = await EmulatorSession.StartAsync();
        var connection = await session.ConnectAsync();
        string eicar = session.WriteText("eicar.txt", @"X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*");
        FileTransfer transfer = await connection.Transfers.CreateAsync(session.Request(eicar), CancellationToken.None);
        await connection.Transfers.UploadAsync(transfer, null, null, CancellationToken.None);

        await connection.Transfers.WaitForScanAsync(transfer, new ScanWaitOptions(), null, CancellationToken.None);

        Assert.Equal(TransferStatus.Invalid, transfer.Status);
        Assert.NotNull(transfer.FailureReason);
        await Assert.ThrowsAsync<TransferStateException>(() => connection.Transfers.DeliverAsync(transfer, null, CancellationToken.None));
        Assert.Empty(session.Host.State.Messages);
    }

    [Fact]
    public async Task A_429_is_retried_after_the_servers_retry_after()
    {
        await using var session = await EmulatorSession.StartAsync();
        var connection = await session.ConnectAsync();
        await session.AddFaultAsync(new { route = "uploads", count = 1, action = "status", status = 429, retryAfterSeconds = 1 });
        var watch = Stopwatch.StartNew();

        FileTransfer transfer = await connection.Transfers.CreateAsync(session.Request(session.WritePdf()), CancellationToken.None);

        Assert.NotNull(transfer.MediaId);
        Assert.True(watch.Elapsed >= TimeSpan.FromMilliseconds(900), $"retried after {watch.Elapsed.TotalMilliseconds} ms, before the 1 s Retry-After");
        Assert.Equal(2, session.Host.State.Requests.Count(r => r.Route == "uploads"));
        JsonElement retry = AuditLines(session).Single(l => l.GetProperty("outcome").GetString() == "retry");
        Assert.Equal(1.0, retry.GetProperty("retryAfterSeconds").GetDouble());
        Assert.Equal(429, retry.GetProperty("httpStatus").GetInt32());
    }

    [Fact]
    public async Task A_503_from_the_storage_host_is_retried_until_the_upload_lands()
    {
        await using var session = await EmulatorSession.StartAsync();
        var connection = await session.ConnectAsync();
        FileTransfer transfer = await connection.Transfers.CreateAsync(session.Request(session.WritePdf()), CancellationToken.None);
        await session.AddFaultAsync(new { route = "s3", count = 2, action = "status", status = 503 });

        await connection.Transfers.UploadAsync(transfer, null, null, CancellationToken.None);

        Assert.Equal(TransferStatus.Uploaded, transfer.Status);
        Assert.Equal(3, session.Host.State.Requests.Count(r => r.Route == "s3"));
    }

    [Fact]
    public async Task A_connection_dropped_mid_upload_is_retried()
    {
        await using var session = await EmulatorSession.StartAsync();
        var connection = await session.ConnectAsync();
        FileTransfer transfer = await connection.Transfers.CreateAsync(session.Request(session.WritePdf(padding: 200_000)), CancellationToken.None);
        await session.AddFaultAsync(new { route = "s3", count = 1, action = "drop" });

        await connection.Transfers.UploadAsync(transfer, null, null, CancellationToken.None);

        Assert.Equal(TransferStatus.Uploaded, transfer.Status);
        Assert.Equal(transfer.Sha256, session.Host.State.FindMedia(transfer.MediaId!)!.Upload!.Sha256Hex);
    }

    [Fact]
    public async Task A_400_is_not_retried()
    {
        await using var session = await EmulatorSession.StartAsync();
        var connection = await session.ConnectAsync();
        await session.AddFaultAsync(new { route = "uploads", count = 3, action = "status", status = 400 });

        var error = await Assert.ThrowsAsync<GenesysApiException>(() => connection.Transfers.CreateAsync(session.Request(session.WritePdf()), CancellationToken.None));

        Assert.Equal(400, (int)error.StatusCode);
        Assert.Equal(1, session.Host.State.Requests.Count(r => r.Route == "uploads"));
    }

    [Fact]
    public async Task An_ambiguous_500_leaves_the_outcome_unknown_and_the_next_delivery_reads_the_conversation_before_sending()
    {
        await using var session = await EmulatorSession.StartAsync();
        var connection = await session.ConnectAsync();
        FileTransfer transfer = await ValidatedPdfAsync(session, connection);
        await session.AddFaultAsync(new { route = "messages", count = 1, action = "status", status = 500 });

        var error = await Assert.ThrowsAsync<DeliveryOutcomeUnknownException>(() => connection.Transfers.DeliverAsync(transfer, null, CancellationToken.None));

        Assert.Equal(500, (int)Assert.IsType<GenesysApiException>(error.InnerException).StatusCode);
        Assert.Equal(1, await session.CountRequestsAsync("messages", 1));
        Assert.Equal(TransferStatus.DeliveryUnknown, transfer.Status);
        Assert.Contains(transfer.History, e => e.Event == "delivering");

        await connection.Transfers.DeliverAsync(transfer, null, CancellationToken.None);

        // The 500 came before the emulator acted, so the conversation holds nothing: read, then sent once.
        Assert.Equal(TransferStatus.Delivered, transfer.Status);
        Assert.False(transfer.Reconciled);
        Assert.Equal(2, await session.CountRequestsAsync("messages", 2));
        Assert.Single(session.Host.State.Messages);
        Assert.Contains(transfer.History, e => e.Event == "reconciled-not-delivered");
    }

    [Fact]
    public async Task A_send_whose_answer_is_lost_after_genesys_acted_is_reconciled_not_repeated()
    {
        await using var session = await EmulatorSession.StartAsync();
        var connection = await session.ConnectAsync();
        FileTransfer transfer = await ValidatedPdfAsync(session, connection);
        await session.AddFaultAsync(new { route = "messages", count = 1, action = "dropresponse" });

        await connection.Transfers.DeliverAsync(transfer, null, CancellationToken.None);

        DeliveredMessage only = Assert.Single(session.Host.State.Messages);
        Assert.Equal(TransferStatus.Delivered, transfer.Status);
        Assert.True(transfer.Reconciled);
        Assert.Equal(only.Id, transfer.MessageId);
        Assert.Equal(new[] { transfer.MediaId! }, only.MediaIds);
        Assert.Equal(1, await session.CountRequestsAsync("messages", 1));
        Assert.Contains(session.Host.State.Requests, r => r.Route == "conversations");
        Assert.Equal(new[] { "delivering", "delivery-unknown", "reconciled-delivered" }, transfer.History.Select(e => e.Event).Where(e => e.StartsWith("deliver") || e.StartsWith("reconciled")));

        await connection.Transfers.DeliverAsync(transfer, null, CancellationToken.None);
        Assert.Single(session.Host.State.Messages);
    }

    [Fact]
    public async Task Without_permission_to_read_the_conversation_a_lost_answer_stays_unknown_and_nothing_is_sent_again()
    {
        await using var session = await EmulatorSession.StartAsync();
        var connection = await session.ConnectAsync();
        FileTransfer transfer = await ValidatedPdfAsync(session, connection);
        await session.AddFaultAsync(new { route = "messages", count = 1, action = "dropresponse" });
        await session.AddFaultAsync(new { route = "conversations", count = 2, action = "status", status = 403 });

        var first = await Assert.ThrowsAsync<DeliveryOutcomeUnknownException>(() => connection.Transfers.DeliverAsync(transfer, null, CancellationToken.None));
        var second = await Assert.ThrowsAsync<DeliveryOutcomeUnknownException>(() => connection.Transfers.DeliverAsync(transfer, null, CancellationToken.None));

        // The first run already says why the conversation could not be read, not only the rerun.
        Assert.Contains("conversation:message:view", first.Message);
        Assert.Contains("HTTP 403", first.Message);
        Assert.Contains("conversation:message:view", second.Message);
        Assert.Equal(TransferStatus.DeliveryUnknown, transfer.Status);
        Assert.Equal(1, await session.CountRequestsAsync("messages", 1));
        Assert.Single(session.Host.State.Messages);
    }

    [Fact]
    public async Task Sending_a_message_is_repeated_after_a_503_the_server_did_not_act_on()
    {
        await using var session = await EmulatorSession.StartAsync();
        var connection = await session.ConnectAsync();
        FileTransfer transfer = await ValidatedPdfAsync(session, connection);
        await session.AddFaultAsync(new { route = "messages", count = 1, action = "status", status = 503 });

        await connection.Transfers.DeliverAsync(transfer, null, CancellationToken.None);

        Assert.Equal(TransferStatus.Delivered, transfer.Status);
        Assert.Equal(2, await session.CountRequestsAsync("messages", 2));
        Assert.Single(session.Host.State.Messages);
    }

    [Fact]
    public async Task A_file_that_changed_size_after_validation_is_a_state_error_not_a_network_one()
    {
        await using var session = await EmulatorSession.StartAsync();
        var connection = await session.ConnectAsync();
        string path = session.WritePdf();
        FileTransfer transfer = await connection.Transfers.CreateAsync(session.Request(path), CancellationToken.None);
        File.AppendAllText(path, "appended later");

        await Assert.ThrowsAsync<TransferStateException>(() => connection.Transfers.UploadAsync(transfer, null, null, CancellationToken.None));
        Assert.DoesNotContain(session.Host.State.Requests, r => r.Route == "s3");
    }

    [Fact]
    public async Task A_token_revoked_mid_run_is_replaced_once_and_the_call_repeated()
    {
        await using var session = await EmulatorSession.StartAsync();
        var connection = await session.ConnectAsync();
        await session.RevokeTokensAsync();

        FileTransfer transfer = await connection.Transfers.CreateAsync(session.Request(session.WritePdf()), CancellationToken.None);

        Assert.NotNull(transfer.MediaId);
        Assert.Equal(2, session.Host.State.Requests.Count(r => r.Route == "token"));
        Assert.Contains(AuditLines(session), l => l.GetProperty("operation").GetString() == "reauthenticate" && l.GetProperty("outcome").GetString() == "success");
    }

    [Fact]
    public async Task The_token_is_cached_across_calls()
    {
        await using var session = await EmulatorSession.StartAsync();
        var connection = await session.ConnectAsync();

        for (int i = 0; i < 3; i++)
        {
            await connection.Transfers.CreateAsync(session.Request(session.WritePdf($"f{i}.pdf")), CancellationToken.None);
        }

        Assert.Equal(1, session.Host.State.Requests.Count(r => r.Route == "token"));
    }

    [Fact]
    public async Task Wrong_client_secret_fails_the_connect_with_an_authentication_error_that_hides_the_secret()
    {
        await using var session = await EmulatorSession.StartAsync();

        var error = await Assert.ThrowsAsync<AuthenticationFailedException>(() => session.ConnectAsync("not-the-right-secret-123"));

        Assert.Equal(401, (int)error.StatusCode);
        Assert.Equal("invalid_client", error.ErrorCode);
        Assert.DoesNotContain("not-the-right-secret-123", error.Message);
    }

    [Fact]
    public async Task An_upload_url_that_expired_at_the_storage_host_is_renewed_and_the_upload_completes()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var session = await EmulatorSession.StartAsync(new EmulatorOptions { TimeProvider = clock, ValidationDelayMs = 1 });
        var connection = await session.ConnectAsync();
        FileTransfer transfer = await connection.Transfers.CreateAsync(session.Request(session.WritePdf()), CancellationToken.None);
        string firstMedia = transfer.MediaId!;
        clock.Advance(TimeSpan.FromSeconds(EmulatorDefaults.UploadUrlLifetimeSeconds + 60));

        await connection.Transfers.UploadAsync(transfer, null, null, CancellationToken.None);

        Assert.Equal(TransferStatus.Uploaded, transfer.Status);
        Assert.NotEqual(firstMedia, transfer.MediaId);
        Assert.Equal(new[] { firstMedia }, transfer.PreviousMediaIds);
        Assert.Contains(transfer.History, h => h.Event == "renewed");
        Assert.Contains(session.Host.State.Requests, r => r.Route == "s3" && r.Status == 403);
        Assert.True(session.Host.State.FindMedia(transfer.MediaId!)!.Upload is not null);
    }

    [Fact]
    public async Task Renewal_below_the_threshold_keeps_the_transfer_id_and_records_the_old_media()
    {
        await using var session = await EmulatorSession.StartAsync();
        var connection = await session.ConnectAsync();
        FileTransfer transfer = await connection.Transfers.CreateAsync(session.Request(session.WritePdf()), CancellationToken.None);
        Guid id = transfer.TransferId;
        string first = transfer.MediaId!;

        bool notYet = await connection.Transfers.RenewIfNeededAsync(transfer, TimeSpan.FromMinutes(5), force: false, null, CancellationToken.None);
        bool renewed = await connection.Transfers.RenewIfNeededAsync(transfer, TimeSpan.FromMinutes(30), force: false, null, CancellationToken.None);

        Assert.False(notYet);
        Assert.True(renewed);
        Assert.Equal(id, transfer.TransferId);
        Assert.Equal(new[] { first }, transfer.PreviousMediaIds);
        Assert.NotEqual(first, transfer.MediaId);
    }

    [Fact]
    public async Task The_audit_log_holds_every_step_with_latency_and_no_secret_token_or_signature()
    {
        await using var session = await EmulatorSession.StartAsync();
        var connection = await session.ConnectAsync();
        FileTransfer transfer = await ValidatedPdfAsync(session, connection);
        await connection.Transfers.DeliverAsync(transfer, null, CancellationToken.None);
        string token = connection.CurrentAccessToken!;

        string audit = session.ReadAudit();
        var lines = AuditLines(session);

        JsonElement created = lines.Single(l => l.GetProperty("operation").GetString() == "create");
        Assert.Contains(EmulatorSession.Metadata.StorageBucketReference!, created.GetProperty("metadata").GetString());

        foreach (string step in new[] { "connect", "validate", "create", "upload", "scan-poll", "scan-result", "deliver" })
        {
            Assert.Contains(lines, l => l.GetProperty("operation").GetString() == step && l.TryGetProperty("latencyMs", out var ms) && ms.ValueKind == JsonValueKind.Number);
        }

        string[] perTransfer = { "create", "upload", "scan-poll", "scan-result", "deliver" };
        Assert.All(lines.Where(l => perTransfer.Contains(l.GetProperty("operation").GetString())),
            l => Assert.Equal(transfer.TransferId.ToString(), l.GetProperty("transferId").GetString()));
        Assert.DoesNotContain(EmulatorDefaults.ClientSecret, audit);
        Assert.DoesNotContain("X-Amz-Signature", audit, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("X-Amz-Credential", audit, StringComparison.OrdinalIgnoreCase);
        Assert.False(string.IsNullOrEmpty(token));
        Assert.DoesNotContain(token, audit);
    }

    /// <summary>A PDF created, uploaded and validated by Genesys: the starting point of the delivery tests.</summary>
    private static async Task<FileTransfer> ValidatedPdfAsync(EmulatorSession session, GenesysFileTransfer.Engine.Connection.GenesysConnection connection)
    {
        FileTransfer transfer = await connection.Transfers.CreateAsync(session.Request(session.WritePdf()), CancellationToken.None);
        await connection.Transfers.UploadAsync(transfer, null, null, CancellationToken.None);
        await connection.Transfers.WaitForScanAsync(transfer, new ScanWaitOptions(), null, CancellationToken.None);
        return transfer;
    }

    private static List<JsonElement> AuditLines(EmulatorSession session) =>
        session.ReadAudit().Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement.Clone()).ToList();
}
