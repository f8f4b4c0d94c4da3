using System.Diagnostics;

namespace GenesysFileTransfer.Emulator.Hosting;

/// <summary>
/// Stops the emulator once the process that launched it is gone, so a crashed or killed test run never leaves an
/// emulator process behind.
/// </summary>
internal static class ParentProcessWatcher
{
    public static async Task WatchAsync(int parentProcessId, Action onParentGone, TimeSpan pollInterval, CancellationToken cancellationToken)
    {
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                if (!IsAlive(parentProcessId))
                {
                    onParentGone();
                    return;
                }

                await Task.Delay(pollInterval, cancellationToken);
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    internal static bool IsAlive(int processId)
    {
        try
        {
            using var process = Process.GetProcessById(processId);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }
}
