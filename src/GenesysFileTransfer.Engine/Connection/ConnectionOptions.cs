using System;
using GenesysFileTransfer.Engine.Http;

namespace GenesysFileTransfer.Engine.Connection
{
    public sealed class ConnectionOptions
    {
        public ConnectionOptions(GenesysEnvironment environment, ClientCredentials credentials)
        {
            Environment = environment ?? throw new ArgumentNullException(nameof(environment));
            Credentials = credentials ?? throw new ArgumentNullException(nameof(credentials));
        }

        public GenesysEnvironment Environment { get; }
        public ClientCredentials Credentials { get; }
        /// <summary>Folder of the daily audit files; null means the per-user default.</summary>
        public string? AuditLogDirectory { get; set; }
        public bool DisableAuditLog { get; set; }
        /// <summary>The transfer journal file; null means the per-user default (<see cref="Journal.Sqlite.SqliteTransferJournal.DefaultPath"/>).</summary>
        public string? JournalPath { get; set; }
        /// <summary>
        /// A PostgreSQL journal shared by many processes and machines (an Npgsql connection string); takes precedence
        /// over <see cref="JournalPath"/>. Never logged: the connection's journal is described by its location only.
        /// </summary>
        public string? JournalConnectionString { get; set; }
        /// <summary>The journal database's user and password (the password of the connection string otherwise).</summary>
        public System.Net.NetworkCredential? JournalCredential { get; set; }
        /// <summary>Also append every audit record to the journal, when the journal can keep them (PostgreSQL). On by default.</summary>
        public bool AuditToJournal { get; set; } = true;
        /// <summary>Keeps transfers in memory only: nothing survives the connection, and nothing is resumed.</summary>
        public bool DisableJournal { get; set; }
        /// <summary>The malware scanner files must pass before they are sent (when their metadata asks for a scan); null for none.</summary>
        public Scanning.IMalwareScanner? MalwareScanner { get; set; }
        /// <summary>Signs the audit log's checkpoints (HMAC-SHA256); null reads GENESYS_AUDIT_KEY.</summary>
        public byte[]? AuditKey { get; set; }
        public RetryOptions Retry { get; set; } = new RetryOptions();
        /// <summary>How long before expiry a cached token is replaced.</summary>
        public TimeSpan TokenRefreshSkew { get; set; } = TimeSpan.FromSeconds(60);
        /// <summary>Lifetime assumed for an upload URL that does not state its expiry.</summary>
        public TimeSpan AssumedUploadUrlLifetime { get; set; } = TimeSpan.FromMinutes(10);
        public TimeProvider TimeProvider { get; set; } = TimeProvider.System;
        /// <summary>How long a claim on a transfer lasts before another process may take it over, and how long to wait for one.</summary>
        public Transfers.TransferLeaseOptions TransferLease { get; set; } = new Transfers.TransferLeaseOptions();
    }
}
