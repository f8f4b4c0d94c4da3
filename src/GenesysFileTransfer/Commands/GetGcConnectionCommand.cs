using System;
using System.Management.Automation;
using GenesysFileTransfer.Commands.Infrastructure;
using GenesysFileTransfer.Engine.Connection;

namespace GenesysFileTransfer.Commands
{
    [Cmdlet(VerbsCommon.Get, "GcConnection", HelpUri = HelpLinks.CmdletHelp + "Get-GcConnection.md")]
    [OutputType(typeof(GenesysConnection))]
    public sealed class GetGcConnectionCommand : PSCmdlet
    {
        protected override void ProcessRecord()
        {
            GenesysConnection? connection = SessionConnection.Get(this);
            if (connection is null)
            {
                WriteError(new ErrorRecord(
                    new InvalidOperationException("Not connected to Genesys Cloud. Run Connect-GcCloud first."),
                    ErrorIds.NotConnected,
                    ErrorCategory.ConnectionError,
                    null));
                return;
            }

            WriteObject(connection);
        }
    }
}
