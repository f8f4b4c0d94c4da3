using System;
using System.IO;
using Serilog.Core;
using Serilog.Events;

namespace GenesysFileTransfer.Engine.Audit
{
    /// <summary>Writes each audit event as the next link of the day's chained file (<see cref="AuditChain"/>).</summary>
    internal sealed class AuditChainSink : ILogEventSink
    {
        private readonly string _directory;
        private readonly byte[]? _key;
        private readonly AuditJsonFormatter _formatter = new AuditJsonFormatter();

        public AuditChainSink(string directory, byte[]? key)
        {
            _directory = directory;
            _key = key;
        }

        /// <summary>Daily files named by the local date, as before records were chained.</summary>
        public string FileFor(DateTime local) => Path.Combine(_directory, "audit-" + local.ToString("yyyyMMdd", System.Globalization.CultureInfo.InvariantCulture) + ".jsonl");

        public void Emit(LogEvent logEvent)
        {
            var writer = new StringWriter(System.Globalization.CultureInfo.InvariantCulture);
            _formatter.Format(logEvent, writer);
            string line = writer.ToString().TrimEnd('\n');
            // The formatter writes one flat object; the chain fields go in before its closing brace.
            string body = line.Substring(0, line.Length - 1);
            try
            {
                AuditChain.Append(FileFor(logEvent.Timestamp.LocalDateTime), body, _key);
            }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
            {
                Serilog.Debugging.SelfLog.WriteLine("Audit record not written: {0}", ex.Message);
            }
        }
    }
}
