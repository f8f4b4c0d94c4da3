using System.Linq;
using System.Net.Http;
using System.Text.Json;

namespace GenesysFileTransfer.Engine.Http
{
    internal static class ApiClientHelpers
    {
        public const string CorrelationHeader = "ININ-Correlation-Id";

        public static string CorrelationIdOf(HttpResponseMessage response) =>
            response.Headers.TryGetValues(CorrelationHeader, out var values) ? values.FirstOrDefault() ?? string.Empty : string.Empty;

        public static T? TryDeserialize<T>(string body) where T : class
        {
            if (string.IsNullOrWhiteSpace(body))
            {
                return null;
            }

            try
            {
                return JsonSerializer.Deserialize<T>(body, Json.Options);
            }
            catch (JsonException)
            {
                return null;
            }
        }
    }
}
