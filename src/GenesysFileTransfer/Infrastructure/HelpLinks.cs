namespace GenesysFileTransfer.Commands.Infrastructure
{
    /// <summary>
    /// Where each cmdlet's help lives online (<c>Get-Help &lt;cmdlet&gt; -Online</c>): the cmdlet's markdown in the
    /// repository's en-US folder, the source the MAML help is built from. The project URL is a placeholder until the
    /// project has a public home; the manifest's ProjectUri must say the same (tests/Pester/Module.Tests.ps1 checks).
    /// </summary>
    internal static class HelpLinks
    {
        public const string ProjectUri = "https://github.com/GenesysFileTransfer/GenesysFileTransfer";
        public const string CmdletHelp = ProjectUri + "/blob/main/en-US/";
    }
}
