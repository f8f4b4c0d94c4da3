using System.Diagnostics;
using GenesysFileTransfer.Emulator;
using Xunit;

namespace GenesysFileTransfer.Engine.Tests.Emulator.Hosting;

/// <summary>The emulator as a separate process, the way scripts and the PowerShell tests launch it.</summary>
public sealed class StandaloneProcessTests : IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);
    private readonly string _folder = Directory.CreateTempSubdirectory("emulator-cli-tests-").FullName;

    [Fact]
    public async Task It_announces_its_url_on_stdout_and_in_the_ready_file_and_stops_on_the_shutdown_endpoint()
    {
        var readyFile = Path.Combine(_folder, "nested", "ready.txt");
        using var process = Launch("--ready-file", readyFile, "--parent-pid", Environment.ProcessId.ToString());
        try
        {
            var line = await process.StandardOutput.ReadLineAsync().WaitAsync(Patience);

            Assert.NotNull(line);
            Assert.Matches(@"^Genesys Cloud emulator listening on http://127\.0\.0\.1:\d+/$", line);
            var baseUrl = line["Genesys Cloud emulator listening on ".Length..];
            Assert.Equal(baseUrl, await File.ReadAllTextAsync(readyFile));
            using var http = new HttpClient { BaseAddress = new Uri(baseUrl) };
            using (var health = await http.GetAsync("emulator/health")) Assert.Equal(200, (int)health.StatusCode);

            using (var shutdown = await http.PostAsync("emulator/shutdown", null)) Assert.Equal(202, (int)shutdown.StatusCode);
            await process.WaitForExitAsync().WaitAsync(Patience);

            Assert.Equal(0, process.ExitCode);
            Assert.Null(await process.StandardOutput.ReadLineAsync());
            Assert.False(File.Exists(readyFile));
        }
        finally
        {
            if (!process.HasExited) process.Kill();
        }
    }

    [Fact]
    public async Task It_exits_by_itself_when_its_parent_process_is_gone()
    {
        var parent = await StartedAndFinishedProcessIdAsync();
        using var process = Launch("--parent-pid", parent.ToString());
        try
        {
            await process.WaitForExitAsync().WaitAsync(Patience);

            Assert.Equal(0, process.ExitCode);
        }
        finally
        {
            if (!process.HasExited) process.Kill();
        }
    }

    [Fact]
    public async Task A_bad_argument_exits_with_code_2_and_the_usage_on_stderr()
    {
        using var process = Launch("--port", "not-a-port");
        try
        {
            var stderr = await process.StandardError.ReadToEndAsync().WaitAsync(Patience);
            await process.WaitForExitAsync().WaitAsync(Patience);

            Assert.Equal(2, process.ExitCode);
            Assert.Contains("Usage:", stderr);
        }
        finally
        {
            if (!process.HasExited) process.Kill();
        }
    }

    private static Process Launch(params string[] args)
    {
        var start = new ProcessStartInfo(DotnetHost())
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(typeof(EmulatorHost).Assembly.Location);
        foreach (var arg in args) start.ArgumentList.Add(arg);
        return Process.Start(start) ?? throw new InvalidOperationException("The emulator process did not start.");
    }

    /// <summary>The id of a process that has already ended, standing in for a launcher that crashed.</summary>
    private static async Task<int> StartedAndFinishedProcessIdAsync()
    {
        using var shortLived = Process.Start(new ProcessStartInfo(DotnetHost(), "--version") { RedirectStandardOutput = true, UseShellExecute = false })!;
        await shortLived.StandardOutput.ReadToEndAsync();
        await shortLived.WaitForExitAsync();
        return shortLived.Id;
    }

    /// <summary>The dotnet muxer running these tests (the SDK exports its path), so the child uses the same runtime.</summary>
    private static string DotnetHost() => Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } path ? path : "dotnet";

    public void Dispose() => Directory.Delete(_folder, recursive: true);
}
