# Starts and stops a real clamd (ClamAV's daemon) for the tests and the demo: 127.0.0.1 at a free port, its own
# folder and config, and a signature database written here (the EICAR test signature); nothing is downloaded.

function Start-ClamdProcess {
    # A real clamd (Debian's clamav-daemon, installed by build.ps1's TestPeers task) on 127.0.0.1 at a free port, with
    # a signature database written here (the EICAR test signature); nothing is downloaded. Missing is a failure.
    $clamd = @('/usr/sbin/clamd', '/usr/local/sbin/clamd') + @((Get-Command clamd -ErrorAction Ignore).Source) |
        Where-Object { $_ -and (Test-Path -LiteralPath $_) } | Select-Object -First 1
    if (-not $clamd) {
        throw "clamd (ClamAV's daemon) is not installed; run 'dotnet pwsh -NoProfile -File build.ps1 -Task TestPeers' (as root on Debian) or 'sudo apt-get install -y clamav-daemon'."
    }
    $folder = Join-Path ([System.IO.Path]::GetTempPath()) ('gft-clamd-' + [guid]::NewGuid().ToString('N').Substring(0, 8))
    $null = New-Item -ItemType Directory -Path (Join-Path $folder 'db') -Force
    $eicar = 'X5O!P%@AP[4\PZX54(P^)7CC)7}$' + 'EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*'
    $hex = [Convert]::ToHexString([Text.Encoding]::ASCII.GetBytes($eicar)).ToLowerInvariant()
    Set-Content -LiteralPath (Join-Path $folder 'db/test.ndb') -Value "Eicar-Test-Signature:0:*:$hex" -NoNewline
    $probe = [System.Net.Sockets.TcpListener]::new([System.Net.IPAddress]::Loopback, 0); $probe.Start()
    $port = $probe.LocalEndpoint.Port; $probe.Stop()
    $config = Join-Path $folder 'clamd.conf'
    @("Foreground yes", "TCPSocket $port", "TCPAddr 127.0.0.1", "DatabaseDirectory $(Join-Path $folder 'db')",
      "LogFile $(Join-Path $folder 'clamd.log')", "PidFile $(Join-Path $folder 'clamd.pid')") | Set-Content -LiteralPath $config
    $process = Start-Process -FilePath $clamd -ArgumentList "--config-file=$config" -PassThru -RedirectStandardOutput (Join-Path $folder 'out.txt') -RedirectStandardError (Join-Path $folder 'err.txt')
    $deadline = [DateTime]::UtcNow.AddSeconds(90)
    while ($true) {
        try {
            $client = [System.Net.Sockets.TcpClient]::new('127.0.0.1', $port)
            $stream = $client.GetStream(); $ping = [Text.Encoding]::ASCII.GetBytes("zPING`0"); $stream.Write($ping, 0, $ping.Length)
            $buffer = [byte[]]::new(16); $read = $stream.Read($buffer, 0, 16); $client.Dispose()
            if ([Text.Encoding]::ASCII.GetString($buffer, 0, $read).StartsWith('PONG')) { break }
        }
        catch { }
        if ($process.HasExited -or [DateTime]::UtcNow -gt $deadline) {
            throw "clamd did not answer on 127.0.0.1:$port (exited: $($process.HasExited)): $(Get-Content -Raw (Join-Path $folder 'err.txt') -ErrorAction Ignore)"
        }
        Start-Sleep -Milliseconds 200
    }
    [pscustomobject]@{ Process = $process; Port = $port; Address = "tcp://127.0.0.1:$port"; Folder = $folder; Eicar = $eicar }
}

function Stop-ClamdProcess($Clamd) {
    if ($Clamd -and -not $Clamd.Process.HasExited) { $Clamd.Process.Kill($true); $Clamd.Process.WaitForExit(10000) | Out-Null }
    if ($Clamd) { Remove-Item -LiteralPath $Clamd.Folder -Recurse -Force -ErrorAction Ignore }
}

Export-ModuleMember -Function Start-ClamdProcess, Stop-ClamdProcess
