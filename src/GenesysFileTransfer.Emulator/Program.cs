using GenesysFileTransfer.Emulator.Hosting;

namespace GenesysFileTransfer.Emulator;

/// <summary>
/// The standalone emulator. Prints one line when listening and runs until Ctrl+C/SIGTERM,
/// <c>POST /emulator/shutdown</c>, or the end of the <c>--parent-pid</c> process.
/// </summary>
public static class Program
{
    public static async Task<int> Main(string[] args)
    {
        var commandLine = CommandLine.Parse(args, out var error);
        if (commandLine is null)
        {
            await Console.Error.WriteLineAsync(error);
            await Console.Error.WriteLineAsync(CommandLine.Usage);
            return 2;
        }

        if (commandLine.ShowHelp)
        {
            await Console.Out.WriteLineAsync(CommandLine.Usage);
            return 0;
        }

        await using var host = await EmulatorHost.StartAsync(commandLine.Options, console: true, CancellationToken.None);
        // The ready file first: whoever reacts to the stdout line may look for the file straight away.
        if (commandLine.ReadyFile is { } readyFile) WriteReadyFile(readyFile, host.BaseUri);
        await Console.Out.WriteLineAsync($"Genesys Cloud emulator listening on {host.BaseUri}");
        await Console.Out.FlushAsync();

        using var stopWatching = new CancellationTokenSource();
        var lifetime = host.Lifetime;
        var watcher = commandLine.ParentProcessId is { } parentPid
            ? ParentProcessWatcher.WatchAsync(parentPid, lifetime.StopApplication, TimeSpan.FromSeconds(1), stopWatching.Token)
            : Task.CompletedTask;
        try
        {
            await host.WaitForShutdownAsync();
        }
        finally
        {
            await stopWatching.CancelAsync();
            await watcher;
            if (commandLine.ReadyFile is { } staleFile) TryDelete(staleFile);
        }

        return 0;
    }

    /// <summary>Write-then-rename, so a launcher polling for the file never reads half a URL.</summary>
    private static void WriteReadyFile(string path, Uri baseUri)
    {
        var fullPath = Path.GetFullPath(path);
        var directory = Path.GetDirectoryName(fullPath);
        if (!string.IsNullOrEmpty(directory)) Directory.CreateDirectory(directory);
        var temporary = fullPath + "." + Guid.NewGuid().ToString("N") + ".tmp";
        File.WriteAllText(temporary, baseUri.ToString());
        File.Move(temporary, fullPath, overwrite: true);
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
