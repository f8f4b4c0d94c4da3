using System.Globalization;

namespace GenesysFileTransfer.Emulator.Hosting;

/// <summary>The parsed command line of the standalone emulator.</summary>
internal sealed record CommandLine(EmulatorOptions Options, string? ReadyFile, int? ParentProcessId, bool ShowHelp)
{
    public const string Usage =
        """
        Usage: dotnet GenesysFileTransfer.Emulator.dll [options]
          --port N                      listen on 127.0.0.1:N (default 0 = any free port)
          --ready-file PATH             once listening, write the base URL to PATH (atomically)
          --parent-pid N                exit when process N is gone
          --client-id ID                OAuth client id (default emulator-client)
          --client-secret SECRET        OAuth client secret (default emulator-secret-0123456789)
          --token-lifetime SECONDS      access token lifetime (default 86399)
          --upload-url-lifetime SECONDS presigned upload URL lifetime (default 900)
          --validation-delay MS         time a media stays "uploading" after its PUT (default 200)
          --help                        show this text
        """;

    /// <summary>Parses the arguments; on failure returns null and says why.</summary>
    public static CommandLine? Parse(IReadOnlyList<string> args, out string? error)
    {
        error = null;
        var options = new EmulatorOptions();
        string? readyFile = null;
        int? parentPid = null;
        for (var i = 0; i < args.Count; i++)
        {
            var name = args[i];
            if (name is "--help" or "-h" or "-?") return new CommandLine(options, null, null, ShowHelp: true);

            if (i + 1 >= args.Count)
            {
                error = $"{name} needs a value.";
                return null;
            }

            var value = args[++i];
            switch (name)
            {
                case "--port" when TryInt(value, 0, 65535, out var port): options.Port = port; break;
                case "--ready-file": readyFile = value; break;
                case "--parent-pid" when TryInt(value, 1, int.MaxValue, out var pid): parentPid = pid; break;
                case "--client-id" when value.Length > 0: options.ClientId = value; break;
                case "--client-secret" when value.Length > 0: options.ClientSecret = value; break;
                case "--token-lifetime" when TryInt(value, 1, int.MaxValue, out var ttl): options.TokenLifetimeSeconds = ttl; break;
                case "--upload-url-lifetime" when TryInt(value, 1, int.MaxValue, out var urlTtl): options.UploadUrlLifetimeSeconds = urlTtl; break;
                case "--validation-delay" when TryInt(value, 0, int.MaxValue, out var delay): options.ValidationDelayMs = delay; break;
                case "--port" or "--parent-pid" or "--client-id" or "--client-secret" or "--token-lifetime"
                    or "--upload-url-lifetime" or "--validation-delay":
                    error = $"{name}: '{value}' is not a valid value.";
                    return null;
                default:
                    error = $"Unknown option {name}.";
                    return null;
            }
        }

        return new CommandLine(options, readyFile, parentPid, ShowHelp: false);
    }

    private static bool TryInt(string text, int min, int max, out int value)
        => int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out value) && value >= min && value <= max;
}
