using System.Text.Json;

namespace GenesysFileTransfer.Emulator.Http;

internal static class JsonBody
{
    /// <summary>
    /// Reads a JSON request body ourselves instead of relying on minimal-API binding, so malformed input gets the
    /// platform's 400 ErrorBody instead of ASP.NET's ProblemDetails.
    /// </summary>
    public static async Task<(T? Value, bool Ok)> ReadAsync<T>(HttpContext context)
        where T : class
    {
        try
        {
            var value = await JsonSerializer.DeserializeAsync<T>(context.Request.Body, EmulatorJson.Options, context.RequestAborted);
            return (value, value is not null);
        }
        catch (JsonException)
        {
            return (null, false);
        }
    }
}
