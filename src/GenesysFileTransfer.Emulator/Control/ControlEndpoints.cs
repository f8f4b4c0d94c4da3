using System.Text.Json;
using GenesysFileTransfer.Emulator.Http;
using GenesysFileTransfer.Emulator.State;

namespace GenesysFileTransfer.Emulator.Control;

/// <summary>
/// The emulator's own surface under /emulator/ (no authentication): settings, fault injection, token revocation,
/// conversations, and read access to what happened. Not part of the Genesys API.
/// </summary>
internal static class ControlEndpoints
{
    public static void Map(IEndpointRouteBuilder app, EmulatorOptions startupSettings)
    {
        var control = app.MapGroup("/emulator").WithEmulatorRoute(EmulatorRoute.Control, BearerMode.None);

        control.MapGet("/health", () => EmulatorJson.Ok(new { status = "ok" }));

        control.MapGet("/settings", (EmulatorOptions options) => EmulatorJson.Ok(SettingsView.Of(options)));
        control.MapPatch("/settings", async (HttpContext context, EmulatorOptions options) =>
        {
            var patch = await ReadJsonAsync(context);
            if (patch is null) return Problem("The body must be a JSON object.");
            var error = SettingsPatch.TryApply(patch.Value, options);
            return error is null ? EmulatorJson.Ok(SettingsView.Of(options)) : Problem(error);
        });

        control.MapGet("/faults", (FaultInjector faults) => EmulatorJson.Ok(faults.Describe()));
        control.MapPost("/faults", async (HttpContext context, FaultInjector faults) =>
        {
            var (request, ok) = await JsonBody.ReadAsync<FaultRequest>(context);
            if (!ok || request is null) return Problem("The body must be a fault rule object.");
            var (rule, error) = ToRule(request);
            if (rule is null) return Problem(error!);
            faults.Add(rule);
            return EmulatorJson.Json(faults.Describe(), 201);
        });
        control.MapDelete("/faults", (FaultInjector faults) =>
        {
            faults.Clear();
            return Results.NoContent();
        });

        control.MapPost("/tokens/revoke", (EmulatorState state) => EmulatorJson.Ok(new { revoked = state.RevokeAllTokens() }));

        control.MapPost("/conversations", (EmulatorState state) =>
        {
            var conversation = state.CreateConversation();
            return EmulatorJson.Json(new CreatedConversation(conversation.ConversationId, conversation.CommunicationId), 201);
        });
        control.MapGet("/conversations", (EmulatorState state) =>
            EmulatorJson.Ok(state.Conversations.Select(c => new CreatedConversation(c.ConversationId, c.CommunicationId)).ToArray()));

        control.MapGet("/requests", (HttpContext context, EmulatorState state) =>
        {
            var route = context.Request.Query["route"].ToString();
            var entries = state.Requests.Where(r => route.Length == 0 || string.Equals(r.Route, route, StringComparison.OrdinalIgnoreCase));
            return EmulatorJson.Ok(entries.ToArray());
        });
        control.MapDelete("/requests", (EmulatorState state) =>
        {
            state.ClearRequests();
            return Results.NoContent();
        });

        control.MapGet("/media", (EmulatorState state) => EmulatorJson.Ok(state.Media.Select(View).ToArray()));
        control.MapGet("/media/{mediaId}", (string mediaId, EmulatorState state) =>
            state.FindMedia(mediaId) is { } media
                ? EmulatorJson.Ok(View(media))
                : EmulatorJson.Json(new ControlError($"No media {mediaId}."), 404));

        // Genesys forgets media, as after a service restart; messages already sent keep them.
        control.MapDelete("/media/{mediaId}", (string mediaId, EmulatorState state) =>
            state.ForgetMedia(mediaId)
                ? Results.NoContent()
                : EmulatorJson.Json(new ControlError($"No media {mediaId}."), 404));
        control.MapDelete("/media", (EmulatorState state) => EmulatorJson.Ok(new { forgotten = state.ForgetAllMedia() }));

        control.MapGet("/messages", (EmulatorState state) => EmulatorJson.Ok(state.Messages.Select(m => m.Payload).ToArray()));

        control.MapPost("/reset", (EmulatorOptions options, EmulatorState state, FaultInjector faults) =>
        {
            options.RestoreSettingsFrom(startupSettings);
            faults.Clear();
            state.Reset();
            return EmulatorJson.Ok(SettingsView.Of(options));
        });

        control.MapPost("/shutdown", (HttpContext context, IHostApplicationLifetime lifetime) =>
        {
            // Stop only once this answer is on the wire, so the caller sees it.
            context.Response.OnCompleted(() =>
            {
                lifetime.StopApplication();
                return Task.CompletedTask;
            });
            return EmulatorJson.Json(new { status = "stopping" }, 202);
        });
    }

    private static IResult Problem(string message) => EmulatorJson.Json(new ControlError(message), 400);

    private static async Task<JsonElement?> ReadJsonAsync(HttpContext context)
    {
        try
        {
            using var document = await JsonDocument.ParseAsync(context.Request.Body, cancellationToken: context.RequestAborted);
            return document.RootElement.Clone();
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static (FaultRule? Rule, string? Error) ToRule(FaultRequest request)
    {
        var route = request.Route?.Trim().ToLowerInvariant();
        if (route is null || (route != "*" && !EmulatorRoute.FaultTargets.Contains(route)))
            return (null, $"route must be one of: *, {string.Join(", ", EmulatorRoute.FaultTargets)}.");
        var count = request.Count ?? 1;
        if (count < 1) return (null, "count must be at least 1.");

        switch (request.Action?.Trim().ToLowerInvariant())
        {
            case "status":
                if (request.Status is not (>= 400 and <= 599)) return (null, "action 'status' needs a status from 400 to 599.");
                return (new FaultRule(route, request.Method, count, FaultAction.Status, request.Status, request.RetryAfterSeconds, Body: request.Body), null);
            case "hang":
                if (request.HangMs is not >= 0) return (null, "action 'hang' needs hangMs (0 or more).");
                return (new FaultRule(route, request.Method, count, FaultAction.Hang, HangMs: request.HangMs), null);
            case "drop":
                return (new FaultRule(route, request.Method, count, FaultAction.Drop), null);
            case "dropresponse":
                return (new FaultRule(route, request.Method, count, FaultAction.DropResponse), null);
            default:
                return (null, "action must be status, hang, drop or dropresponse.");
        }
    }

    private static MediaView View(MediaRecord media)
    {
        var upload = media.Upload;
        return new MediaView(
            media.Id, media.Name, media.Status, media.ConversationId, media.CommunicationId, media.DeclaredContentLengthBytes,
            media.DeclaredContentType, media.ContentMd5, media.UploadHeaders, media.UploadUrl, media.CreatedAt, media.UploadUrlExpiresAt,
            upload is not null, upload?.CompletedAt, upload?.ValidationDueAt, upload?.ByteCount, upload?.Sha256Hex, upload?.Md5Hex,
            upload?.DetectedMediaType, media.InvalidReason, upload?.HadAuthorizationHeader);
    }
}
