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

        public static void Set(PSCmdlet cmdlet, GenesysConnection connection) =>
            cmdlet.SessionState.PSVariable.Set(GlobalName, connection);

        public static void MarkHandedOut(GenesysConnection connection) => HandedOut.GetValue(connection, _ => new object());

        public static bool IsHandedOut(GenesysConnection connection) => HandedOut.TryGetValue(connection, out _);

        public static void Clear(PSCmdlet cmdlet) => cmdlet.SessionState.PSVariable.Remove(GlobalName);

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
