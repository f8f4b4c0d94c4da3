using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace GenesysFileTransfer.Emulator.Http;

internal static class EmulatorJson
{
    /// <summary>
    /// camelCase like the platform API; absent optional fields are left out rather than sent as null, as Genesys does.
    /// Dictionary keys (uploadHeaders) keep their exact spelling because clients must echo them byte for byte.
    /// </summary>
    public static JsonSerializerOptions Options { get; } = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        // URLs go out as "a&b", not "a\u0026b": same JSON, but what Genesys sends and what people grep for.
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public static IResult Ok(object value) => Results.Json(value, Options, "application/json");

    public static IResult Json(object value, int statusCode) => Results.Json(value, Options, "application/json", statusCode);
}
