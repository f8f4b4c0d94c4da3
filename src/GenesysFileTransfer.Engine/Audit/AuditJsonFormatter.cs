using System.Collections.Generic;
using System.IO;
using Serilog.Events;
using Serilog.Formatting;
using Serilog.Formatting.Json;

namespace GenesysFileTransfer.Engine.Audit
{
    /// <summary>
    /// Writes each audit record as one flat JSON object with camelCase fields in a fixed order, leaving out empty
    /// ones, so a line reads the same in a text editor, jq or a log pipeline.
    /// </summary>
    internal sealed class AuditJsonFormatter : ITextFormatter
    {
        /// <summary>The fields in the order they are written.</summary>
        internal static readonly IReadOnlyList<string> Fields = new[]
        {
            "Operation", "Outcome", "TransferId", "MediaId", "ConversationId", "FileName", "Status", "HttpMethod", "Target",
            "HttpStatus", "Attempt", "LatencyMs", "Bytes", "RetryAfterSeconds", "ErrorCode", "Detail", "Sha256", "Metadata",
            "CorrelationId", "IninCorrelationId",
        };

        private readonly JsonValueFormatter _values = new JsonValueFormatter(typeTagName: null);

        public void Format(LogEvent logEvent, TextWriter output)
        {
            output.Write("{\"time\":\"");
            output.Write(logEvent.Timestamp.UtcDateTime.ToString("O"));
            output.Write('"');
            foreach (string field in Fields)
            {
                if (!logEvent.Properties.TryGetValue(field, out LogEventPropertyValue? value)
                    || (value is ScalarValue scalar && scalar.Value is null))
                {
                    continue;
                }

                output.Write(',');
                JsonValueFormatter.WriteQuotedJsonString(char.ToLowerInvariant(field[0]) + field.Substring(1), output);
                output.Write(':');
                _values.Format(value, output);
            }

            output.Write('}');
            output.Write('\n');
        }
    }
}
