# Starts and stops the Genesys Cloud emulator as a separate process on a free loopback port. Used by the demo and the
# Pester tests; also handy for rehearsing a script offline.

Set-StrictMode -Version Latest

# The identifiers and fake credentials every fresh emulator has (src/GenesysFileTransfer.Emulator/EmulatorDefaults.cs).
$script:Defaults = @{
    ClientId        = 'emulator-client'
    ClientSecret    = 'emulator-secret-0123456789'
    ConversationId  = '4a4c0e8e-8a5b-4c1e-9d0a-2f1e6c1b7d10'
    CommunicationId = '7c9e6679-7425-40de-944b-e07fc1f90ae7'
}

function Start-EmulatorProcess {
    <#
    .SYNOPSIS
    Starts the emulator on a free port and returns how to reach it.
    .DESCRIPTION
    The emulator writes its ready file once it listens, and watches this PowerShell process (--parent-pid) so it
    goes away even when the caller is killed before Stop-EmulatorProcess runs. Its output goes to log files in a
    temporary folder; they are quoted when the emulator fails to start.
    .EXAMPLE
    $emulator = Start-EmulatorProcess -EmulatorPath out/emulator/GenesysFileTransfer.Emulator.dll
    Connect-GcCloud -BaseUri $emulator.BaseUri -ClientId $emulator.ClientId -ClientSecret $emulator.ClientSecret
    #>
    [CmdletBinding()]
    [OutputType([pscustomobject])]
    param(
        [Parameter(Mandatory)] [string] $EmulatorPath,
        # Extra command-line arguments for the emulator, after the port, ready file and parent id.
        [string[]] $Arguments = @(),
        [ValidateRange(1, 300)] [int] $TimeoutSeconds = 30
    )

    if (-not (Test-Path -LiteralPath $EmulatorPath -PathType Leaf)) {
        throw "The emulator '$EmulatorPath' does not exist; build it with 'build.ps1 -Task Build'."
    }

    $workDirectory = Join-Path ([System.IO.Path]::GetTempPath()) ('gft-emulator-' + [guid]::NewGuid().ToString('N'))
    $null = New-Item -ItemType Directory -Path $workDirectory
    $readyFile = Join-Path $workDirectory 'ready'
    $argumentList = @($EmulatorPath, '--port', '0', '--ready-file', $readyFile, '--parent-pid', "$PID") + $Arguments
    $process = Start-Process -FilePath (Get-DotnetPath) -ArgumentList (Join-CommandLine $argumentList) -PassThru `
        -NoNewWindow -RedirectStandardOutput (Join-Path $workDirectory 'stdout.log') -RedirectStandardError (Join-Path $workDirectory 'stderr.log')

    $emulator = [pscustomobject]@{
        BaseUri         = $null
        Process         = $process
        ClientId        = $script:Defaults.ClientId
        ClientSecret    = (ConvertTo-SecureString $script:Defaults.ClientSecret -AsPlainText -Force)
        ConversationId  = $script:Defaults.ConversationId
        CommunicationId = $script:Defaults.CommunicationId
        WorkDirectory   = $workDirectory
    }

    $deadline = [DateTime]::UtcNow.AddSeconds($TimeoutSeconds)
    while ($null -eq $emulator.BaseUri) {
        if (Test-Path -LiteralPath $readyFile) {
            $emulator.BaseUri = Read-ReadyFile -Path $readyFile
        }
        if ($null -ne $emulator.BaseUri) { break }
        if ($process.HasExited) {
            $message = "The emulator exited with code $($process.ExitCode) before it was ready.$(Get-EmulatorLogTail $emulator)"
            Remove-Item -LiteralPath $workDirectory -Recurse -Force -ErrorAction SilentlyContinue
            throw $message
        }
        if ([DateTime]::UtcNow -gt $deadline) {
            $message = "The emulator was not ready within $TimeoutSeconds s.$(Get-EmulatorLogTail $emulator)"
            Stop-EmulatorProcess -Emulator $emulator
            throw $message
        }
        Start-Sleep -Milliseconds 100
    }
    $emulator
}

function Stop-EmulatorProcess {
    <#
    .SYNOPSIS
    Asks the emulator to shut down, kills it if it does not, and removes its temporary folder.
    #>
    [CmdletBinding()]
    param([Parameter(Mandatory, ValueFromPipeline)] [AllowNull()] [object] $Emulator)

    process {
        if ($null -eq $Emulator) { return }
        $process = $Emulator.Process
        if ($Emulator.BaseUri -and -not $process.HasExited) {
            try {
                $null = Invoke-RestMethod -Method Post -Uri "$($Emulator.BaseUri)/emulator/shutdown" -TimeoutSec 5
            }
            catch {
                Write-Verbose "Shutdown request failed, killing the emulator instead: $_"
            }
        }
        if (-not $process.WaitForExit(5000)) {
            $process.Kill()
            $null = $process.WaitForExit(5000)
        }
        Remove-Item -LiteralPath $Emulator.WorkDirectory -Recurse -Force -ErrorAction SilentlyContinue
    }
}

function Invoke-EmulatorControl {
    <#
    .SYNOPSIS
    Calls the emulator's control API (/emulator/...), JSON in and out.
    .EXAMPLE
    Invoke-EmulatorControl -Emulator $emulator -Method Patch -Path 'emulator/settings' -Body @{ validationDelayMs = 0 }
    #>
    [CmdletBinding()]
    param(
        [Parameter(Mandatory)] [object] $Emulator,
        [ValidateSet('Get', 'Post', 'Patch', 'Delete')] [string] $Method = 'Get',
        [Parameter(Mandatory)] [string] $Path,
        [object] $Body
    )

    $request = @{
        Method = $Method
        Uri    = "$($Emulator.BaseUri)/$($Path.TrimStart('/'))"
    }
    if ($PSBoundParameters.ContainsKey('Body')) {
        $request.Body = ConvertTo-Json -InputObject $Body -Depth 20 -Compress
        $request.ContentType = 'application/json'
    }
    $response = Invoke-RestMethod @request
    # Invoke-RestMethod passes a JSON array on as one object; emitting it from a variable enumerates it, so
    # @(Invoke-EmulatorControl ...) is a list of entries, and an empty answer (204) yields nothing.
    if ($null -eq $response -or ($response -is [string] -and $response -eq '')) { return }
    $response
}

function Read-ReadyFile([string] $Path) {
    # The emulator writes its base URL to the ready file atomically once it listens; an unreadable or empty file
    # only means 'not yet'.
    try { $text = [System.IO.File]::ReadAllText($Path).Trim() } catch { return $null }
    if (-not $text) { return $null }
    $uri = $null
    if (-not [Uri]::TryCreate($text, [UriKind]::Absolute, [ref]$uri) -or $uri.Scheme -notin 'http', 'https') {
        throw "The emulator's ready file '$Path' does not hold an http address: $text"
    }
    $uri.AbsoluteUri.TrimEnd('/')
}

function Get-EmulatorLogTail([object] $Emulator) {
    $lines = foreach ($name in 'stdout.log', 'stderr.log') {
        $log = Join-Path $Emulator.WorkDirectory $name
        if (Test-Path -LiteralPath $log) { Get-Content -LiteralPath $log -Tail 20 }
    }
    if ($lines) { "`nEmulator output:`n" + ($lines -join "`n") } else { '' }
}

function Get-DotnetPath {
    $command = Get-Command -Name dotnet -CommandType Application -ErrorAction SilentlyContinue | Select-Object -First 1
    if ($command) { return $command.Source }
    # 'dotnet pwsh' runs PowerShell inside the dotnet host, which names itself here even when dotnet is off PATH.
    if ($env:DOTNET_HOST_PATH) { return $env:DOTNET_HOST_PATH }
    throw 'dotnet was not found on PATH.'
}

function Join-CommandLine([string[]] $Arguments) {
    # Start-Process takes one command line; quoting each argument keeps paths with spaces (Windows temp folders) whole.
    ($Arguments | ForEach-Object {
            if ($_ -match '[\s"]' -or $_ -eq '') { '"' + ($_ -replace '(\\*)"', '$1$1\"' -replace '(\\+)$', '$1$1') + '"' } else { $_ }
        }) -join ' '
}

Export-ModuleMember -Function Start-EmulatorProcess, Stop-EmulatorProcess, Invoke-EmulatorControl
