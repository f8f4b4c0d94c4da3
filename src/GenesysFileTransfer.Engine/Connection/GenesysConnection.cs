using System;
using System.Net.Http;
using System.Threading;
using System.Threading.Tasks;
using GenesysFileTransfer.Engine.Audit;
using GenesysFileTransfer.Engine.Http;
using GenesysFileTransfer.Engine.Journal;
using GenesysFileTransfer.Engine.Journal.Memory;
using GenesysFileTransfer.Engine.Journal.Sqlite;
using GenesysFileTransfer.Engine.Validation;
using GenesysFileTransfer.Engine.Transfers;

namespace GenesysFileTransfer.Engine.Connection
{
    /// <summary>
    /// One authenticated session with a Genesys Cloud organization: its token cache, retry policy, audit log,
    /// transfer journal and transfers. Hosts keep it per session (a PowerShell runspace, a runbook job), never in static state, so two
    /// sessions in one process never share a token.
    /// </summary>
    public sealed class GenesysConnection : IDisposable
    {
        private readonly OAuthTokenProvider _tokens;
        private int _disposed;
        private JournalAuditSink? _journalAudit;

        private GenesysConnection(ConnectionOptions options, AuditLog audit, ITransferJournal? journal)
        {
            Environment = options.Environment;
            ClientId = options.Credentials.ClientId;
            Audit = audit;
            Journal = journal;
            ConnectionId = Guid.NewGuid();
            TimeProvider time = options.TimeProvider;

            var apiSender = new ResilientSender(options.Retry, options.Retry.AttemptTimeout, options.Retry.TotalTimeout, time);
            var uploadSender = new ResilientSender(options.Retry, options.Retry.UploadAttemptTimeout, options.Retry.UploadTotalTimeout, time);
            HttpClient api = HttpClients.CreateApiClient();
            _tokens = new OAuthTokenProvider(options.Environment, options.Credentials, api, apiSender, audit, time, options.TokenRefreshSkew);
            audit.AddSecretSource(() => _tokens.CurrentToken);
            // One budget per connection (one token): every cmdlet and thread using this connection draws from it.
            Budget = new RequestBudget(time);
            var client = new GenesysApiClient(options.Environment, _tokens, api, apiSender, audit, Budget, time);
            var messaging = new GenesysMessagingApi(client);
            // Without a journal the same contract holds for the life of the connection, in memory.
            ITransferStore store = journal?.Transfers ?? new InMemoryTransferStore();
            Lookup = new TransferLookup(store, journal?.Location ?? "memory");
            var leases = new TransferLeases(store, time, options.TransferLease);
            Transfers = new FileTransferService(messaging, new PresignedUploader(HttpClients.CreateUploadClient(), uploadSender, audit), audit, time, options.AssumedUploadUrlLifetime, store, journal?.Outbox, leases, Lookup, Budget);
            Transfers.MalwareScanner = options.MalwareScanner;
            Sender = new FileSender(Transfers);
            Policies = new UploadPolicyReader(messaging, audit);
            MediaLocator = new Documents.GenesysMediaLocator(messaging);
            ConnectedAt = time.GetUtcNow();
        }

        public Guid ConnectionId { get; }
        /// <summary>The API request budget of this connection's token, learned from Genesys' rate-limit headers.</summary>
        public RequestBudget Budget { get; }
        public GenesysEnvironment Environment { get; }
        public string ClientId { get; }
        /// <summary>The API's base URL (from <see cref="Environment"/>), so a view's column is a property a script can read.</summary>
        public Uri ApiBaseUri => Environment.ApiBaseUri;
        /// <summary>The region key (eu_west_1, …), or null when connected by base URL.</summary>
        public string? Region => Environment.Region;
        public DateTimeOffset ConnectedAt { get; }
        public DateTimeOffset? TokenExpiresAt => _tokens.ExpiresAt;
        public AuditLog Audit { get; }
        public string? AuditLogDirectory => Audit.Directory;
        /// <summary>Where transfers are recorded so a later session can find and resume them; null with journaling turned off.</summary>
        public ITransferJournal? Journal { get; }
        public string? JournalPath => Journal?.Location;
        /// <summary>The mirror of the audit log into the journal (PostgreSQL journals), or null.</summary>
        public JournalAuditSink? JournalAudit => _journalAudit;
        /// <summary>The lifecycle steps (open, upload, renew, wait, deliver), one at a time.</summary>
        public FileTransferService Transfers { get; }
        /// <summary>The one entry point for "send a file": every step from create to deliver.</summary>
        public FileSender Sender { get; }
        /// <summary>The malware scanner of this connection (Connect-GcCloud -MalwareScanner); null when none.</summary>
        public Scanning.IMalwareScanner? MalwareScanner => Transfers.MalwareScanner;
        /// <summary>Finds transfers (this session's and the journal's) as views current with the journal.</summary>
        public TransferLookup Lookup { get; }
        /// <summary>The organization's upload rules read from Genesys.</summary>
        public UploadPolicyReader Policies { get; }
        /// <summary>Finds a delivered media's current download URL, for archiving documents whose local file is gone.</summary>
        public Documents.IMediaLocator MediaLocator { get; }
        public bool IsDisposed => _disposed != 0;

        /// <summary>The cached access token; internal so tests can prove it never reaches a log.</summary>
        internal string? CurrentAccessToken => _tokens.CurrentToken;

        /// <summary>Authenticates at once, so a wrong secret or region fails here rather than mid-batch.</summary>
        public static async Task<GenesysConnection> ConnectAsync(ConnectionOptions options, string? correlationId, CancellationToken cancellationToken)
        {
            if (options is null)
            {
                throw new ArgumentNullException(nameof(options));
            }

            AuditLog audit = options.DisableAuditLog
                ? AuditLog.Disabled()
                : AuditLog.Open(options.AuditLogDirectory ?? AuditLog.DefaultDirectory, options.AuditKey ?? AuditChain.KeyFromEnvironment());
            ITransferJournal? journal = null;
            if (!options.DisableJournal)
            {
                try
                {
                    // Before signing in: a journal that cannot be opened is a local mistake, found without a network call.
                    journal = TransferJournals.Open(options.JournalPath, options.JournalConnectionString, options.JournalCredential);
                }
                catch
                {
                    audit.Dispose();
                    throw;
                }
            }

            var connection = new GenesysConnection(options, audit, journal);
            if (options.AuditToJournal && journal is IAuditRecordStore auditStore)
            {
                // The audit trail outlives a sandboxed run in the shared journal, beside the file log (if any).
                connection._journalAudit = JournalAuditSink.Attach(audit, auditStore);
            }

            var watch = System.Diagnostics.Stopwatch.StartNew();
            try
            {
                await connection._tokens.GetTokenAsync(correlationId, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                audit.Write(new AuditRecord(AuditOperations.Connect, AuditOutcomes.Failure)
                {
                    CorrelationId = correlationId,
                    LatencyMs = watch.Elapsed.TotalMilliseconds,
                    Target = options.Environment.LoginBaseUri.ToString(),
                    ErrorCode = (ex as GenesysApiException)?.ErrorCode ?? ex.GetType().Name,
                });
                connection.Dispose();
                throw;
            }

            audit.Write(new AuditRecord(AuditOperations.Connect, AuditOutcomes.Success)
            {
                CorrelationId = correlationId,
                LatencyMs = watch.Elapsed.TotalMilliseconds,
                Target = options.Environment.ApiBaseUri.ToString(),
                Detail = "client " + options.Credentials.ClientId,
            });
            return connection;
        }

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) != 0)
            {
                return;
            }

            Audit.Write(new AuditRecord(AuditOperations.Disconnect, AuditOutcomes.Success) { Target = Environment.ApiBaseUri.ToString() });
            _tokens.Dispose();
            Budget.Dispose();
            _journalAudit?.Dispose();
            Journal?.Dispose();
            Audit.Dispose();
        }

        public override string ToString() => $"{ClientId} @ {Environment}";
    }
}
