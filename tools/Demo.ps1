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

function Start-DemoListener([string] $ModulePath, [string] $JournalPath, [string] $AuditFolder) {
    # A free loopback port: bind to port 0, read what the system gave, release it for the listener.
    $probe = [System.Net.Sockets.TcpListener]::new([System.Net.IPAddress]::Loopback, 0)
    $probe.Start()
    $port = $probe.LocalEndpoint.Port
    $probe.Stop()
    # The webhook secret is generated per run; Genesys requires more than 15 characters.
    $plain = 'demo-' + [guid]::NewGuid().ToString('N')
    $secret = ConvertTo-SecureString $plain -AsPlainText -Force
    $prefix = "http://127.0.0.1:$port/genesys/"
    # The listener runs until stopped, so it gets a PowerShell of its own beside the demo's pipeline.
    $shell = [powershell]::Create()
    $null = $shell.AddScript({
            param($module, $prefix, $secret, $journal, $audit)
            Import-Module $module
            Start-GcWebhookListener -Prefix $prefix -Secret $secret -JournalPath $journal -AuditLogPath $audit
        }).AddArgument($ModulePath).AddArgument($prefix).AddArgument($secret).AddArgument($JournalPath).AddArgument($AuditFolder)
    $output = [System.Management.Automation.PSDataCollection[psobject]]::new()
    $running = $shell.BeginInvoke([System.Management.Automation.PSDataCollection[psobject]]::new(), $output)
    # Ready once the port answers.
    $deadline = [DateTime]::UtcNow.AddSeconds(15)
    while ([DateTime]::UtcNow -lt $deadline) {
        try {
            $client = [System.Net.Sockets.TcpClient]::new('127.0.0.1', $port)
            $client.Dispose()
            break
        }
        catch { Start-Sleep -Milliseconds 100 }
    }
    [pscustomobject]@{ Shell = $shell; Running = $running; Output = $output; Prefix = $prefix; PlainSecret = $plain; Stopped = $false }
}

function Stop-DemoListener([object] $Listener) {
    if ($Listener.Stopped) { return }
    $Listener.Stopped = $true
    $Listener.Shell.Stop()
    $results = @($Listener.Output)
    $Listener.Shell.Dispose()
    $results
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
    # A journal of its own: with the per-user one, a second demo would find the files delivered and send nothing.
    $journalPath = Join-Path $WorkPath 'journal.db'
    Connect-GcCloud -BaseUri $emulator.BaseUri -ClientId $emulator.ClientId -ClientSecret $emulator.ClientSecret -AuditLogPath $auditFolder -JournalPath $journalPath

    # The Open Messaging integration's outbound webhook points at a listener of ours, which verifies each signed
    # callback and queues its attachment for the document-management store.
    $listener = Start-DemoListener -ModulePath $ModulePath -JournalPath $journalPath -AuditFolder $auditFolder
    Invoke-EmulatorControl -Emulator $emulator -Method Post -Path 'emulator/integrations/open' -Body @{
        outboundNotificationWebhookUrl                  = $listener.Prefix
        outboundNotificationWebhookSignatureSecretToken = $listener.PlainSecret
        retryDelayMs                                    = 500
    } | Out-Null
    Write-Host "Webhook listener on $($listener.Prefix) (Open Messaging signatures)"
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

    # Genesys answers each delivery with a signed callback announcing the attachment; wait until the listener has
    # acknowledged one per delivered file, then archive everything queued into the local DMS folder. A callback about
    # a file this module sent is that transfer's document, so each delivered file is archived exactly once.
    $deliveredCount = @($rows | Where-Object Outcome -eq 'Delivered').Count
    $deadline = [DateTime]::UtcNow.AddSeconds(30)
    do {
        Start-Sleep -Milliseconds 200
        $callbacks = @(Invoke-EmulatorControl -Emulator $emulator -Path 'emulator/integrations/open/deliveries' | ForEach-Object { $_ } | Where-Object state -eq 'delivered')
    } while ($callbacks.Count -lt $deliveredCount -and [DateTime]::UtcNow -lt $deadline)
    $received = Stop-DemoListener -Listener $listener
    Write-Host ("Callbacks: {0} received and verified, {1} accepted" -f @($received).Count, @($received | Where-Object Accepted).Count)

    $dms = Join-Path $WorkPath 'dms'
    # The emulator serves attachments from loopback, which Sync downloads from only when told so explicitly.
    $archived = @(Sync-GcFileTransferDocument -Destination $dms -JournalPath $journalPath -AuditLogPath $auditFolder -AllowedDownloadHost 127.0.0.1)
    Write-Host "Archived into the document-management folder $dms`:"
    $archived | Sort-Object Kind, FileName | Format-Table Kind, FileName, DocumentKey, Length | Out-String -Width 160 | Write-Host
    $again = @(Sync-GcFileTransferDocument -Destination $dms -JournalPath $journalPath -AuditLogPath $auditFolder -AllowedDownloadHost 127.0.0.1)
    $documentsOnDisk = @(Get-ChildItem -LiteralPath $dms -Recurse -File | Where-Object Name -notlike '*.metadata.json')
    Write-Host "A second sync archived $($again.Count) more; the folder holds $($documentsOnDisk.Count) documents, each with a .metadata.json sidecar."

    # Genesys does not scan message media for malware; the module does, with ClamAV's daemon, before anything is sent.
    Write-Host ''
    if ((Get-Command clamd -ErrorAction Ignore) -or (Test-Path -LiteralPath '/usr/sbin/clamd')) {
        Import-Module (Join-Path $PSScriptRoot 'ClamdProcess.psm1') -Force
        $clamd = Start-ClamdProcess
        try {
            Connect-GcCloud -BaseUri $emulator.BaseUri -ClientId $emulator.ClientId -ClientSecret $emulator.ClientSecret -AuditLogPath $auditFolder -NoJournal -MalwareScanner $clamd.Address
            $scanned = Get-ChildItem -LiteralPath $outbox -File | Where-Object Name -in 'scan-test.txt', 'case-notes.txt' |
                Send-GcFile @send -ErrorVariable scanProblems
            Write-Host "Malware scan by clamd ($($clamd.Address)) before sending:"
            foreach ($t in @($scanned)) { Write-Host ("  {0}: {1}" -f $t.FileName, ($t.History | Where-Object Event -like 'malware-*' | Select-Object -Last 1 | ForEach-Object { "$($_.Event) ($($_.Detail))" })) }
            foreach ($p in @($scanProblems)) { Write-Host ("  {0}: {1}: {2}" -f (Split-Path $p.TargetObject -Leaf), $p.FullyQualifiedErrorId.Split(',')[0], $p.Exception.Message) }
            $refusedByScan = @($scanProblems | Where-Object { $_.FullyQualifiedErrorId -like 'FileInfected*' -and (Split-Path $_.TargetObject -Leaf) -eq 'scan-test.txt' }).Count -eq 1
        }
        finally { Stop-ClamdProcess $clamd }
    }
    else {
        Write-Host "Malware scanning: clamd (ClamAV's daemon) is not installed, so no scan verdict is shown. Install it (Debian: 'sudo apt-get install clamav-daemon'; Windows: ClamAV for Windows) and connect with 'Connect-GcCloud ... -MalwareScanner tcp://127.0.0.1:3310' to scan every file before it is sent." -ForegroundColor Yellow
    }

    Disconnect-GcCloud
    $unexpected = @($rows | Where-Object { $_.Outcome -ne $_.Expected })
    if ($unexpected) {
        Write-Host "Unexpected outcome for: $($unexpected.File -join ', ')" -ForegroundColor Red
        exit 1
    }
    $acceptedCallbacks = @($received | Where-Object Accepted).Count
    if ($archived.Count -ne $deliveredCount -or $documentsOnDisk.Count -ne $deliveredCount -or $acceptedCallbacks -ne $deliveredCount -or $again.Count -ne 0) {
        Write-Host "Expected $deliveredCount accepted callbacks, $deliveredCount archived documents (one per delivered file) and nothing on the second sync; got $acceptedCallbacks, $($archived.Count) and $($again.Count)." -ForegroundColor Red
        exit 1
    }
    # Who refused the test file: Genesys in the run without a scanner, clamd on this machine in the run with one.
    $scanLine = if (-not (Get-Variable -Name clamd -ErrorAction Ignore)) { '' }
    elseif ($refusedByScan) { ' With clamd scanning, the same test file was refused on this machine (FileInfected) before anything was sent.' }
    else {
        Write-Host 'clamd ran, but it did not refuse scan-test.txt (the EICAR test file) as FileInfected.' -ForegroundColor Red
        exit 1
    }
    Write-Host ('Every file ended as expected: 4 delivered, 1 refused by local validation, 1 rejected by Genesys (sent without a local scan); every delivered file archived exactly once, its callback recognized as the same document.' + $scanLine) -ForegroundColor Green
}
finally {
    if (Get-Variable -Name listener -ErrorAction SilentlyContinue) { $null = Stop-DemoListener -Listener $listener }
    Stop-EmulatorProcess -Emulator $emulator
}
