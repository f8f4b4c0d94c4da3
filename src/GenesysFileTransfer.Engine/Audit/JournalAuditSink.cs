using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Threading;
using Serilog.Events;
using Serilog.Parsing;

namespace GenesysFileTransfer.Engine.Audit
{
    /// <summary>
    /// Mirrors an <see cref="AuditLog"/> into an <see cref="IAuditRecordStore"/>: every record, after redaction, as the
    /// same JSON line the file log writes. Records are queued and appended in batches by a background flush (at most
    /// every <see cref="FlushInterval"/>), so auditing adds no round trip to the step being audited; <see cref="Dispose"/>
    /// flushes what is left. A store that is down keeps the records queued (up to <see cref="Capacity"/>, then the
    /// oldest are dropped and counted) and they are appended once it answers again.
    /// </summary>
    public sealed class JournalAuditSink : IDisposable
    {
        private static readonly MessageTemplate EmptyTemplate = new MessageTemplateParser().Parse(string.Empty);
        private readonly IAuditRecordStore _store;
        private readonly IDisposable _subscription;
        private readonly Queue<StoredAuditRecord> _queue = new Queue<StoredAuditRecord>();
        private readonly object _gate = new object();
        private readonly object _flushGate = new object();
        private readonly Timer _timer;
        private readonly string _host;
        private int _disposed;

        private JournalAuditSink(AuditLog log, IAuditRecordStore store)
        {
            _store = store;
            _host = Environment.MachineName + "/" + Process.GetCurrentProcess().Id;
            _subscription = log.Subscribe(Accept);
            _timer = new Timer(_ => TryFlush(), null, FlushInterval, FlushInterval);
        }

        public static TimeSpan FlushInterval { get; } = TimeSpan.FromMilliseconds(500);

        public const int Capacity = 100000;

        /// <summary>Records dropped because the store was unreachable for longer than the queue could hold.</summary>
        public long Dropped { get; private set; }

        /// <summary>The last failure to append, if the store is failing now.</summary>
        public string? LastError { get; private set; }

        public static JournalAuditSink Attach(AuditLog log, IAuditRecordStore store)
        {
            if (log is null)
            {
                throw new ArgumentNullException(nameof(log));
            }

            if (store is null)
            {
                throw new ArgumentNullException(nameof(store));
            }

            return new JournalAuditSink(log, store);
        }

        /// <summary>Appends everything queued so far; false when the store failed (the records stay queued).</summary>
        public bool Flush()
        {
            lock (_flushGate)
            {
                while (true)
                {
                    List<StoredAuditRecord> batch;
                    lock (_gate)
                    {
                        if (_queue.Count == 0)
                        {
                            LastError = null;
                            return true;
                        }

                        batch = new List<StoredAuditRecord>(_queue);
                    }

                    try
                    {
                        // Large backlogs go in slices, so one statement never grows without bound.
                        for (int start = 0; start < batch.Count; start += 500)
                        {
                            _store.AppendAudit(batch.GetRange(start, Math.Min(500, batch.Count - start)));
                            lock (_gate)
                            {
                                for (int i = 0; i < Math.Min(500, batch.Count - start) && _queue.Count > 0; i++)
                                {
                                    _queue.Dequeue();
                                }
                            }
                        }
                    }
                    catch (Exception ex)
                    {
                        LastError = Redaction.Scrub(ex.Message);
                        return false;
                    }
                }
            }
        }

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) != 0)
            {
                return;
            }

            _subscription.Dispose();
            _timer.Dispose();
            Flush();
        }

        private void TryFlush()
        {
            if (Volatile.Read(ref _disposed) == 0 && Monitor.TryEnter(_flushGate))
            {
                try
                {
                    Flush();
                }
                finally
                {
                    Monitor.Exit(_flushGate);
                }
            }
        }

        private void Accept(AuditRecord record)
        {
            DateTimeOffset time = DateTimeOffset.UtcNow;
            var stored = new StoredAuditRecord
            {
                Time = time,
                Operation = record.Operation,
                Outcome = record.Outcome,
                TransferId = record.TransferId,
                ConversationId = record.ConversationId,
                CorrelationId = record.CorrelationId,
                Host = _host,
                Json = Render(record, time),
            };
            lock (_gate)
            {
                _queue.Enqueue(stored);
                while (_queue.Count > Capacity)
                {
                    _queue.Dequeue();
                    Dropped++;
                }
            }
        }

        /// <summary>The record as the daily file shows it: the same formatter, the same fields, the same order.</summary>
        internal static string Render(AuditRecord record, DateTimeOffset time)
        {
            var properties = new List<LogEventProperty>();
            void Add(string name, object? value) => properties.Add(new LogEventProperty(name, new ScalarValue(value)));
            Add("Operation", record.Operation);
            Add("Outcome", record.Outcome);
            Add("TransferId", record.TransferId);
            Add("MediaId", record.MediaId);
            Add("HttpStatus", record.HttpStatus);
            Add("Attempt", record.Attempt);
            Add("LatencyMs", record.LatencyMs is double ms ? Math.Round(ms, 1) : (double?)null);
            Add("CorrelationId", record.CorrelationId);
            Add("IninCorrelationId", record.IninCorrelationId);
            Add("ConversationId", record.ConversationId);
            Add("Bytes", record.Bytes);
            Add("HttpMethod", record.HttpMethod);
            Add("Target", record.Target);
            Add("FileName", record.FileName);
            Add("Sha256", record.Sha256);
            Add("ErrorCode", record.ErrorCode);
            Add("Detail", record.Detail);
            Add("RetryAfterSeconds", record.RetryAfterSeconds);
            Add("Status", record.Status);
            Add("Metadata", record.Metadata);
            var logEvent = new LogEvent(time, LogEventLevel.Information, null, EmptyTemplate, properties);
            using var writer = new StringWriter();
            new AuditJsonFormatter().Format(logEvent, writer);
            return writer.ToString().TrimEnd('\n');
        }
    }
}
