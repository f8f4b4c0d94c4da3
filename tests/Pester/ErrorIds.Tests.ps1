# Documented error ids no other test raised, each provoked the way a user meets it and matched as the literal a
# script filters on (the part of FullyQualifiedErrorId before the comma), with its category and target: a second
# process that holds a file or moves it on while this one is paused (two real processes), a staging folder that cannot
# be made. UnexpectedError, the catch-all for bugs that nothing provokes on purpose, through the mapping the cmdlets use.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module $env:GFT_MODULE_PATH -Force
    $emulator = Start-TestEmulator
    $null = Invoke-EmulatorControl -Emulator $emulator -Method Patch -Path 'emulator/settings' -Body @{ validationDelayMs = 0 }
    $send = @{ ConversationId = $emulator.ConversationId; CommunicationId = $emulator.CommunicationId; StorageBucketReference = '3f2504e0-4f89-41d3-9a0c-0305e82c3301'; RetentionDays = 30 }
    $script:size = 7000

    function New-DeliveredJournal([string] $Name) {
        # A journal holding one delivered transfer, so its document waits in the outbox.
        $journalPath = Join-Path $TestDrive "$Name/journal.db"
        $script:size++
        $file = New-TestFile -Kind Pdf -Path (Join-Path $TestDrive "$Name/source/$Name.pdf") -SizeBytes $script:size
        Connect-GcCloud -BaseUri $emulator.BaseUri -ClientId $emulator.ClientId -ClientSecret $emulator.ClientSecret -NoAuditLog -JournalPath $journalPath
        try { $transfer = Send-GcFile -LiteralPath $file.FullName @send -Deliver } finally { Disconnect-GcCloud }
        [pscustomobject]@{ JournalPath = $journalPath; File = $file; Transfer = $transfer; Key = "transfer/$($transfer.TransferId)" }
    }

    # A second process working the same journal: it sends a file (Send-GcFile -Deliver) or waits for a transfer's
    # validation (Wait-GcFileTransferScan -TransferId), and writes the error records it got as JSON.
    $children = [System.Collections.Generic.List[System.Diagnostics.Process]]::new()
    $childScript = Join-Path $TestDrive 'lease-child.ps1'
    Set-Content -LiteralPath $childScript -Value @'
param([string] $ModulePath, [string] $BaseUri, [string] $JournalPath, [string] $ResultPath, [string] $Mode, [string] $Path, [string] $TransferId,
    [string] $ConversationId, [string] $CommunicationId, [int] $LeaseSec = 120)
$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'
Import-Module $ModulePath
$secret = ConvertTo-SecureString 'emulator-secret-0123456789' -AsPlainText -Force
Connect-GcCloud -BaseUri $BaseUri -ClientId emulator-client -ClientSecret $secret -JournalPath $JournalPath -NoAuditLog -TransferLeaseSec $LeaseSec -InformationAction Ignore
$failures = @()
$done = switch ($Mode) {
    'Send' { @(Send-GcFile -LiteralPath $Path -ConversationId $ConversationId -CommunicationId $CommunicationId -StorageBucketReference 3f2504e0-4f89-41d3-9a0c-0305e82c3301 -RetentionDays 30 -Deliver -InformationAction Ignore -ErrorAction SilentlyContinue -ErrorVariable +failures) }
    'Wait' { @(Wait-GcFileTransferScan -TransferId $TransferId -TimeoutSec 600 -ErrorAction SilentlyContinue -ErrorVariable +failures) }
}
$report = [pscustomobject]@{
    Statuses = @($done | ForEach-Object { "$($_.Status)" })
    Errors   = @($failures | ForEach-Object {
            [pscustomobject]@{
                Id = $_.FullyQualifiedErrorId; Category = "$($_.CategoryInfo.Category)"; TargetType = $(if ($null -ne $_.TargetObject) { $_.TargetObject.GetType().FullName })
                TargetTransferId = "$($_.TargetObject.TransferId)"; Message = "$_"
            } })
}
ConvertTo-Json -InputObject $report -Depth 4 | Set-Content -LiteralPath $ResultPath
Disconnect-GcCloud
'@

    function Start-LeaseChild([hashtable] $Parameters) {
        # 'dotnet pwsh' runs pwsh.dll inside the dotnet host: the process started here is the one that holds the lease.
        $executable = [System.Diagnostics.Process]::GetCurrentProcess().MainModule.FileName
        $start = [System.Diagnostics.ProcessStartInfo]::new($executable)
        if ([System.IO.Path]::GetFileNameWithoutExtension($executable) -eq 'dotnet') { $start.ArgumentList.Add((Join-Path $PSHOME 'pwsh.dll')) }
        foreach ($argument in @('-NoProfile', '-NonInteractive', '-File', $childScript)) { $start.ArgumentList.Add($argument) }
        $all = @{ ModulePath = $env:GFT_MODULE_PATH; BaseUri = "$($emulator.BaseUri)"; ConversationId = $emulator.ConversationId; CommunicationId = $emulator.CommunicationId } + $Parameters
        foreach ($name in $all.Keys) { $start.ArgumentList.Add("-$name"); $start.ArgumentList.Add("$($all[$name])") }
        $start.UseShellExecute = $false
        $start.RedirectStandardOutput = $true
        $start.RedirectStandardError = $true
        $process = [System.Diagnostics.Process]::Start($start)
        $children.Add($process)
        [pscustomobject]@{ Process = $process; ResultPath = $Parameters.ResultPath; Output = $process.StandardOutput.ReadToEndAsync(); Errors = $process.StandardError.ReadToEndAsync() }
    }

    function Wait-LeaseChild([object] $Child) {
        # A guard against a hang, not a promise about time.
        if (-not $Child.Process.WaitForExit(180000)) { $Child.Process.Kill($true); throw "The child PowerShell $($Child.Process.Id) did not finish." }
        $Child.Process.WaitForExit()
        $report = if (Test-Path -LiteralPath $Child.ResultPath) { Get-Content -LiteralPath $Child.ResultPath -Raw | ConvertFrom-Json }
        [pscustomobject]@{ Report = $report; Log = "exit $($Child.Process.ExitCode); stderr: $($Child.Errors.Result); stdout: $($Child.Output.Result)" }
    }

    function Wait-InFlight([string] $Route, [object] $Child) {
        # Until the child's request on the route is held by the emulator (a 'hang' fault): the child holds its lease then.
        $deadline = [DateTime]::UtcNow.AddSeconds(90)
        while ($true) {
            $stats = (Invoke-EmulatorControl -Emulator $emulator -Path 'emulator/stats').routes.PSObject.Properties[$Route]
            if ($stats -and $stats.Value.inFlight -ge 1) { return }
            if ($Child.Process.HasExited -or [DateTime]::UtcNow -gt $deadline) { throw "No $Route request of the child was in flight: $((Wait-LeaseChild $Child).Log)" }
            Start-Sleep -Milliseconds 100
        }
    }

    function Get-RequestCount([string] $Route) {
        # Requests the emulator received on the route since its stats were reset, those still held included.
        $stats = (Invoke-EmulatorControl -Emulator $emulator -Path 'emulator/stats').routes.PSObject.Properties[$Route]
        if ($stats) { $stats.Value.requests } else { 0 }
    }
}

AfterAll {
    foreach ($process in $children) {
        try {
            if (-not $process.HasExited) {
                if (-not $IsWindows) { & kill -s CONT $process.Id 2>$null }
                $process.Kill($true); $null = $process.WaitForExit(5000)
            }
        }
        catch { Write-Warning "Could not stop child $($process.Id): $_" }
    }
    Disconnect-GcCloud -ErrorAction SilentlyContinue
    Stop-TestEmulator -Emulator $emulator
}

Describe 'Outbox administration and audit reading' {
    It 'refuses an abandon whose -Reason is only spaces with AbandonReasonMissing, and the document stays pending' {
        $pending = New-DeliveredJournal 'abandon'

        Skip-GcFileTransferDocument -DocumentKey $pending.Key -Reason '   ' -JournalPath $pending.JournalPath -Confirm:$false -ErrorVariable problems -ErrorAction SilentlyContinue

        @($problems | Where-Object { $_.FullyQualifiedErrorId -like 'AbandonReasonMissing,*' }).Count | Should -Be 1
        "$((Get-GcFileTransferDocument -DocumentKey $pending.Key -JournalPath $pending.JournalPath).State)" | Should -Be 'Pending'
    }

    It 'stops Get-GcAuditRecord with AuditStoreUnavailable when no PostgreSQL journal keeps audit records' {
        $saved = $env:GENESYS_JOURNAL_CONNECTION
        $env:GENESYS_JOURNAL_CONNECTION = $null
        try {
            { Get-GcAuditRecord -ErrorAction Stop } | Should -Throw -ErrorId 'AuditStoreUnavailable,GenesysFileTransfer.Commands.GetGcAuditRecordCommand'
        }
        finally { $env:GENESYS_JOURNAL_CONNECTION = $saved }
    }

    It 'stops Start-GcWebhookListener with WebhookListenerFailed for a prefix that is not http(s)://host:port/path/' {
        $secret = ConvertTo-SecureString 'pester-open-messaging-secret-0123' -AsPlainText -Force
        { Start-GcWebhookListener -Prefix 'genesys-callbacks' -Secret $secret -JournalPath (Join-Path $TestDrive 'listener.db') -AuditLogPath (Join-Path $TestDrive 'listener-audit') -ErrorAction Stop } |
            Should -Throw -ErrorId 'WebhookListenerFailed,GenesysFileTransfer.Commands.StartGcWebhookListenerCommand'
    }
}

Describe 'Sync-GcFileTransferDocument errors, one per document' {
    It 'reports DocumentSidecarDamaged for an unreadable sidecar in the folder, and leaves it alone' {
        $pending = New-DeliveredJournal 'sidecar'
        $destination = Join-Path $TestDrive 'sidecar/dms'
        $folder = New-Item -ItemType Directory -Path (Join-Path $destination $pending.Key) -Force
        $sidecar = Join-Path $folder "$($pending.File.Name).metadata.json"
        Set-Content -LiteralPath $sidecar -Value '{ this is not json'

        $archived = Sync-GcFileTransferDocument -Destination $destination -JournalPath $pending.JournalPath -AuditLogPath (Join-Path $TestDrive 'sidecar/audit') -ErrorVariable problems -ErrorAction SilentlyContinue

        $archived | Should -BeNullOrEmpty
        $problems[0].FullyQualifiedErrorId | Should -BeLike 'DocumentSidecarDamaged,*'
        "$($problems[0].TargetObject)" | Should -Be $pending.Key
        Get-Content -LiteralPath $sidecar -Raw | Should -Match 'this is not json'
        "$((Get-GcFileTransferDocument -DocumentKey $pending.Key -JournalPath $pending.JournalPath).State)" | Should -Be 'Pending'
    }

    It 'reports DocumentSourceUnreadable for a local file another process holds locked, and keeps the document pending' {
        $pending = New-DeliveredJournal 'locked'
        $lock = [System.IO.File]::Open($pending.File.FullName, 'Open', 'ReadWrite', 'None')
        try {
            $archived = Sync-GcFileTransferDocument -Destination (Join-Path $TestDrive 'locked/dms') -JournalPath $pending.JournalPath -AuditLogPath (Join-Path $TestDrive 'locked/audit') -ErrorVariable problems -ErrorAction SilentlyContinue
        }
        finally { $lock.Dispose() }

        $archived | Should -BeNullOrEmpty
        $problems[0].FullyQualifiedErrorId | Should -BeLike 'DocumentSourceUnreadable,*'
        $document = Get-GcFileTransferDocument -DocumentKey $pending.Key -JournalPath $pending.JournalPath
        "$($document.State)" | Should -Be 'Pending'
        $document.LastError | Should -BeLike 'DocumentSourceUnreadable:*'
    }

    It 'reports DocumentArchiveFailed when the staging folder beside the journal cannot be made, and keeps the document pending' {
        $pending = New-DeliveredJournal 'staging'
        # A file where the sync stages each document (document-staging, beside the journal): nothing can be copied there.
        $blocker = Join-Path (Split-Path $pending.JournalPath -Parent) 'document-staging'
        Set-Content -LiteralPath $blocker -Value 'a file, not a folder'

        $archived = Sync-GcFileTransferDocument -Destination (Join-Path $TestDrive 'staging/dms') -JournalPath $pending.JournalPath -AuditLogPath (Join-Path $TestDrive 'staging/audit') -ErrorVariable problems -ErrorAction SilentlyContinue

        $archived | Should -BeNullOrEmpty
        $problems.Count | Should -Be 1
        $problems[0].FullyQualifiedErrorId | Should -Be 'DocumentArchiveFailed,GenesysFileTransfer.Commands.SyncGcFileTransferDocumentCommand'
        $problems[0].CategoryInfo.Category | Should -Be 'InvalidOperation'
        "$($problems[0].TargetObject)" | Should -Be $pending.Key
        $problems[0].Exception.Message | Should -Match 'document-staging'
        Join-Path $TestDrive 'staging/dms/transfer' | Should -Not -Exist
        $document = Get-GcFileTransferDocument -DocumentKey $pending.Key -JournalPath $pending.JournalPath
        "$($document.State)" | Should -Be 'Pending'
        $document.LastError | Should -BeLike 'DocumentArchiveFailed:*'
    }

    It 'reports DocumentSourceRefused for an attachment URL answered 403, and writes nothing' {
        $journalPath = Join-Path $TestDrive 'refused/journal.db'
        $secretText = 'pester-open-messaging-secret-0123'
        $url = [Uri]::new([Uri]"$($emulator.BaseUri)", "/objectstore/attachments/att-403/scan.pdf").AbsoluteUri
        $body = [ordered]@{
            id = 'msg-403'; channel = @{ id = 'integration-403' }; type = 'Text'; direction = 'Outbound'
            content = @(@{ contentType = 'Attachment'; attachment = @{ id = 'att-403'; mediaType = 'File'; url = $url; mime = 'application/pdf'; filename = 'scan.pdf' } })
        } | ConvertTo-Json -Depth 6 -Compress
        $hmac = [System.Security.Cryptography.HMACSHA256]::new([System.Text.Encoding]::UTF8.GetBytes($secretText))
        $signature = 'sha256=' + [Convert]::ToBase64String($hmac.ComputeHash([System.Text.Encoding]::UTF8.GetBytes($body)))
        $received = Receive-GcWebhookEvent -Body $body -Headers @{ 'x-hub-signature-256' = $signature } -Secret (ConvertTo-SecureString $secretText -AsPlainText -Force) -JournalPath $journalPath -AuditLogPath (Join-Path $TestDrive 'refused/audit')
        $received.StatusCode | Should -Be 200 -Because "$($received.Reason): $($received.Detail)"
        $null = Invoke-EmulatorControl -Emulator $emulator -Method Post -Path 'emulator/faults' -Body @{ route = 'objectstore'; method = 'GET'; count = 1; action = 'status'; status = 403 }

        $archived = Sync-GcFileTransferDocument -Destination (Join-Path $TestDrive 'refused/dms') -JournalPath $journalPath -AuditLogPath (Join-Path $TestDrive 'refused/audit') -ErrorVariable problems -ErrorAction SilentlyContinue

        $archived | Should -BeNullOrEmpty
        $problems[0].FullyQualifiedErrorId | Should -BeLike 'DocumentSourceRefused,*'
        "$($problems[0].TargetObject)" | Should -Be 'attachment/integration-403/att-403'
        Join-Path $TestDrive 'refused/dms/attachment' | Should -Not -Exist
    }
}

Describe 'Two processes on one transfer' {
    BeforeEach {
        $null = Invoke-EmulatorControl -Emulator $emulator -Method Delete -Path 'emulator/faults'
        $null = Invoke-EmulatorControl -Emulator $emulator -Method Delete -Path 'emulator/stats'
    }
    AfterEach {
        $null = Invoke-EmulatorControl -Emulator $emulator -Method Delete -Path 'emulator/faults'
        Disconnect-GcCloud -ErrorAction SilentlyContinue
    }

    It 'reports TransferBusy, sending nothing, when another live process holds the file past -TransferLeaseWaitSec' {
        $journalPath = Join-Path $TestDrive 'busy/journal.db'
        $file = New-TestFile -Kind Pdf -Path (Join-Path $TestDrive 'busy/statement.pdf') -SizeBytes 9101
        # The other process's upload is held by the storage host, so it keeps its lease alive (renewing it) meanwhile.
        $null = Invoke-EmulatorControl -Emulator $emulator -Method Post -Path 'emulator/faults' -Body @{ route = 's3'; method = 'PUT'; count = 1; action = 'hang'; hangMs = 120000 }
        $holder = Start-LeaseChild @{ Mode = 'Send'; Path = $file.FullName; JournalPath = $journalPath; ResultPath = (Join-Path $TestDrive 'busy/holder.json') }
        Wait-InFlight 's3' $holder

        Connect-GcCloud -BaseUri $emulator.BaseUri -ClientId $emulator.ClientId -ClientSecret $emulator.ClientSecret -NoAuditLog -JournalPath $journalPath -TransferLeaseWaitSec 1
        $sent = @(Send-GcFile -LiteralPath $file.FullName @send -Deliver -InformationAction Ignore -ErrorVariable problems -ErrorAction SilentlyContinue -SummaryVariable summary)

        $sent.Count | Should -Be 0
        $problems.Count | Should -Be 1
        $problems[0].FullyQualifiedErrorId | Should -Be 'TransferBusy,GenesysFileTransfer.Commands.SendGcFileCommand'
        $problems[0].CategoryInfo.Category | Should -Be 'ResourceBusy'
        $problems[0].TargetObject | Should -Be $file.FullName
        # The message names the process holding the file (host/pid/connection).
        $problems[0].Exception.Message | Should -Match "/$($holder.Process.Id)/"
        $summary.Failed | Should -Be 1
        $summary.Failures[0].ErrorId | Should -Be 'TransferBusy'
        # Only the holder's requests reached Genesys: one media upload created, one upload (still held), no send.
        (Get-RequestCount 'uploads') | Should -Be 1
        (Get-RequestCount 's3') | Should -Be 1
        (Get-RequestCount 'messages') | Should -Be 0
        $holder.Process.Kill($true)
    }

    It 'reports TransferMovedByAnotherProcess from a process that was paused past its lease while another moved the transfer on' -Skip:$IsWindows {
        $journalPath = Join-Path $TestDrive 'moved/journal.db'
        $file = New-TestFile -Kind Pdf -Path (Join-Path $TestDrive 'moved/statement.pdf') -SizeBytes 9201
        Connect-GcCloud -BaseUri $emulator.BaseUri -ClientId $emulator.ClientId -ClientSecret $emulator.ClientSecret -NoAuditLog -JournalPath $journalPath
        $uploaded = Send-GcFile -LiteralPath $file.FullName @send -InformationAction Ignore
        "$($uploaded.Status)" | Should -Be 'Uploaded'
        Disconnect-GcCloud

        # The paused process's first status poll is held by Genesys, so it is mid-step, holding a 5 s lease, when paused.
        $null = Invoke-EmulatorControl -Emulator $emulator -Method Post -Path 'emulator/faults' -Body @{ route = 'media'; method = 'GET'; count = 1; action = 'hang'; hangMs = 10000 }
        $paused = Start-LeaseChild @{ Mode = 'Wait'; TransferId = "$($uploaded.TransferId)"; JournalPath = $journalPath; LeaseSec = 5; ResultPath = (Join-Path $TestDrive 'moved/paused.json') }
        Wait-InFlight 'media' $paused
        & kill -s STOP $paused.Process.Id
        try {
            # This process waits for the paused one's lease to run out, takes the transfer over and moves it to Valid.
            Connect-GcCloud -BaseUri $emulator.BaseUri -ClientId $emulator.ClientId -ClientSecret $emulator.ClientSecret -NoAuditLog -JournalPath $journalPath
            $validated = Wait-GcFileTransferScan -TransferId $uploaded.TransferId
            "$($validated.Status)" | Should -Be 'Valid'
        }
        finally { & kill -s CONT $paused.Process.Id }
        $run = Wait-LeaseChild $paused

        $run.Report.Statuses | Should -BeNullOrEmpty -Because $run.Log
        @($run.Report.Errors).Count | Should -Be 1 -Because $run.Log
        $run.Report.Errors[0].Id | Should -Be 'TransferMovedByAnotherProcess,GenesysFileTransfer.Commands.WaitGcFileTransferScanCommand'
        $run.Report.Errors[0].Category | Should -Be 'ResourceBusy'
        $run.Report.Errors[0].TargetType | Should -Be 'GenesysFileTransfer.Engine.Transfers.FileTransfer'
        $run.Report.Errors[0].TargetTransferId | Should -Be "$($uploaded.TransferId)"
        # The resumed process changed nothing: the transfer is Valid once, as this process recorded it.
        $journaled = Get-GcFileTransfer -TransferId $uploaded.TransferId -JournalPath $journalPath
        "$($journaled.Status)" | Should -Be 'Valid'
        @($journaled.History | Where-Object Event -EQ 'valid').Count | Should -Be 1
    }
}

Describe 'The catch-all for failures nobody foresaw' {
    BeforeAll {
        # No command can be made to fail this way on purpose (that would be a bug), so the mapping every cmdlet turns
        # an engine failure into an error record with is called directly, as the cmdlets call it.
        # Called through PowerShell's binder (not MethodInfo.Invoke), which hands the method the objects themselves.
        $errorRecords = [GenesysFileTransfer.Commands.SendGcFileCommand].Assembly.GetType('GenesysFileTransfer.Commands.Infrastructure.ErrorRecords', $true)
    }

    It 'makes an exception of no known kind UnexpectedError, NotSpecified, with the file as target and its name first' {
        $path = Join-Path $TestDrive 'unexpected/statement.pdf'
        $bug = [System.NotImplementedException]::new('a step nobody wrote')

        $record = $errorRecords::From($bug, $path)

        $record.FullyQualifiedErrorId | Should -Be 'UnexpectedError'
        $record.CategoryInfo.Category | Should -Be 'NotSpecified'
        $record.TargetObject | Should -Be $path
        [object]::ReferenceEquals($record.Exception, $bug) | Should -BeTrue
        $record.ErrorDetails.Message | Should -Be 'statement.pdf: a step nobody wrote'
    }

    It 'keeps the transfer as the target of UnexpectedError for a failure of a transfer' {
        $delivered = New-DeliveredJournal 'unexpected-transfer'

        $record = $errorRecords::From([System.InvalidCastException]::new('a value of an unforeseen shape'), $delivered.Transfer)

        $record.FullyQualifiedErrorId | Should -Be 'UnexpectedError'
        $record.CategoryInfo.Category | Should -Be 'NotSpecified'
        [object]::ReferenceEquals($record.TargetObject, $delivered.Transfer.PSObject.BaseObject) | Should -BeTrue
        $record.ErrorDetails.Message | Should -Be "$($delivered.File.Name): a value of an unforeseen shape"
    }
}
