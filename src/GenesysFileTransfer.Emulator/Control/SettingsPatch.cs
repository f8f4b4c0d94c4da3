using System.Text.Json;

namespace GenesysFileTransfer.Emulator.Control;

/// <summary>
/// Applies a PATCH /emulator/settings document. All or nothing: the changes are tried on a copy, checked, and only
/// then copied over the live settings, so a bad value never leaves the emulator half-changed.
/// </summary>
internal static class SettingsPatch
{
    public static string? TryApply(JsonElement patch, EmulatorOptions live)
    {
        if (patch.ValueKind != JsonValueKind.Object) return "The settings patch must be a JSON object.";
        var draft = live.Clone();
        foreach (var property in patch.EnumerateObject())
        {
            var value = property.Value;
            try
            {
                switch (property.Name)
                {
                    case "clientId": draft.ClientId = value.GetString() ?? string.Empty; break;
                    case "clientSecret": draft.ClientSecret = value.GetString() ?? string.Empty; break;
                    case "tokenLifetimeSeconds": draft.TokenLifetimeSeconds = value.GetInt32(); break;
                    case "uploadUrlLifetimeSeconds": draft.UploadUrlLifetimeSeconds = value.GetInt32(); break;
                    case "downloadUrlLifetimeSeconds": draft.DownloadUrlLifetimeSeconds = value.GetInt32(); break;
                    case "validationDelayMs": draft.ValidationDelayMs = value.GetInt32(); break;
                    case "maxContentLengthBytes": draft.MaxContentLengthBytes = value.GetInt64(); break;
                    case "strictSingleBodyField": draft.StrictSingleBodyField = value.GetBoolean(); break;
                    case "rejectAuthorizationOnPresignedUrl": draft.RejectAuthorizationOnPresignedUrl = value.GetBoolean(); break;
                    case "requestLogCapacity": draft.RequestLogCapacity = value.GetInt32(); break;
                    case "outboundMediaTypes": draft.OutboundMediaTypes = ReadTypes(value); break;
                    case "inboundMediaTypes": draft.InboundMediaTypes = ReadTypes(value); break;
                    case "rateLimit":
                        draft.RateLimit = value.ValueKind == JsonValueKind.Null
                            ? null
                            : new RateLimitSettings(value.GetProperty("requests").GetInt32(), value.GetProperty("windowSeconds").GetInt32());
                        break;
                    default:
                        return $"Unknown setting '{property.Name}'.";
                }
            }
            catch (Exception e) when (e is InvalidOperationException or FormatException or KeyNotFoundException)
            {
                return $"Setting '{property.Name}' has a value of the wrong shape: {e.Message}";
            }
        }

        try
        {
            draft.Validate();
        }
        catch (ArgumentException e)
        {
            return e.Message;
        }

        live.RestoreSettingsFrom(draft);
        return null;
    }

    private static string[] ReadTypes(JsonElement value)
    {
        var types = value.EnumerateArray().Select(e => e.GetString()?.Trim() ?? string.Empty).ToArray();
        if (types.Any(t => t.Length == 0 || !t.Contains('/', StringComparison.Ordinal)))
            throw new FormatException("media types look like type/subtype, type/* or */*.");
        return types;
    }
}
