using System;
using System.Globalization;

namespace GenesysFileTransfer.Engine.Journal
{
    /// <summary>
    /// The text form of a time in the journal's tables: UTC ISO 8601 of fixed width with 100 ns precision, so text
    /// order is time order and a time reads back to the tick. Both the SQLite and the PostgreSQL journal keep their
    /// transfer, history, event and outbox times in this form (text columns in both schemas).
    /// </summary>
    internal static class JournalTime
    {
        private const string Format = "yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'";

        public static string Time(DateTimeOffset time) => time.UtcDateTime.ToString(Format, CultureInfo.InvariantCulture);

        public static string? Time(DateTimeOffset? time) => time is DateTimeOffset value ? Time(value) : null;

        public static DateTimeOffset ParseTime(string text) =>
            new DateTimeOffset(DateTime.SpecifyKind(DateTime.ParseExact(text, Format, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal), DateTimeKind.Utc));
    }
}
