using System;
using System.Diagnostics;
using System.IO;
using System.Net.Http;

namespace GenesysFileTransfer.Engine.Documents
{
    /// <summary>How a <see cref="DocumentArchiver"/> claims, retries and fetches.</summary>
    public sealed class DocumentArchiverOptions
    {
        /// <summary>
        /// Names this worker in the journal's leases. Unique per archiver by default (machine, process, random part),
        /// so two archivers in one process are still two workers.
        /// </summary>
        public string WorkerId { get; set; } = DefaultWorkerId();

        /// <summary>
        /// How long a claimed item stays reserved for this worker. A worker that dies holding it delays that item
        /// by at most this long; one slower than this may see another worker store the same document, which the
        /// idempotent sinks make harmless.
        /// </summary>
        public TimeSpan Lease { get; set; } = TimeSpan.FromMinutes(5);

        /// <summary>The wait after a first failure; it doubles with every attempt, with jitter, up to <see cref="RetryMaxDelay"/>.</summary>
        public TimeSpan RetryBaseDelay { get; set; } = TimeSpan.FromSeconds(30);

        public TimeSpan RetryMaxDelay { get; set; } = TimeSpan.FromHours(1);

        /// <summary>
        /// A drain stops after this many items in a row failed at the document store (down, refusing, misconfigured),
        /// leaving the rest in the outbox untouched for the next run instead of failing each in turn. 0: never stop early.
        /// </summary>
        public int StopAfterConsecutiveSinkFailures { get; set; } = 3;

        /// <summary>
        /// Where fetched content is staged before it is stored. By default a folder beside the per-user audit log
        /// (under LOCALAPPDATA, XDG_STATE_HOME or ~/.local/state), not the shared system temp folder, where other
        /// users of the machine could read the documents.
        /// </summary>
        public string? StagingDirectory { get; set; }

        /// <summary>One attachment download's time limit.</summary>
        public TimeSpan DownloadTimeout { get; set; } = TimeSpan.FromMinutes(10);

        /// <summary>The largest document fetched (256 MiB by default); Genesys attachments are at most 25 MB.</summary>
        public long MaxDocumentBytes { get; set; } = 256L * 1024 * 1024;

        /// <summary>
        /// Which hosts documents may be downloaded from (callback attachment URLs, redirects, media URLs). Null refuses
        /// every download: the cmdlet passes the region's Genesys domain plus -AllowedDownloadHost.
        /// </summary>
        public DownloadPolicy? DownloadPolicy { get; set; }

        /// <summary>When set, every document is scanned before it is stored; an infected one is quarantined, never archived.</summary>
        public Scanning.IMalwareScanner? MalwareScanner { get; set; }

        /// <summary>The client for attachment downloads; a shared one without default headers when null.</summary>
        public HttpClient? HttpClient { get; set; }

        /// <summary>Written to each audit record, to tie an archive run's records together.</summary>
        public string? CorrelationId { get; set; }

        internal string ResolveStagingDirectory()
            => StagingDirectory ?? Path.Combine(Path.GetDirectoryName(Audit.AuditLog.DefaultDirectory)!, "staging");

        private static string DefaultWorkerId()
        {
            int process;
            using (Process current = Process.GetCurrentProcess())
            {
                process = current.Id;
            }

            return $"{Environment.MachineName}:{process}:{Guid.NewGuid().ToString("N").Substring(0, 8)}";
        }
    }
}
