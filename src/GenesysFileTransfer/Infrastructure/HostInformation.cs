using System.Management.Automation;

namespace GenesysFileTransfer.Commands.Infrastructure
{
    /// <summary>
    /// Lines meant for the person at the console (a connect confirmation, the listener's banner, a batch summary).
    /// They go to the information stream tagged PSHOST, as Write-Host does: shown by default, kept by
    /// -InformationVariable and 6>&amp;1, and silenced by -InformationAction Ignore or 6>$null.
    /// </summary>
    internal static class HostInformation
    {
        /// <summary>The tag every such line carries besides PSHOST, so a script can pick the module's lines out.</summary>
        public const string ModuleTag = "GenesysFileTransfer";

        public static void Write(Cmdlet cmdlet, string message, params string[] tags)
        {
            var all = new string[tags.Length + 2];
            all[0] = "PSHOST";
            all[1] = ModuleTag;
            tags.CopyTo(all, 2);
            cmdlet.WriteInformation(new HostInformationMessage { Message = message }, all);
        }

        /// <summary>A time as people read it in a message: local, with seconds and the offset (2026-12-01 18:40:12 +01:00).</summary>
        public static string Time(System.DateTimeOffset time) =>
            time.ToLocalTime().ToString("yyyy-MM-dd HH:mm:ss zzz", System.Globalization.CultureInfo.InvariantCulture);
    }
}
