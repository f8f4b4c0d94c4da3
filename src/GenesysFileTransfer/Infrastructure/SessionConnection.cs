using System.Management.Automation;
using GenesysFileTransfer.Engine.Connection;

namespace GenesysFileTransfer.Commands.Infrastructure
{
    /// <summary>
    /// The default connection lives in a global variable of the current runspace, never in a static field: two
    /// runspaces or two runbook jobs in one process each have their own token.
    /// </summary>
    internal static class SessionConnection
    {
        internal const string VariableName = "GcDefaultConnection";
        private const string GlobalName = "global:" + VariableName;

        public static GenesysConnection? Get(PSCmdlet cmdlet)
        {
            object? value = cmdlet.SessionState.PSVariable.GetValue(GlobalName);
            if (value is PSObject wrapped)
            {
                value = wrapped.BaseObject;
            }

            return value is GenesysConnection connection && !connection.IsDisposed ? connection : null;
        }

        /// <summary>Connections given to the caller with -PassThru: the caller owns them, so a reconnect must not close them.</summary>
        private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<GenesysConnection, object> HandedOut =
            new System.Runtime.CompilerServices.ConditionalWeakTable<GenesysConnection, object>();

        public static void Set(PSCmdlet cmdlet, GenesysConnection connection)
        {
            cmdlet.SessionState.PSVariable.Set(GlobalName, connection);
            Remember(connection);
        }

        /// <summary>
        /// The runspace's connection for an argument completer, which has no cmdlet to read the variable through (and
        /// may not use the runspace's session state while the command line is being completed). Kept per runspace.
        /// </summary>
        public static GenesysConnection? ForCompletion()
        {
            System.Management.Automation.Runspaces.Runspace? runspace = System.Management.Automation.Runspaces.Runspace.DefaultRunspace;
            return runspace != null && ByRunspace.TryGetValue(runspace, out GenesysConnection? connection) && !connection.IsDisposed ? connection : null;
        }

        private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<System.Management.Automation.Runspaces.Runspace, GenesysConnection> ByRunspace =
            new System.Runtime.CompilerServices.ConditionalWeakTable<System.Management.Automation.Runspaces.Runspace, GenesysConnection>();

        private static void Remember(GenesysConnection? connection)
        {
            System.Management.Automation.Runspaces.Runspace? runspace = System.Management.Automation.Runspaces.Runspace.DefaultRunspace;
            if (runspace is null)
            {
                return;
            }

            lock (ByRunspace)
            {
                ByRunspace.Remove(runspace);
                if (connection != null)
                {
                    ByRunspace.Add(runspace, connection);
                }
            }
        }

        public static void MarkHandedOut(GenesysConnection connection) => HandedOut.GetValue(connection, _ => new object());

        public static bool IsHandedOut(GenesysConnection connection) => HandedOut.TryGetValue(connection, out _);

        public static void Clear(PSCmdlet cmdlet)
        {
            cmdlet.SessionState.PSVariable.Remove(GlobalName);
            Remember(null);
        }

        /// <summary>The explicit -Connection, else the session's; a terminating error when there is none.</summary>
        public static GenesysConnection Require(PSCmdlet cmdlet, GenesysConnection? explicitConnection)
        {
            GenesysConnection? connection = explicitConnection ?? Get(cmdlet);
            if (connection is null || connection.IsDisposed)
            {
                cmdlet.ThrowTerminatingError(new ErrorRecord(
                    new System.InvalidOperationException("Not connected to Genesys Cloud. Run Connect-GcCloud first, or pass -Connection."),
                    ErrorIds.NotConnected,
                    ErrorCategory.ConnectionError,
                    null));
            }

            return connection!;
        }
    }
}
