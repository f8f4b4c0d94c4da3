using System;
using System.Collections.Generic;
using System.IO;
using System.Threading.Tasks;
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

        // Records emitted on this thread inside Together(), appended in one turn when it ends. Serilog calls a sink on
        // the thread that wrote the event, so the records of one Together() are exactly that caller's.
        [ThreadStatic]
        private static Collected? _collected;

        /// <summary>Until disposed, records emitted by this thread to this sink are held and then appended together.</summary>
        public IDisposable Together()
        {
            if (_collected != null)
            {
                throw new InvalidOperationException("Audit records are already being collected on this thread.");
            }

            _collected = new Collected(this);
            return _collected;
        }

        public void Emit(LogEvent logEvent)
        {
            var writer = new StringWriter(System.Globalization.CultureInfo.InvariantCulture);
            _formatter.Format(logEvent, writer);
            string line = writer.ToString().TrimEnd('\n');
            // The formatter writes one flat object; the chain fields go in before its closing brace.
            string body = line.Substring(0, line.Length - 1);
            string file = FileFor(logEvent.Timestamp.LocalDateTime);
            if (_collected != null && ReferenceEquals(_collected.Sink, this))
            {
                _collected.Add(file, body);
                return;
            }

            Append(file, new[] { body });
        }

        /// <summary>
        /// Runs <paramref name="emit"/>, which writes records on this thread, and appends everything it wrote in one turn
        /// at the file, as <see cref="Together"/> does, but without holding a thread while that turn waits for another.
        /// </summary>
        public Task TogetherAsync(Action emit)
        {
            Collected collected = (Collected)Together();
            try
            {
                emit();
            }
            finally
            {
                // Records emitted after this point, on whichever thread, are not part of this turn.
                _collected = null;
            }

            return collected.AppendAsync();
        }

        private async Task AppendAsync(string file, IReadOnlyList<string> bodies)
        {
            try
            {
                await AuditChainWriter.For(file).AppendAsync(bodies, _key).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
            {
                Serilog.Debugging.SelfLog.WriteLine("Audit record not written: {0}", ex.Message);
            }
        }

        private void Append(string file, IReadOnlyList<string> bodies)
        {
            try
            {
                AuditChainWriter.For(file).Append(bodies, _key);
            }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
            {
                Serilog.Debugging.SelfLog.WriteLine("Audit record not written: {0}", ex.Message);
            }
        }

        private sealed class Collected : IDisposable
        {
            private readonly List<(string File, string Body)> _records = new List<(string File, string Body)>();

            public Collected(AuditChainSink sink) => Sink = sink;

            public AuditChainSink Sink { get; }

            public void Add(string file, string body) => _records.Add((file, body));

            public void Dispose()
            {
                _collected = null;
                foreach ((string file, List<string> bodies) in ByFile())
                {
                    Sink.Append(file, bodies);
                }
            }

            public async Task AppendAsync()
            {
                foreach ((string file, List<string> bodies) in ByFile())
                {
                    await Sink.AppendAsync(file, bodies).ConfigureAwait(false);
                }
            }

            /// <summary>Normally one file; records on both sides of midnight go to their own day's file, in order.</summary>
            private List<(string File, List<string> Bodies)> ByFile()
            {
                var runs = new List<(string File, List<string> Bodies)>();
                int start = 0;
                for (int i = 1; i <= _records.Count; i++)
                {
                    if (i == _records.Count || _records[i].File != _records[start].File)
                    {
                        runs.Add((_records[start].File, _records.GetRange(start, i - start).ConvertAll(r => r.Body)));
                        start = i;
                    }
                }

                return runs;
            }
        }
    }
}
