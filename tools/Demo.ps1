<#
.SYNOPSIS
The main job: sends a folder of sample files through the whole lifecycle against the local Genesys Cloud emulator.
.DESCRIPTION
Starts the emulator, connects with OAuth client credentials, writes six sample files (a PDF, a PNG, a JPEG and a
text file that should be delivered, an executable disguised as a PDF that local validation must refuse, and a text
file carrying the EICAR test signature that Genesys' validation must mark invalid), sends them all with one
pipeline, prints what happened to each and where the audit log is.
Exit code 0 when every file ended as expected, 1 otherwise.
.EXAMPLE
dotnet pwsh -NoProfile -File tools/Demo.ps1 -ModulePath out/GenesysFileTransfer/GenesysFileTransfer.psd1 -EmulatorPath out/emulator/GenesysFileTransfer.Emulator.dll
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)] [string] $ModulePath,
    [Parameter(Mandatory)] [string] $EmulatorPath,
    # Where the sample files and the audit log go; wiped at the start.
    [string] $WorkPath = (Join-Path (Split-Path $ModulePath -Parent | Split-Path -Parent) 'demo')
)

Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'

Import-Module (Join-Path $PSScriptRoot 'EmulatorProcess.psm1') -Force
Import-Module $ModulePath -Force

function Write-SampleFiles([string] $Folder) {
    $null = New-Item -ItemType Directory -Path $Folder -Force
    $ascii = [System.Text.Encoding]::ASCII
    # Small but real-looking files: the first bytes are what both local validation and Genesys look at.
    [System.IO.File]::WriteAllBytes((Join-Path $Folder 'invoice-2026-118.pdf'), $ascii.GetBytes("%PDF-1.4`n1 0 obj<</Type/Catalog>>endobj`ntrailer<</Root 1 0 R>>`n%%EOF`n"))
    [System.IO.File]::WriteAllBytes((Join-Path $Folder 'network-diagram.png'), [Convert]::FromBase64String('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAADElEQVR4nGP438AAAAQBAYDFKhhdAAAAAElFTkSuQmCC'))
    [System.IO.File]::WriteAllBytes((Join-Path $Folder 'signed-form.jpg'), [byte[]](@(0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10) + $ascii.GetBytes('JFIF') + @(0x00, 0x01, 0x01, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00) + (, 0x20 * 64) + @(0xFF, 0xD9)))
    [System.IO.File]::WriteAllText((Join-Path $Folder 'case-notes.txt'), "Customer confirmed the replacement address.`nDélai de livraison : 3 jours.`n", [System.Text.UTF8Encoding]::new($false))
    # An executable renamed to look like a document: local validation refuses it before anything is sent.
    [System.IO.File]::WriteAllBytes((Join-Path $Folder 'refund-form.pdf'), [byte[]](@(0x4D, 0x5A, 0x90, 0x00, 0x03, 0x00, 0x00, 0x00) + (, 0x00 * 56)))
    # The standard antivirus test string: valid text locally, marked invalid by the emulator's validation.
    [System.IO.File]::WriteAllText((Join-Path $Folder 'scan-test.txt'), 'X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*', $ascii)
}

$expected = [ordered]@{
    'invoice-2026-118.pdf' = 'Delivered'
    'network-diagram.png'  = 'Delivered'
    'signed-form.jpg'      = 'Delivered'
    'case-notes.txt'       = 'Delivered'
    'refund-form.pdf'      = 'Refused locally'
    'scan-test.txt'        = 'Rejected by Genesys'
}

Remove-Item -LiteralPath $WorkPath -Recurse -Force -ErrorAction SilentlyContinue
$outbox = Join-Path $WorkPath 'outbox'
$auditFolder = Join-Path $WorkPath 'audit'
Write-SampleFiles -Folder $outbox

$emulator = Start-EmulatorProcess -EmulatorPath $EmulatorPath
try {
    Write-Host "Genesys Cloud emulator listening on $($emulator.BaseUri)"
    Connect-GcCloud -BaseUri $emulator.BaseUri -ClientId $emulator.ClientId -ClientSecret $emulator.ClientSecret -AuditLogPath $auditFolder
    $connection = Get-GcConnection
    Write-Host "Connected as '$($connection.ClientId)'; token valid until $($connection.TokenExpiresAt.ToString('u'))"

    $send = @{
        ConversationId         = $emulator.ConversationId
        CommunicationId        = $emulator.CommunicationId
        StorageBucketReference = '3f2504e0-4f89-41d3-9a0c-0305e82c3301'
        RetentionDays          = 90
        EncryptionStandard     = 'AES-256'
        Deliver                = $true
        ErrorVariable          = 'problems'
        ErrorAction            = 'SilentlyContinue'
    }
    $watch = [System.Diagnostics.Stopwatch]::StartNew()
    $delivered = @(Get-ChildItem -LiteralPath $outbox -File | Send-GcFile @send)
    $watch.Stop()

    $rows = foreach ($name in $expected.Keys) {
        $transfer = $delivered | Where-Object FileName -eq $name
        $problem = $problems | Where-Object {
            ($_.TargetObject -is [string] -and (Split-Path $_.TargetObject -Leaf) -eq $name) -or
            ($_.TargetObject -isnot [string] -and $_.TargetObject.FileName -eq $name)
        } | Select-Object -First 1
        $outcome = if ($transfer) { 'Delivered' }
        elseif ($problem -and $problem.FullyQualifiedErrorId -like 'FileValidationFailed*') { 'Refused locally' }
        elseif ($problem -and $problem.FullyQualifiedErrorId -like 'FileRejectedByGenesys*') { 'Rejected by Genesys' }
        else { 'Unexpected' }
        [pscustomobject]@{
            File       = $name
            Outcome    = $outcome
            Expected   = $expected[$name]
            TransferId = if ($transfer) { $transfer.TransferId } elseif ($problem -and $problem.TargetObject -isnot [string]) { $problem.TargetObject.TransferId } else { '' }
            MediaId    = if ($transfer) { $transfer.MediaId } elseif ($problem -and $problem.TargetObject -isnot [string]) { $problem.TargetObject.MediaId } else { '' }
            Detail     = if ($problem) { $problem.FullyQualifiedErrorId.Split(',')[0] + ': ' + $problem.Exception.Message } else { "message $($transfer.MessageId)" }
        }
    }

    Write-Host ''
    Write-Host ("Sent {0} files in {1:0.00} s:" -f $expected.Count, $watch.Elapsed.TotalSeconds)
    $rows | Format-Table File, Outcome, MediaId, Detail -Wrap | Out-String -Width 160 | Write-Host

    $auditFile = $connection.Audit.CurrentFile
    $records = @(Get-Content -LiteralPath $auditFile | ForEach-Object { $_ | ConvertFrom-Json })
    Write-Host "Audit log: $auditFile ($($records.Count) records)"
    $records | Group-Object operation | Sort-Object Name | ForEach-Object {
        $latencies = @($_.Group | Where-Object { $_.PSObject.Properties['latencyMs'] } | ForEach-Object latencyMs)
        [pscustomobject]@{
            Step            = $_.Name
            Records         = $_.Count
            'Median ms'     = if ($latencies) { [math]::Round((@($latencies | Sort-Object))[[int][math]::Floor($latencies.Count / 2)], 1) } else { '' }
        }
    } | Format-Table | Out-String | Write-Host

    Disconnect-GcCloud
    $unexpected = @($rows | Where-Object { $_.Outcome -ne $_.Expected })
    if ($unexpected) {
        Write-Host "Unexpected outcome for: $($unexpected.File -join ', ')" -ForegroundColor Red
        exit 1
    }
    Write-Host 'Every file ended as expected: 4 delivered, 1 refused by local validation, 1 rejected by Genesys.' -ForegroundColor Green
}
finally {
    Stop-EmulatorProcess -Emulator $emulator
}
