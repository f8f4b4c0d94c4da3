using System;
using System.Diagnostics;
using System.IO;
using System.Threading;
using System.Threading.Tasks;

namespace GenesysFileTransfer.Engine.Scanning
{
    /// <summary>
    /// Microsoft Defender's command-line scanner on Windows: <c>MpCmdRun.exe -Scan -ScanType 3 -File &lt;path&gt;
    /// -DisableRemediation</c>. Exit code 0 means no threat, 2 means a threat was found (its name is read from the
    /// <c>Threat</c> line of the output); anything else, or no answer in time, is no verdict.
    /// </summary>
    public sealed class DefenderScanner : IMalwareScanner
    {
        private readonly string _executable;

        public DefenderScanner(string? executable = null)
        {
            _executable = executable ?? Path.Combine(
                Environment.GetEnvironmentVariable("ProgramFiles") ?? @"C:\Program Files", "Windows Defender", "MpCmdRun.exe");
        }

        public TimeSpan Timeout { get; set; } = TimeSpan.FromMinutes(5);

        public string Description => "Microsoft Defender (" + Path.GetFileName(_executable) + ")";

        public async Task<ScanVerdict> ScanFileAsync(string path, CancellationToken cancellationToken)
        {
            if (!File.Exists(_executable))
            {
                throw new MalwareScannerUnavailableException($"{Description}: '{_executable}' does not exist; install Microsoft Defender or use a clamd address.");
            }

            var watch = Stopwatch.StartNew();
            var info = new ProcessStartInfo(_executable)
            {
                Arguments = "-Scan -ScanType 3 -File \"" + Path.GetFullPath(path) + "\" -DisableRemediation",
                UseShellExecute = false,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                CreateNoWindow = true,
            };
            using var process = new Process { StartInfo = info, EnableRaisingEvents = true };
            var exited = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
            process.Exited += (_, __) => exited.TrySetResult(true);
            try
            {
                process.Start();
            }
            catch (Exception ex) when (ex is System.ComponentModel.Win32Exception || ex is InvalidOperationException)
            {
                throw new MalwareScannerUnavailableException($"{Description} could not be started ({ex.GetType().Name}); nothing was scanned.");
            }

            Task<string> output = process.StandardOutput.ReadToEndAsync();
            Task<string> errors = process.StandardError.ReadToEndAsync();
            using (var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
            {
                timeout.CancelAfter(Timeout);
                Task finished = await Task.WhenAny(exited.Task, Task.Delay(System.Threading.Timeout.Infinite, timeout.Token)).ConfigureAwait(false);
                if (finished != exited.Task)
                {
                    try
                    {
                        process.Kill();
                    }
                    catch (InvalidOperationException)
                    {
                    }

                    cancellationToken.ThrowIfCancellationRequested();
                    throw new MalwareScannerUnavailableException($"{Description} gave no verdict within {Timeout.TotalSeconds} s; the file was not scanned.");
                }
            }

            process.WaitForExit();
            string text = await output.ConfigureAwait(false);
            await errors.ConfigureAwait(false);
            long bytes = new FileInfo(path).Length;
            switch (process.ExitCode)
            {
                case 0:
                    return new ScanVerdict(false, null, Description, bytes, watch.Elapsed);
                case 2:
                    return new ScanVerdict(true, ThreatName(text) ?? "unknown", Description, bytes, watch.Elapsed);
                default:
                    throw new MalwareScanFailedException("MalwareScanFailed", $"{Description} ended with exit code {process.ExitCode} and no verdict.");
            }
        }

        internal static string? ThreatName(string output)
        {
            foreach (string line in output.Split('\n'))
            {
                string trimmed = line.Trim();
                if (trimmed.StartsWith("Threat ", StringComparison.OrdinalIgnoreCase) || trimmed.StartsWith("Threat:", StringComparison.OrdinalIgnoreCase))
                {
                    int colon = trimmed.IndexOf(':');
                    if (colon > 0 && colon < trimmed.Length - 1)
                    {
                        return trimmed.Substring(colon + 1).Trim();
                    }
                }
            }

            return null;
        }
    }
}
