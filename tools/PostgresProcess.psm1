# Starts and stops a throwaway PostgreSQL server for the tests and benchmarks of the shared journal: Debian's binaries
# (apt-get install -y postgresql), run as the unprivileged 'postgres' user when this process is root (the server refuses
# root), in a fresh temporary data directory, on a free loopback port, with SCRAM password authentication as a hosted
# server has. A watchdog stops the server when this PowerShell process goes away without calling Stop-PostgresProcess.

Set-StrictMode -Version Latest

function Find-PostgresBinaries {
    # The newest /usr/lib/postgresql/<version>/bin that has initdb and pg_ctl; $null when PostgreSQL is not installed.
    if (-not (Test-Path -LiteralPath '/usr/lib/postgresql')) { return $null }
    Get-ChildItem -LiteralPath '/usr/lib/postgresql' -Directory |
        Where-Object { (Test-Path (Join-Path $_.FullName 'bin/initdb')) -and (Test-Path (Join-Path $_.FullName 'bin/pg_ctl')) } |
        Sort-Object { [int]($_.Name -replace '\D', '0') } -Descending |
        Select-Object -First 1 |
        ForEach-Object { Join-Path $_.FullName 'bin' }
}

function Invoke-PgTool([object] $Server, [string] $Tool, [string[]] $Arguments) {
    $executable = Join-Path $Server.Bin $Tool
    if ($Server.AsPostgresUser) { $output = & runuser -u postgres -- $executable @Arguments 2>&1 }
    else { $output = & $executable @Arguments 2>&1 }
    if ($LASTEXITCODE -ne 0) { throw "'$Tool $($Arguments -join ' ')' failed with exit code ${LASTEXITCODE}: $($output -join "`n")" }
}

function Get-FreePort {
    $probe = [System.Net.Sockets.TcpListener]::new([System.Net.IPAddress]::Loopback, 0)
    $probe.Start()
    try { $probe.LocalEndpoint.Port } finally { $probe.Stop() }
}

function Start-PostgresProcess {
    <#
    .SYNOPSIS
    Starts a fresh PostgreSQL server and returns how to reach it: Port, AppUser, AppCredential (a PSCredential),
    AdminConnectionString, and New-Database / Restart / Stop through the functions of this module.
    #>
    [CmdletBinding()]
    [OutputType([pscustomobject])]
    param()

    $bin = Find-PostgresBinaries
    if (-not $bin) {
        throw "PostgreSQL is not installed (/usr/lib/postgresql/<version>/bin/initdb is missing). Install it with 'apt-get install -y postgresql' (Debian, as root), or run 'dotnet pwsh -NoProfile -File build.ps1 -Task TestPeers', which does."
    }
    $root = Join-Path ([System.IO.Path]::GetTempPath()) ('gft-pg-' + [guid]::NewGuid().ToString('N').Substring(0, 12))
    $null = New-Item -ItemType Directory -Path (Join-Path $root 'sock') -Force
    $server = [pscustomobject]@{
        Bin            = $bin
        Root           = $root
        Data           = Join-Path $root 'data'
        Socket         = Join-Path $root 'sock'
        Port           = 0
        AsPostgresUser = ((& id -u) -eq '0')
        AdminUser      = 'gft_admin'
        AdminPassword  = 'admin-' + [guid]::NewGuid().ToString('N')
        AppUser        = 'gft_app'
        AppPassword    = 'app-' + [guid]::NewGuid().ToString('N')
        AppCredential  = $null
        Watchdog       = $null
    }
    $server.AppCredential = [pscredential]::new($server.AppUser, (ConvertTo-SecureString $server.AppPassword -AsPlainText -Force))
    $passwordFile = Join-Path $root 'pwfile'
    Set-Content -LiteralPath $passwordFile -Value $server.AdminPassword -NoNewline
    try {
        if ($server.AsPostgresUser) { & chown -R postgres:postgres $root; if ($LASTEXITCODE -ne 0) { throw "chown of '$root' failed." } }
        Invoke-PgTool $server 'initdb' @('-D', $server.Data, '-A', 'scram-sha-256', '--pwfile', $passwordFile, '-U', $server.AdminUser, '-E', 'UTF8', '--locale=C', '--no-sync')
        Remove-Item -LiteralPath $passwordFile -Force
        Start-PostgresServer $server
        $script = "while [ -d /proc/$PID ]; do sleep 2; done; '$(Join-Path $bin 'pg_ctl')' -D '$($server.Data)' stop -m immediate >/dev/null 2>&1; rm -rf '$root'"
        $watchArguments = if ($server.AsPostgresUser) { @('runuser', '-u', 'postgres', '--', 'sh', '-c', $script) } else { @('sh', '-c', $script) }
        $start = [System.Diagnostics.ProcessStartInfo]::new('setsid')
        foreach ($argument in $watchArguments) { $start.ArgumentList.Add($argument) }
        $start.UseShellExecute = $false
        $start.RedirectStandardOutput = $true
        $start.RedirectStandardError = $true
        $server.Watchdog = [System.Diagnostics.Process]::Start($start)
        Invoke-PostgresSql -Server $server -Database postgres -Sql "CREATE ROLE $($server.AppUser) LOGIN PASSWORD '$($server.AppPassword)';" -AsAdmin
        $server
    }
    catch {
        Stop-PostgresProcess -Server $server
        throw
    }
}

function Start-PostgresServer([object] $Server, [int] $Port = 0) {
    $attempts = if ($Port) { 1 } else { 3 }
    for ($attempt = 1; $attempt -le $attempts; $attempt++) {
        $candidate = if ($Port) { $Port } else { Get-FreePort }
        try {
            Invoke-PgTool $Server 'pg_ctl' @('-D', $Server.Data, '-l', (Join-Path $Server.Root 'server.log'), '-w', '-t', '60', 'start',
                '-o', "-p $candidate -k $($Server.Socket) -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=300")
            $Server.Port = $candidate
            return
        }
        catch { if ($attempt -eq $attempts) { throw } }
    }
}

function Invoke-PostgresSql {
    # Runs SQL through psql on the server's socket (admin) or over TCP as the application user; returns the output rows.
    param([Parameter(Mandatory)] [object] $Server, [Parameter(Mandatory)] [string] $Database, [Parameter(Mandatory)] [string] $Sql, [switch] $AsAdmin)
    $psql = Join-Path $Server.Bin 'psql'
    $user = if ($AsAdmin) { $Server.AdminUser } else { $Server.AppUser }
    $env:PGPASSWORD = if ($AsAdmin) { $Server.AdminPassword } else { $Server.AppPassword }
    try {
        $output = & $psql -h 127.0.0.1 -p $Server.Port -U $user -d $Database -X -q -A -t -v ON_ERROR_STOP=1 -c $Sql 2>&1
        if ($LASTEXITCODE -ne 0) { throw "psql failed: $($output -join "`n")" }
        @($output | Where-Object { "$_" -ne '' })
    }
    finally { Remove-Item Env:PGPASSWORD -ErrorAction Ignore }
}

function New-PostgresDatabase {
    # A new database owned by the application user; returns its connection string (without a password).
    param([Parameter(Mandatory)] [object] $Server, [string] $Name = ('gft_' + [guid]::NewGuid().ToString('N').Substring(0, 10)))
    $null = Invoke-PostgresSql -Server $Server -Database postgres -Sql "CREATE DATABASE $Name OWNER $($Server.AppUser);" -AsAdmin
    "Host=127.0.0.1;Port=$($Server.Port);Database=$Name;Username=$($Server.AppUser)"
}

function Restart-PostgresProcess {
    # Fast shutdown (every connection cut, in-flight transactions rolled back), a pause, and a start on the same port.
    param([Parameter(Mandatory)] [object] $Server, [int] $DownSeconds = 2)
    Invoke-PgTool $Server 'pg_ctl' @('-D', $Server.Data, 'stop', '-m', 'fast', '-w')
    Start-Sleep -Seconds $DownSeconds
    Start-PostgresServer $Server -Port $Server.Port
}

function Stop-PostgresProcess {
    param([Parameter(Mandatory)] [object] $Server)
    if (Test-Path -LiteralPath (Join-Path $Server.Data 'postmaster.pid')) {
        try { Invoke-PgTool $Server 'pg_ctl' @('-D', $Server.Data, 'stop', '-m', 'immediate', '-w') } catch { Write-Warning "Stopping PostgreSQL failed: $_" }
    }
    if ($Server.Watchdog -and -not $Server.Watchdog.HasExited) { try { $Server.Watchdog.Kill($true) } catch { } }
    if (Test-Path -LiteralPath $Server.Root) { Remove-Item -LiteralPath $Server.Root -Recurse -Force -ErrorAction SilentlyContinue }
}

Export-ModuleMember -Function Find-PostgresBinaries, Start-PostgresProcess, Stop-PostgresProcess, Restart-PostgresProcess, New-PostgresDatabase, Invoke-PostgresSql
