using GenesysFileTransfer.Emulator.Http;

namespace GenesysFileTransfer.Emulator.Webhooks;

/// <summary>
/// The Open Messaging integration's part of the control surface (<c>/emulator/integrations/open</c>, no auth, never
/// faulted or logged): configure the outbound webhook, make its deliveries misbehave, send receipts, and see every
/// delivery attempt.
/// </summary>
internal static class OpenMessagingEndpoints
{
    private const int MaxDuplicates = 20;
    private const int MaxDelayMs = 120_000;

    public static void Map(IEndpointRouteBuilder app)
    {
        // Created now, not on first use: it must be listening for delivered messages from the start.
        var notifier = app.ServiceProvider.GetRequiredService<OpenMessagingNotifier>();
        var group = app.MapGroup("/emulator/integrations/open").WithEmulatorRoute(EmulatorRoute.Control, BearerMode.None);

        group.MapGet("", () => notifier.Integration is { } integration
            ? EmulatorJson.Ok(OpenIntegrationView.Of(integration))
            : EmulatorJson.Json(new { message = "No Open Messaging integration is configured." }, 404));

        // PUT replaces the configuration; POST does the same, for clients that have no PUT (Genesys creates with POST).
        group.MapMethods("", ["PUT", "POST"], async (HttpContext context) =>
        {
            var (request, ok) = await JsonBody.ReadAsync<OpenIntegrationRequest>(context);
            if (!ok || request is null) return Problem("The body must be a JSON object.");
            var (integration, error) = ToIntegration(request);
            if (integration is null) return Problem(error!);
            notifier.Configure(integration);
            return EmulatorJson.Ok(OpenIntegrationView.Of(integration));
        });

        group.MapDelete("", () =>
        {
            notifier.Clear();
            return Results.NoContent();
        });

        group.MapGet("/faults", () => EmulatorJson.Ok(notifier.Faults));
        group.MapMethods("/faults", ["PUT", "POST"], async (HttpContext context) =>
        {
            var (request, ok) = await JsonBody.ReadAsync<CallbackFaultsRequest>(context);
            if (!ok || request is null) return Problem("The body must be a JSON object.");
            if (request.Duplicates is < 1 or > MaxDuplicates) return Problem($"duplicates must be 1 to {MaxDuplicates}.");
            if (request.DelayMs is < 0 or > MaxDelayMs) return Problem($"delayMs must be 0 to {MaxDelayMs}.");
            var faults = new CallbackFaults(request.Duplicates ?? 1, request.Reorder ?? false, request.DelayMs ?? 0, request.CorruptSignature ?? false);
            notifier.SetFaults(faults);
            return EmulatorJson.Ok(faults);
        });
        group.MapDelete("/faults", () =>
        {
            notifier.SetFaults(CallbackFaults.None);
            return Results.NoContent();
        });

        group.MapPost("/receipts", async (HttpContext context) =>
        {
            var (request, ok) = await JsonBody.ReadAsync<ReceiptRequest>(context);
            if (!ok || request is null) return Problem("The body must be a JSON object.");
            if (string.IsNullOrWhiteSpace(request.MessageId)) return Problem("messageId is required.");
            if (string.IsNullOrWhiteSpace(request.Status)) return Problem("status is required (Sent, Delivered, Read, Failed, Published, Removed).");
            var deliveries = notifier.SendReceipt(request);
            return deliveries is null
                ? EmulatorJson.Json(new { message = "No Open Messaging integration is configured." }, 409)
                : EmulatorJson.Json(deliveries, 202);
        });

        group.MapGet("/deliveries", () => EmulatorJson.Ok(notifier.Deliveries));
        group.MapDelete("/deliveries", () =>
        {
            notifier.ClearDeliveries();
            return Results.NoContent();
        });
    }

    private static (OpenIntegration? Integration, string? Error) ToIntegration(OpenIntegrationRequest request)
    {
        if (string.IsNullOrWhiteSpace(request.OutboundNotificationWebhookUrl)
            || !Uri.TryCreate(request.OutboundNotificationWebhookUrl, UriKind.Absolute, out var url)
            || (url.Scheme != Uri.UriSchemeHttp && url.Scheme != Uri.UriSchemeHttps))
            return (null, "outboundNotificationWebhookUrl must be an absolute http(s) URL.");

        // Genesys: "must be longer than 15 characters".
        var secret = request.OutboundNotificationWebhookSignatureSecretToken;
        if (secret is null || secret.Length < OpenMessagingNotifier.MinSecretTokenLength)
            return (null, "outboundNotificationWebhookSignatureSecretToken must be longer than 15 characters.");

        if (request.IntegrationId is { } id && (id.Length is 0 or > 128 || id.Any(c => !(char.IsAsciiLetterOrDigit(c) || c is '-' or '_'))))
            return (null, "integrationId may hold only letters, digits, '-' and '_' (at most 128).");
        if (request.RetryDelayMs is < 0 or > 60_000) return (null, "retryDelayMs must be 0 to 60000.");
        if (request.AttemptTimeoutMs is < 1 or > 60_000) return (null, "attemptTimeoutMs must be 1 to 60000.");
        if (request.MaxRetries is < 0 or > 10) return (null, "maxRetries must be 0 to 10.");

        return (new OpenIntegration(
            request.IntegrationId ?? Guid.NewGuid().ToString(),
            string.IsNullOrWhiteSpace(request.Name) ? "Emulator Open Messaging" : request.Name!,
            url,
            secret,
            new Dictionary<string, string>(request.WebhookHeaders ?? new Dictionary<string, string>(), StringComparer.OrdinalIgnoreCase),
            request.RetryDelayMs is int delay ? TimeSpan.FromMilliseconds(delay) : OpenMessagingNotifier.DefaultRetryDelay,
            request.AttemptTimeoutMs is int timeout ? TimeSpan.FromMilliseconds(timeout) : OpenMessagingNotifier.DefaultAttemptTimeout,
            request.MaxRetries ?? OpenMessagingNotifier.DefaultMaxRetries), null);
    }

    private static IResult Problem(string message) => EmulatorJson.Json(new { message }, 400);
}
