using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading.Tasks;
using Serilog;
using Serilog.Core;
using Serilog.Events;

namespace GenesysFileTransfer.Engine.Audit
{
    /// <summary>
    /// The structured audit trail: one JSON object per line, one record per step, each chained to the one before by
    /// its sequence number and SHA-256 (<see cref="AuditChain"/>), with a checkpoint beside the file. Several
    /// connections (runspaces, runbook jobs) in one or more processes append to the same daily file under a file lock,
    /// so it stays one verifiable chain.
    /// </summary>
    public sealed class AuditLog : IDisposable
    {
        private const string Template =
            "{Operation} {Outcome} transfer={TransferId} media={MediaId} status={HttpStatus} attempt={Attempt} latencyMs={LatencyMs}";

        private readonly Logger? _logger;
        private readonly List<Func<string?>> _secretSources = new List<Func<string?>>();
        private readonly List<Action<AuditRecord>> _observers = new List<Action<AuditRecord>>();
        private readonly object _gate = new object();

        private readonly AuditChainSink? _sink;

        private AuditLog(Logger? logger, AuditChainSink? sink, string? directory)
        {
            _logger = logger;
            _sink = sink;
            Directory = directory;
        }

        /// <summary>The folder holding the daily files, or null when auditing is off.</summary>
        public string? Directory { get; }

        /// <summary>The file written today. Serilog's daily rolling names files by the local date, so this does too.</summary>
        public string? CurrentFile =>
            Directory is null ? null : Path.Combine(Directory, "audit-" + DateTime.Now.ToString("yyyyMMdd") + ".jsonl");

        /// <summary>
        /// The per-user default folder: <c>$env:LOCALAPPDATA\GenesysFileTransfer\audit</c> on Windows (the known folder
        /// when the variable is not set), XDG_STATE_HOME or ~/.local/state elsewhere.
        /// </summary>
        public static string DefaultDirectory
        {
            get
            {
                string? root;
                if (Path.DirectorySeparatorChar == '\\')
                {
                    // The documented place is $env:LOCALAPPDATA; the known folder is where it normally points.
                    root = Environment.GetEnvironmentVariable("LOCALAPPDATA");
                    if (string.IsNullOrEmpty(root))
                    {
                        root = Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData);
                    }
                }
                else
                {
                    root = Environment.GetEnvironmentVariable("XDG_STATE_HOME");
                    if (string.IsNullOrEmpty(root))
                    {
                        root = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".local", "state");
                    }
                }

                return Path.Combine(root!, "GenesysFileTransfer", "audit");
            }
        }

        /// <summary>Opens an audit log writing daily files into <paramref name="directory"/>.</summary>
        public static AuditLog Open(string directory) => Open(directory, AuditChain.KeyFromEnvironment());

        /// <summary>
        /// Opens an audit log writing chained daily files into <paramref name="directory"/>; with a key, each file's
        /// checkpoint is signed with it (HMAC-SHA256), so Test-GcAuditLog can tell a rewritten log from the original.
        /// </summary>
        public static AuditLog Open(string directory, byte[]? key)
        {
            if (string.IsNullOrWhiteSpace(directory))
            {
                throw new ArgumentException("The audit log folder must not be empty.", nameof(directory));
            }

            string full = Path.GetFullPath(directory);
            System.IO.Directory.CreateDirectory(full);
            var sink = new AuditChainSink(full, key);
            Logger logger = new LoggerConfiguration()
                .MinimumLevel.Information()
                .WriteTo.Sink(sink)
                .CreateLogger();
            return new AuditLog(logger, sink, full);
        }

        /// <summary>An audit log that records nothing on disk (observers still see records).</summary>
        public static AuditLog Disabled() => new AuditLog(null, null, null);

        /// <summary>A value that must never appear in a record (the current access token), masked on write.</summary>
        internal void AddSecretSource(Func<string?> source)
        {
            lock (_gate)
            {
                _secretSources.Add(source);
            }
        }

        /// <summary>Lets a host mirror records elsewhere (verbose output); called on the writing thread.</summary>
        public IDisposable Subscribe(Action<AuditRecord> observer)
        {
            lock (_gate)
            {
                _observers.Add(observer);
            }

            return new Subscription(this, observer);
        }

        /// <summary>
        /// Writes records that belong together (a callback and the attachments it queued) in one turn at the file:
        /// they are appended as consecutive links with one lock and one checkpoint, and a writer waiting behind
        /// another batch waits once for all of them instead of once per record.
        /// </summary>
        public void Write(IReadOnlyList<AuditRecord> records)
        {
            if (records is null)
            {
                throw new ArgumentNullException(nameof(records));
            }

            if (_sink is null || records.Count < 2)
            {
                foreach (AuditRecord record in records)
                {
                    Write(record);
                }

                return;
            }

            using (_sink.Together())
            {
                foreach (AuditRecord record in records)
                {
                    Write(record);
                }
            }
        }

        /// <summary>
        /// Writes <paramref name="records"/> together, as <see cref="Write(IReadOnlyList{AuditRecord})"/> does, for a
        /// caller on the thread pool: while another batch is being appended to the file, the caller holds no thread.
        /// Completes once the records are in the file.
        /// </summary>
        public Task WriteAsync(IReadOnlyList<AuditRecord> records)
        {
            if (records is null)
            {
                throw new ArgumentNullException(nameof(records));
            }

            if (_sink is null)
            {
                Write(records);
                return Task.CompletedTask;
            }

            return _sink.TogetherAsync(() =>
            {
                foreach (AuditRecord record in records)
                {
                    Write(record);
                }
            });
        }

        public void Write(AuditRecord record)
        {
            if (record is null)
            {
                throw new ArgumentNullException(nameof(record));
            }

            string?[] secrets;
            lock (_gate)
            {
                secrets = _secretSources.Select(source => source()).ToArray();
            }

            record.Detail = record.Detail is null ? null : Redaction.Scrub(record.Detail, secrets);
            record.Target = record.Target is null ? null : Redaction.Scrub(record.Target, secrets);

            if (_logger != null)
            {
                ILogger log = _logger
                    .ForContext("CorrelationId", record.CorrelationId)
                    .ForContext("IninCorrelationId", record.IninCorrelationId)
                    .ForContext("ConversationId", record.ConversationId)
                    .ForContext("Bytes", record.Bytes)
                    .ForContext("HttpMethod", record.HttpMethod)
                    .ForContext("Target", record.Target)
                    .ForContext("FileName", record.FileName)
                    .ForContext("Sha256", record.Sha256)
                    .ForContext("ErrorCode", record.ErrorCode)
                    .ForContext("Detail", record.Detail)
                    .ForContext("RetryAfterSeconds", record.RetryAfterSeconds)
                    .ForContext("Status", record.Status)
                    .ForContext("Metadata", record.Metadata);
                LogEventLevel level = record.Outcome == AuditOutcomes.Failure || record.Outcome == AuditOutcomes.Refused
                    ? LogEventLevel.Warning
                    : LogEventLevel.Information;
                log.Write(
                    level,
                    Template,
                    record.Operation,
                    record.Outcome,
                    record.TransferId,
                    record.MediaId,
                    record.HttpStatus,
                    record.Attempt,
                    record.LatencyMs is double ms ? Math.Round(ms, 1) : (double?)null);
            }

            Action<AuditRecord>[] observers;
            lock (_gate)
            {
                observers = _observers.ToArray();
            }

            foreach (Action<AuditRecord> observer in observers)
            {
                observer(record);
            }
        }

        public void Dispose() => _logger?.Dispose();

        private sealed class Subscription : IDisposable
        {
            private readonly AuditLog _owner;
            private readonly Action<AuditRecord> _observer;

            public Subscription(AuditLog owner, Action<AuditRecord> observer)
            {
                _owner = owner;
                _observer = observer;
            }

            public void Dispose()
            {
                lock (_owner._gate)
                {
                    _owner._observers.Remove(_observer);
                }
            }
        }
    }
}
