using System.Management.Automation;
using GenesysFileTransfer.Commands.Infrastructure;
using GenesysFileTransfer.Engine.Connection;

namespace GenesysFileTransfer.Commands
{
    [Cmdlet(VerbsCommunications.Disconnect, "GcCloud", HelpUri = HelpLinks.CmdletHelp + "Disconnect-GcCloud.md")]
    [OutputType(typeof(void))]
    public sealed class DisconnectGcCloudCommand : PSCmdlet
    {
        /// <summary>A connection from Connect-GcCloud -PassThru; without it, the session's default connection.</summary>
        [Parameter(ValueFromPipeline = true)]
        public GenesysConnection? Connection { get; set; }

        protected override void ProcessRecord()
        {
            GenesysConnection? current = SessionConnection.Get(this);
            GenesysConnection? target = Connection ?? current;
            if (target is null)
            {
                WriteVerbose("No connection to close.");
                return;
            }

            if (ReferenceEquals(target, current))
            {
                SessionConnection.Clear(this);
            }

            target.Dispose();
            WriteVerbose($"Disconnected {target}.");
        }
    }
}
