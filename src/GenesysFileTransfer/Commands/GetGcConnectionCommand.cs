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
                // Like Get-AzContext: not being connected is an answer (nothing), not an error; scripts test for $null.
                WriteVerbose("Not connected to Genesys Cloud in this session. Run Connect-GcCloud first.");
                return;
            }

            WriteObject(connection);
        }
    }
}
