# Azurite, Microsoft's Azure Storage emulator (tests/peers, installed by 'build.ps1 -Task TestPeers'), for the Pester
# tests: its blob service on 127.0.0.1 at a port the OS picks, with its own temporary folder; stopped (and restarted on
# the same port with the same data) as a service would be. A missing peer is an error that says how to install it.

Set-StrictMode -Version Latest

$script:PeersFolder = Join-Path (Split-Path $PSScriptRoot -Parent) 'peers'

# Azurite's development account: its name and key are published by Microsoft for the emulator; nothing secret.
$script:AccountName = 'devstoreaccount1'
$script:AccountKey = 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=='

function Start-Azurite {
    <#
    .SYNOPSIS
    Starts Azurite's blob service and returns Process, Port, ServiceUri, Folder, AccountName, AccountKey and ConnectionString.
    .PARAMETER Port
    0 for a port the OS picks; the port of an earlier instance to restart it there.
    .PARAMETER Folder
    Where Azurite keeps its data; a new temporary folder when empty.
    #>
    [CmdletBinding()]
    param([int] $Port = 0, [string] $Folder)

    $script_ = Join-Path $script:PeersFolder 'node_modules/azurite/dist/src/blob/main.js'
    $install = "Install the test peers with 'dotnet pwsh -NoProfile -File build.ps1 -Task TestPeers'."
    if (-not (Test-Path -LiteralPath $script_)) { throw "The Azurite test peer is not installed: '$script_' is missing. $install" }
    $node = Get-Command node -CommandType Application -ErrorAction Ignore | Select-Object -First 1
    if (-not $node) { throw "Node.js ('node') is not on PATH, so the Azurite test peer cannot run. $install" }
    if (-not $Folder) { $Folder = Join-Path ([System.IO.Path]::GetTempPath()) ('gft-azurite-' + [guid]::NewGuid().ToString('N')) }
    $null = New-Item -ItemType Directory -Path (Join-Path $Folder 'data') -Force
    $log = Join-Path $Folder ("stdout-{0}.log" -f [guid]::NewGuid().ToString('N'))
    # --loose and --skipApiVersionCheck: the SDK speaks a newer service version than Azurite knows; --disableTelemetry:
    # Azurite reports usage to Microsoft unless told not to.
    $arguments = @($script_, '--blobHost', '127.0.0.1', '--blobPort', "$Port", '--location', (Join-Path $Folder 'data'),
        '--silent', '--loose', '--skipApiVersionCheck', '--disableProductStyleUrl', '--disableTelemetry') | ForEach-Object { '"{0}"' -f $_ }
    $process = Start-Process -FilePath $node.Source -ArgumentList ($arguments -join ' ') -PassThru -NoNewWindow `
        -RedirectStandardOutput $log -RedirectStandardError "$log.err"
    $deadline = [DateTime]::UtcNow.AddSeconds(30)
    while ($true) {
        $listening = if (Test-Path -LiteralPath $log) { Select-String -LiteralPath $log -Pattern 'listens on http://127\.0\.0\.1:(\d+)' } else { $null }
        if ($listening) { $Port = [int]$listening.Matches[0].Groups[1].Value; break }
        if ($process.HasExited -or [DateTime]::UtcNow -gt $deadline) {
            $output = Get-Content -Path $log, "$log.err" -Raw -ErrorAction Ignore
            if (-not $process.HasExited) { $process.Kill($true) }
            throw "Azurite did not start (exit code $(if ($process.HasExited) { $process.ExitCode } else { 'none yet' })): $output"
        }
        Start-Sleep -Milliseconds 100
    }
    $serviceUri = "http://127.0.0.1:$Port/$script:AccountName"
    [pscustomobject]@{
        Process          = $process
        Port             = $Port
        ServiceUri       = $serviceUri
        Folder           = $Folder
        AccountName      = $script:AccountName
        AccountKey       = $script:AccountKey
        ConnectionString = "DefaultEndpointsProtocol=http;AccountName=$script:AccountName;AccountKey=$script:AccountKey;BlobEndpoint=$serviceUri;"
    }
}

function Stop-Azurite {
    <#
    .SYNOPSIS
    Stops Azurite as a service stop would (an interrupt, so it saves its index), killing it if it does not go;
    -RemoveData also deletes its folder.
    #>
    [CmdletBinding()]
    param([AllowNull()] [object] $Azurite, [switch] $RemoveData)

    if (-not $Azurite) { return }
    $process = $Azurite.Process
    if ($process -and -not $process.HasExited) {
        if (-not $IsWindows) {
            $interrupt = Start-Process -FilePath kill -ArgumentList @('-INT', "$($process.Id)") -PassThru -NoNewWindow
            $interrupt.WaitForExit()
            $null = $process.WaitForExit(10000)
        }
        if (-not $process.HasExited) { $process.Kill($true); $null = $process.WaitForExit(10000) }
    }
    if ($RemoveData -and (Test-Path -LiteralPath $Azurite.Folder)) { Remove-Item -LiteralPath $Azurite.Folder -Recurse -Force -ErrorAction Ignore }
}

function Get-AzuriteClient {
    <#
    .SYNOPSIS
    A BlobServiceClient of Azurite's development account, for preparing and reading back blobs apart from the module.
    .DESCRIPTION
    The Azure SDK the staged module ships, from the module's own load context (it is not in the default one).
    #>
    [CmdletBinding()]
    param([Parameter(Mandatory)] [object] $Azurite)

    $engine = 'GenesysFileTransfer.Engine.Documents.AzureBlobDocumentSink' -as [type]
    if (-not $engine) { throw 'Import the GenesysFileTransfer module first: the Azure SDK is read from its load context.' }
    $context = [System.Runtime.Loader.AssemblyLoadContext]::GetLoadContext($engine.Assembly)
    $blobs = $context.LoadFromAssemblyName([System.Reflection.AssemblyName]::new('Azure.Storage.Blobs'))
    [Activator]::CreateInstance($blobs.GetType('Azure.Storage.Blobs.BlobServiceClient', $true), [object[]]@($Azurite.ConnectionString))
}

Export-ModuleMember -Function Start-Azurite, Stop-Azurite, Get-AzuriteClient
