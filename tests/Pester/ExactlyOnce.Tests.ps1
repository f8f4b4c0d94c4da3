# Exactly once, counted where it matters: on the emulator's side. Two processes sending one batch on one journal, a
# stale session object, sends whose answer is lost, media Genesys forgets, and a process killed at a random moment
# while another works the same batch: every file ends up in the conversation exactly once, and the journal holds one
# transfer per file.
#
# The crash test prints its base seed and, per run, its seed and kill moment; set GFT_EXACTLY_ONCE_SEED (and
# GFT_EXACTLY_ONCE_RUNS, default 10) to replay the same kill moments.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module $env:GFT_MODULE_PATH -Force
    $emulator = Start-TestEmulator
    # Every child process this file starts, so AfterAll can stop the ones a failing test left behind.
    $children = [System.Collections.Generic.List[System.Diagnostics.Process]]::new()

    $metadata = @{ StorageBucketReference = '3f2504e0-4f89-41d3-9a0c-0305e82c3301'; RetentionDays = 30 }
    $signIn = @{ BaseUri = $emulator.BaseUri; ClientId = $emulator.ClientId; ClientSecret = $emulator.ClientSecret; NoAuditLog = $true }

    # One script for every child: sends a folder (a batch), one file, or a transfer id, and writes what it got (output
    # objects and error records) as JSON. Exit code 0 only when no error record was written.
    $childScript = Join-Path $TestDrive 'send-child.ps1'
    Set-Content -LiteralPath $childScript -Value @'
param(
    [string] $ModulePath, [string] $BaseUri, [string] $JournalPath, [string] $ConversationId, [string] $CommunicationId,
    [string] $ResultPath, [string] $Mode = 'Folder', [string] $Path, [string] $TransferId, [int] $LeaseSec = 120, [int] $ThrottleLimit = 4,
    [switch] $Descending
)
$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'
Import-Module $ModulePath
$secret = ConvertTo-SecureString 'emulator-secret-0123456789' -AsPlainText -Force
Connect-GcCloud -BaseUri $BaseUri -ClientId emulator-client -ClientSecret $secret -JournalPath $JournalPath -NoAuditLog -TransferLeaseSec $LeaseSec
# Connected, about to send: how long starting took varies with the machine's load, so the crash test times from here.
Set-Content -LiteralPath "$ResultPath.ready" -Value $PID
$send = @{ ConversationId = $ConversationId; CommunicationId = $CommunicationId; StorageBucketReference = '3f2504e0-4f89-41d3-9a0c-0305e82c3301'; RetentionDays = 30 }
$failures = @()
$sent = switch ($Mode) {
    'Folder' { @(Get-ChildItem -LiteralPath $Path -File | Sort-Object Name -Descending:$Descending | Send-GcFile @send -Deliver -ThrottleLimit $ThrottleLimit -ErrorAction SilentlyContinue -ErrorVariable +failures) }
    'File' { @(Send-GcFile -LiteralPath $Path @send -Deliver -ErrorAction SilentlyContinue -ErrorVariable +failures) }
    'TransferId' { @(Send-GcFileTransferMessage -TransferId $TransferId -ErrorAction SilentlyContinue -ErrorVariable +failures) }
}
$report = [pscustomobject]@{
    Pid     = $PID
    Results = @($sent | ForEach-Object { [pscustomobject]@{ TransferId = "$($_.TransferId)"; FileName = $_.FileName; Status = "$($_.Status)"; Resumed = $_.Resumed; Reconciled = $_.Reconciled; MediaId = $_.MediaId; MessageId = $_.MessageId; Sha256 = $_.Sha256 } })
    Errors  = @($failures | ForEach-Object { [pscustomobject]@{ Id = $_.FullyQualifiedErrorId; Target = "$($_.TargetObject)"; Message = "$_" } })
}
ConvertTo-Json -InputObject $report -Depth 5 | Set-Content -LiteralPath $ResultPath
Disconnect-GcCloud
if ($report.Errors.Count -gt 0) { exit 1 }
'@

    function Start-ChildPowerShell {
        # The same PowerShell as this one, in a new process: 'dotnet pwsh' runs pwsh.dll inside the dotnet host, so the
        # process started here is the one that runs the module, and killing it kills the sender.
        param([Parameter(Mandatory)] [hashtable] $Parameters)
        $executable = [System.Diagnostics.Process]::GetCurrentProcess().MainModule.FileName
        $start = [System.Diagnostics.ProcessStartInfo]::new($executable)
        if ([System.IO.Path]::GetFileNameWithoutExtension($executable) -eq 'dotnet') { $start.ArgumentList.Add((Join-Path $PSHOME 'pwsh.dll')) }
        foreach ($argument in @('-NoProfile', '-NonInteractive', '-File', $childScript)) { $start.ArgumentList.Add($argument) }
        $all = @{ ModulePath = $env:GFT_MODULE_PATH; BaseUri = "$($emulator.BaseUri)" } + $Parameters
        foreach ($name in $all.Keys) {
            if ($all[$name] -is [bool]) { if ($all[$name]) { $start.ArgumentList.Add("-$name") } }
            else { $start.ArgumentList.Add("-$name"); $start.ArgumentList.Add("$($all[$name])") }
        }
        $start.UseShellExecute = $false
        $start.RedirectStandardOutput = $true
        $start.RedirectStandardError = $true
        $process = [System.Diagnostics.Process]::Start($start)
        $children.Add($process)
        [pscustomobject]@{ Process = $process; Started = [DateTime]::UtcNow; ResultPath = $Parameters.ResultPath; Output = $process.StandardOutput.ReadToEndAsync(); Errors = $process.StandardError.ReadToEndAsync() }
    }

    function Wait-ChildPowerShell([object] $Child, [int] $TimeoutSeconds = 120) {
        if (-not $Child.Process.WaitForExit($TimeoutSeconds * 1000)) {
            $Child.Process.Kill($true)
            throw "The child PowerShell $($Child.Process.Id) did not finish within $TimeoutSeconds s."
        }
        $Child.Process.WaitForExit()
        $report = if (Test-Path -LiteralPath $Child.ResultPath) { Get-Content -LiteralPath $Child.ResultPath -Raw | ConvertFrom-Json } else { $null }
        [pscustomobject]@{
            ExitCode = $Child.Process.ExitCode
            Results  = @(if ($report) { $report.Results })
            Failures = @(if ($report) { $report.Errors })
            Log      = "exit $($Child.Process.ExitCode); stderr: $($Child.Errors.Result); stdout: $($Child.Output.Result); errors: $(if ($report) { $report.Errors | ConvertTo-Json -Compress })"
        }
    }

    function Reset-Emulator([int] $ValidationDelayMs = 50) {
        # Media, messages, faults and the request log cleared; tokens issued earlier stay valid.
        Invoke-EmulatorControl -Emulator $emulator -Method Post -Path 'emulator/reset'
        Invoke-EmulatorControl -Emulator $emulator -Method Patch -Path 'emulator/settings' -Body @{ validationDelayMs = $ValidationDelayMs }
    }

    function Add-Fault([hashtable] $Fault) { $null = Invoke-EmulatorControl -Emulator $emulator -Method Post -Path 'emulator/faults' -Body $Fault }

    # What the conversation holds, as the emulator recorded each accepted send: one row per attachment.
    function Get-Delivered {
        @(Invoke-EmulatorControl -Emulator $emulator -Path 'emulator/messages') | ForEach-Object {
            $message = $_
            foreach ($item in @($message.normalizedMessage.content)) {
                if ($item.attachment) { [pscustomobject]@{ MessageId = $message.id; MediaId = $item.attachment.id; Sha256 = "$($item.attachment.sha256)".ToLowerInvariant() } }
            }
        }
    }

    function Get-Requests([string] $Route, [string] $Method) {
        @(Invoke-EmulatorControl -Emulator $emulator -Path "emulator/requests?route=$Route" | Where-Object { -not $Method -or $_.method -eq $Method })
    }

    function New-Batch([string] $Folder, [int] $Count, [int] $BaseSize = 20000) {
        # Distinct sizes make distinct bytes, hence distinct SHA-256 digests; returns digest → file name.
        $hashes = @{}
        foreach ($i in 1..$Count) {
            $file = New-TestFile -Kind Pdf -Path (Join-Path $Folder ('statement-{0:D2}.pdf' -f $i)) -SizeBytes ($BaseSize + $i)
            $hashes[(Get-FileHash -LiteralPath $file.FullName -Algorithm SHA256).Hash.ToLowerInvariant()] = $file.FullName
        }
        $hashes
    }

    function Get-JournalRows([string] $JournalPath) {
        $journal = [GenesysFileTransfer.Engine.Journal.Sqlite.SqliteTransferJournal]::Open($JournalPath)
        try { @($journal.Transfers.QueryTransfers([GenesysFileTransfer.Engine.Journal.TransferQuery]::new())) }
        finally { $journal.Dispose() }
    }

    function Assert-ExactlyOnce([hashtable] $Hashes, [string] $JournalPath) {
        # Exactly once, counted on the emulator: one delivered attachment per file, no digest twice, none missing.
        $delivered = @(Get-Delivered)
        $twice = @($delivered | Group-Object Sha256 | Where-Object Count -GT 1 | ForEach-Object { "$($Hashes[$_.Name]) x$($_.Count)" })
        $twice | Should -BeNullOrEmpty -Because 'no file may be delivered twice'
        @($delivered.Sha256 | Sort-Object -Unique) | Should -Be @($Hashes.Keys | Sort-Object) -Because 'every file is delivered'
        $delivered.Count | Should -Be $Hashes.Count
        if ($JournalPath) {
            # One transfer per idempotency key, and the journal's delivered message is the one the emulator holds.
            $rows = @(Get-JournalRows $JournalPath)
            @($rows | Group-Object IdempotencyKey | Where-Object Count -GT 1) | Should -BeNullOrEmpty
            @($rows.Sha256 | ForEach-Object { $_.ToLowerInvariant() } | Sort-Object -Unique) | Should -Be @($Hashes.Keys | Sort-Object)
            $rows.Count | Should -Be $Hashes.Count
            @($rows | ForEach-Object { "$($_.Sha256.ToLowerInvariant())=$($_.MessageId)" } | Sort-Object) |
                Should -Be @($delivered | ForEach-Object { "$($_.Sha256)=$($_.MessageId)" } | Sort-Object)
        }
        $delivered
    }
}

AfterAll {
    foreach ($process in $children) {
        try { if (-not $process.HasExited) { $process.Kill($true); $null = $process.WaitForExit(5000) } } catch { Write-Warning "Could not stop child $($process.Id): $_" }
    }
    Disconnect-GcCloud -ErrorAction SilentlyContinue
    Stop-TestEmulator -Emulator $emulator
}

Describe 'Two processes sending one batch on one journal' {
    It 'delivers every file once when both start <Case>' -TestCases @(
        @{ Case = 'together'; DelayMs = 0; Descending = $false }
        @{ Case = '1.5 s apart'; DelayMs = 1500; Descending = $false }
        @{ Case = 'together, the second from the other end of the batch'; DelayMs = 1; Descending = $true }
    ) {
        param($Case, $DelayMs, $Descending)
        Reset-Emulator
        $folder = Join-Path $TestDrive "two-$DelayMs/files"
        $hashes = New-Batch $folder 30
        $journalPath = Join-Path $TestDrive "two-$DelayMs/journal.db"
        $common = @{ JournalPath = $journalPath; ConversationId = $emulator.ConversationId; CommunicationId = $emulator.CommunicationId; Mode = 'Folder'; Path = $folder }

        $a = Start-ChildPowerShell ($common + @{ ResultPath = Join-Path $TestDrive "two-$DelayMs/a.json" })
        if ($DelayMs -gt 1) { Start-Sleep -Milliseconds $DelayMs }
        $b = Start-ChildPowerShell ($common + @{ ResultPath = Join-Path $TestDrive "two-$DelayMs/b.json"; Descending = $Descending })
        $runA = Wait-ChildPowerShell $a
        $runB = Wait-ChildPowerShell $b

        $runA.ExitCode | Should -Be 0 -Because $runA.Log
        $runB.ExitCode | Should -Be 0 -Because $runB.Log
        foreach ($run in $runA, $runB) {
            $run.Results.Count | Should -Be 30
            @($run.Results | Where-Object Status -NE 'Delivered') | Should -BeNullOrEmpty
        }
        $delivered = Assert-ExactlyOnce $hashes $journalPath
        # Both processes report the same transfer and the same message for each file: the one the emulator holds.
        foreach ($run in $runA, $runB) {
            @($run.Results | ForEach-Object { "$($_.Sha256.ToLowerInvariant())=$($_.MessageId)" } | Sort-Object) |
                Should -Be @($delivered | ForEach-Object { "$($_.Sha256)=$($_.MessageId)" } | Sort-Object)
        }
        @($runA.Results.TransferId | Sort-Object) | Should -Be @($runB.Results.TransferId | Sort-Object)
        # Each file's send left the module once: the emulator saw 30 send requests in all.
        (Get-Requests 'messages' 'POST').Count | Should -Be 30
    }
}

Describe 'A stale session object' {
    BeforeEach { Reset-Emulator }
    AfterEach { Disconnect-GcCloud -ErrorAction SilentlyContinue }

    It 'cannot send again with Send-GcFile -Transfer -Deliver after another process delivered it' {
        $journalPath = Join-Path $TestDrive 'stale-1/journal.db'
        $file = New-TestFile -Kind Pdf -Path (Join-Path $TestDrive 'stale-1/contract.pdf') -SizeBytes 31001
        Connect-GcCloud @signIn -JournalPath $journalPath
        $stale = New-GcFileTransfer -LiteralPath $file.FullName -ConversationId $emulator.ConversationId -CommunicationId $emulator.CommunicationId @metadata
        "$($stale.Status)" | Should -Be 'Created'

        $other = Wait-ChildPowerShell (Start-ChildPowerShell @{
                JournalPath = $journalPath; ConversationId = $emulator.ConversationId; CommunicationId = $emulator.CommunicationId
                Mode = 'File'; Path = $file.FullName; ResultPath = Join-Path $TestDrive 'stale-1/other.json'
            })
        $other.ExitCode | Should -Be 0 -Because $other.Log
        $other.Results.TransferId | Should -Be "$($stale.TransferId)"
        "$($stale.Status)" | Should -Be 'Created' -Because 'the object is stale until a cmdlet refreshes it'
        @(Get-Delivered).Count | Should -Be 1
        Invoke-EmulatorControl -Emulator $emulator -Method Delete -Path 'emulator/requests'

        $again = Send-GcFile -Transfer $stale -Deliver

        $delivered = @(Get-Delivered)
        $delivered.Count | Should -Be 1
        $delivered[0].Sha256 | Should -Be $stale.Sha256.ToLowerInvariant()
        (Get-Requests 'messages' 'POST').Count | Should -Be 0
        (Get-Requests 's3' 'PUT').Count | Should -Be 0
        "$($again.Status)" | Should -Be 'Delivered'
        "$($stale.Status)" | Should -Be 'Delivered'
        $stale.MessageId | Should -Be $delivered[0].MessageId
        $stale.MediaId | Should -Be $delivered[0].MediaId
    }

    It 'cannot send again with Send-GcFileTransferMessage -Transfer after another process delivered it by id' {
        $journalPath = Join-Path $TestDrive 'stale-2/journal.db'
        $file = New-TestFile -Kind Pdf -Path (Join-Path $TestDrive 'stale-2/contract.pdf') -SizeBytes 31002
        Connect-GcCloud @signIn -JournalPath $journalPath
        $null = Send-GcFile -LiteralPath $file.FullName -ConversationId $emulator.ConversationId -CommunicationId $emulator.CommunicationId @metadata -Wait
        $stale = Get-GcFileTransfer -JournalPath $journalPath -Path $file.FullName
        "$($stale.Status)" | Should -Be 'Valid'

        $other = Wait-ChildPowerShell (Start-ChildPowerShell @{
                JournalPath = $journalPath; ConversationId = $emulator.ConversationId; CommunicationId = $emulator.CommunicationId
                Mode = 'TransferId'; TransferId = "$($stale.TransferId)"; ResultPath = Join-Path $TestDrive 'stale-2/other.json'
            })
        $other.ExitCode | Should -Be 0 -Because $other.Log
        $other.Results.Status | Should -Be 'Delivered'
        "$($stale.Status)" | Should -Be 'Valid' -Because 'the object is stale until a cmdlet refreshes it'
        @(Get-Delivered).Count | Should -Be 1
        Invoke-EmulatorControl -Emulator $emulator -Method Delete -Path 'emulator/requests'

        $again = Send-GcFileTransferMessage -Transfer $stale
        $thrice = Send-GcFile -Transfer $stale -Deliver

        $delivered = @(Get-Delivered)
        $delivered.Count | Should -Be 1
        (Get-Requests 'messages' 'POST').Count | Should -Be 0
        "$($again.Status)" | Should -Be 'Delivered'
        "$($thrice.Status)" | Should -Be 'Delivered'
        "$($stale.Status)" | Should -Be 'Delivered'
        $stale.MessageId | Should -Be $delivered[0].MessageId
        $other.Results.MessageId | Should -Be $delivered[0].MessageId
    }
}

Describe 'Sends whose answer is lost' {
    BeforeEach {
        Reset-Emulator
        $send = @{ ConversationId = $emulator.ConversationId; CommunicationId = $emulator.CommunicationId } + $metadata
    }
    AfterEach { Disconnect-GcCloud -ErrorAction SilentlyContinue }

    It 'reads the conversation back, records each file delivered once, and sends nothing on the rerun' {
        $folder = Join-Path $TestDrive 'lost/files'
        $hashes = New-Batch $folder 5 30000
        Connect-GcCloud @signIn -JournalPath (Join-Path $TestDrive 'lost/journal.db')
        Add-Fault @{ route = 'messages'; method = 'POST'; count = 5; action = 'dropresponse' }

        $first = @(Get-ChildItem -LiteralPath $folder -File | Send-GcFile @send -Deliver -ErrorAction SilentlyContinue -ErrorVariable failures)

        @($failures) | Should -BeNullOrEmpty
        $first.Count | Should -Be 5
        @($first | Where-Object { "$($_.Status)" -ne 'Delivered' -or -not $_.Reconciled }) | Should -BeNullOrEmpty
        # Every send reached the emulator and lost its answer there.
        $sends = Get-Requests 'messages' 'POST'
        $sends.Count | Should -Be 5
        @($sends | Where-Object fault -NE 'dropresponse') | Should -BeNullOrEmpty
        (Get-Requests 'conversations').Count | Should -BeGreaterOrEqual 5
        $delivered = Assert-ExactlyOnce $hashes
        foreach ($transfer in $first) {
            $transfer.MessageId | Should -Be ($delivered | Where-Object Sha256 -EQ $transfer.Sha256.ToLowerInvariant()).MessageId
            $events = @($transfer.History.Event)
            $events | Should -Contain 'delivery-unknown'
            $events[-1] | Should -Be 'reconciled-delivered'
        }

        Invoke-EmulatorControl -Emulator $emulator -Method Delete -Path 'emulator/requests'
        $rerun = @(Get-ChildItem -LiteralPath $folder -File | Send-GcFile @send -Deliver)

        $rerun.Count | Should -Be 5
        @($rerun | Where-Object { "$($_.Status)" -ne 'Delivered' -or -not $_.Resumed }) | Should -BeNullOrEmpty
        (Get-Requests 'messages' 'POST').Count | Should -Be 0
        $null = Assert-ExactlyOnce $hashes
    }

    It 'ends in DeliveryOutcomeUnknown when the read-back is refused, and a rerun finds the messages without sending' {
        $folder = Join-Path $TestDrive 'refused/files'
        $hashes = New-Batch $folder 5 40000
        Connect-GcCloud @signIn -JournalPath (Join-Path $TestDrive 'refused/journal.db')
        Add-Fault @{ route = 'messages'; method = 'POST'; count = 5; action = 'dropresponse' }
        Add-Fault @{ route = 'conversations'; count = 1000; action = 'status'; status = 403 }

        $first = @(Get-ChildItem -LiteralPath $folder -File | Send-GcFile @send -Deliver -ErrorAction SilentlyContinue -ErrorVariable failures)

        $first | Should -BeNullOrEmpty
        @($failures).Count | Should -Be 5
        @($failures | Where-Object { $_.FullyQualifiedErrorId -notlike 'DeliveryOutcomeUnknown*' }) | Should -BeNullOrEmpty
        @($failures.TargetObject | Sort-Object) | Should -Be @($hashes.Values | Sort-Object)
        $failures[0].Exception.Message | Should -BeLike '*conversation:message:view*'
        @(Get-GcFileTransfer -Status DeliveryUnknown).Count | Should -Be 5
        (Get-Requests 'messages' 'POST').Count | Should -Be 5
        $null = Assert-ExactlyOnce $hashes

        Invoke-EmulatorControl -Emulator $emulator -Method Delete -Path 'emulator/faults'
        Invoke-EmulatorControl -Emulator $emulator -Method Delete -Path 'emulator/requests'
        $rerun = @(Get-ChildItem -LiteralPath $folder -File | Send-GcFile @send -Deliver)

        $rerun.Count | Should -Be 5
        @($rerun | Where-Object { "$($_.Status)" -ne 'Delivered' -or -not $_.Reconciled }) | Should -BeNullOrEmpty
        (Get-Requests 'messages' 'POST').Count | Should -Be 0
        $delivered = Assert-ExactlyOnce $hashes
        foreach ($transfer in $rerun) {
            $transfer.MessageId | Should -Be ($delivered | Where-Object Sha256 -EQ $transfer.Sha256.ToLowerInvariant()).MessageId
            @($transfer.History.Event)[-1] | Should -Be 'reconciled-delivered'
        }
    }

    It 'sends on the rerun a file whose lost send never reached the conversation' {
        $folder = Join-Path $TestDrive 'never/files'
        $hashes = New-Batch $folder 5 50000
        Connect-GcCloud @signIn -JournalPath (Join-Path $TestDrive 'never/journal.db')
        # 502 without acting: the module cannot tell this from a lost answer, reads back, and finds nothing.
        Add-Fault @{ route = 'messages'; method = 'POST'; count = 5; action = 'status'; status = 502 }

        $first = @(Get-ChildItem -LiteralPath $folder -File | Send-GcFile @send -Deliver -ErrorAction SilentlyContinue -ErrorVariable failures)

        $first | Should -BeNullOrEmpty
        @($failures).Count | Should -Be 5
        @($failures | Where-Object { $_.FullyQualifiedErrorId -notlike 'DeliveryOutcomeUnknown*' }) | Should -BeNullOrEmpty
        @(Get-Delivered).Count | Should -Be 0
        @(Get-GcFileTransfer -Status DeliveryUnknown).Count | Should -Be 5

        Invoke-EmulatorControl -Emulator $emulator -Method Delete -Path 'emulator/requests'
        $rerun = @(Get-ChildItem -LiteralPath $folder -File | Send-GcFile @send -Deliver)

        $rerun.Count | Should -Be 5
        @($rerun | Where-Object { "$($_.Status)" -ne 'Delivered' -or $_.Reconciled }) | Should -BeNullOrEmpty
        (Get-Requests 'messages' 'POST').Count | Should -Be 5
        $null = Assert-ExactlyOnce $hashes
        foreach ($transfer in $rerun) {
            $events = @($transfer.History.Event)
            $events | Should -Contain 'reconciled-not-delivered'
            $events[-1] | Should -Be 'delivered'
        }
    }
}

Describe 'Media Genesys forgets' {
    BeforeEach {
        Reset-Emulator
        $send = @{ ConversationId = $emulator.ConversationId; CommunicationId = $emulator.CommunicationId } + $metadata
    }
    AfterEach { Disconnect-GcCloud -ErrorAction SilentlyContinue }

    It 'is uploaded again under the same transfer when it is forgotten <Case>, and delivered once' -TestCases @(
        @{ Case = 'after the upload'; Option = 'Upload'; LostEvent = 'media-lost' }
        @{ Case = 'after validation'; Option = 'Wait'; LostEvent = 'delivery-refused' }
    ) {
        param($Case, $Option, $LostEvent)
        $file = New-TestFile -Kind Pdf -Path (Join-Path $TestDrive "lost-media-$Option/report.pdf") -SizeBytes 61001
        $sha = (Get-FileHash -LiteralPath $file.FullName -Algorithm SHA256).Hash.ToLowerInvariant()
        Connect-GcCloud @signIn -JournalPath (Join-Path $TestDrive "lost-media-$Option/journal.db")
        $uploaded = if ($Option -eq 'Wait') { Send-GcFile -LiteralPath $file.FullName @send -Wait } else { Send-GcFile -LiteralPath $file.FullName @send }
        $oldMedia = $uploaded.MediaId
        $oldMedia | Should -Not -BeNullOrEmpty
        (Invoke-EmulatorControl -Emulator $emulator -Path "emulator/media/$oldMedia").sha256 | Should -Be $sha

        (Invoke-EmulatorControl -Emulator $emulator -Method Delete -Path 'emulator/media').forgotten | Should -Be 1
        $sent = Send-GcFile -LiteralPath $file.FullName @send -Deliver

        $delivered = @(Get-Delivered)
        $delivered.Count | Should -Be 1
        $delivered[0].Sha256 | Should -Be $sha
        $delivered[0].MediaId | Should -Not -Be $oldMedia
        @(Invoke-EmulatorControl -Emulator $emulator -Path 'emulator/media').id | Should -Be @($delivered[0].MediaId)
        "$($sent.Status)" | Should -Be 'Delivered'
        $sent.TransferId | Should -Be $uploaded.TransferId
        $sent.MediaId | Should -Be $delivered[0].MediaId
        $sent.MessageId | Should -Be $delivered[0].MessageId
        @($sent.PreviousMediaIds) | Should -Be @($oldMedia)
        @($sent.History.Event) | Should -Contain $LostEvent
        @(Get-GcFileTransfer).Count | Should -Be 1
    }

    It 'is uploaded again when it is forgotten while the same Send-GcFile -Deliver waits for validation' {
        # A long validation keeps the child waiting; the media is forgotten while it polls.
        Reset-Emulator -ValidationDelayMs 600000
        $folder = Join-Path $TestDrive 'lost-while-waiting'
        $file = New-TestFile -Kind Pdf -Path (Join-Path $folder 'report.pdf') -SizeBytes 61003
        $sha = (Get-FileHash -LiteralPath $file.FullName -Algorithm SHA256).Hash.ToLowerInvariant()
        $journalPath = Join-Path $folder 'journal.db'
        $child = Start-ChildPowerShell @{
            JournalPath = $journalPath; ConversationId = $emulator.ConversationId; CommunicationId = $emulator.CommunicationId
            Mode = 'File'; Path = $file.FullName; ResultPath = Join-Path $folder 'result.json'
        }
        $deadline = [DateTime]::UtcNow.AddSeconds(60)
        do {
            if ($child.Process.HasExited -or [DateTime]::UtcNow -gt $deadline) { throw "The upload did not happen: $((Wait-ChildPowerShell $child).Log)" }
            Start-Sleep -Milliseconds 100
            $media = @(Invoke-EmulatorControl -Emulator $emulator -Path 'emulator/media' | Where-Object uploaded)
        } until ($media.Count -eq 1)
        $oldMedia = $media[0].id
        # Let the child poll the uploading media at least once, then make Genesys forget it.
        $deadline = [DateTime]::UtcNow.AddSeconds(30)
        while (@(Get-Requests 'media' 'GET' | Where-Object path -Like "*$oldMedia*").Count -lt 1) {
            if ([DateTime]::UtcNow -gt $deadline) { throw 'The child never polled the media.' }
            Start-Sleep -Milliseconds 100
        }
        Invoke-EmulatorControl -Emulator $emulator -Method Patch -Path 'emulator/settings' -Body @{ validationDelayMs = 50 }
        (Invoke-EmulatorControl -Emulator $emulator -Method Delete -Path "emulator/media/$oldMedia") | Should -BeNullOrEmpty

        $run = Wait-ChildPowerShell $child

        $run.ExitCode | Should -Be 0 -Because $run.Log
        $delivered = @(Get-Delivered)
        $delivered.Count | Should -Be 1
        $delivered[0].Sha256 | Should -Be $sha
        $delivered[0].MediaId | Should -Not -Be $oldMedia
        # The 404 the child got for the forgotten media, on the emulator's side.
        @(Get-Requests 'media' 'GET' | Where-Object { $_.path -like "*$oldMedia*" -and $_.status -eq 404 }).Count | Should -BeGreaterOrEqual 1
        $run.Results.Status | Should -Be 'Delivered'
        $run.Results.MediaId | Should -Be $delivered[0].MediaId
        $transfer = Get-GcFileTransfer -JournalPath $journalPath
        @($transfer).Count | Should -Be 1
        "$($transfer.Status)" | Should -Be 'Delivered'
        $transfer.MessageId | Should -Be $delivered[0].MessageId
        @($transfer.PreviousMediaIds) | Should -Be @($oldMedia)
        @($transfer.History.Event) | Should -Contain 'media-lost'
    }
}

Describe 'A process killed while its sends are on their way' {
    It 'leaves each file Delivering, and the next run reads the conversation, finds nothing and sends each once' {
        Reset-Emulator
        $folder = Join-Path $TestDrive 'in-flight/files'
        $hashes = New-Batch $folder 6 80000
        $journalPath = Join-Path $TestDrive 'in-flight/journal.db'
        $common = @{ JournalPath = $journalPath; ConversationId = $emulator.ConversationId; CommunicationId = $emulator.CommunicationId; Mode = 'Folder'; Path = $folder; LeaseSec = 5; ThrottleLimit = 6 }
        # Every send hangs on the emulator's side; a hang whose client goes away is never acted on.
        Add-Fault @{ route = 'messages'; method = 'POST'; count = 6; action = 'hang'; hangMs = 120000 }
        $a = Start-ChildPowerShell ($common + @{ ResultPath = Join-Path $TestDrive 'in-flight/a.json' })
        $deadline = [DateTime]::UtcNow.AddSeconds(60)
        while ((Invoke-EmulatorControl -Emulator $emulator -Path 'emulator/stats').routes.messages.inFlight -lt 6) {
            if ($a.Process.HasExited -or [DateTime]::UtcNow -gt $deadline) { throw "The six sends were not in flight: $((Wait-ChildPowerShell $a).Log)" }
            Start-Sleep -Milliseconds 100
        }
        $a.Process.Kill($true)
        $a.Process.WaitForExit()
        Invoke-EmulatorControl -Emulator $emulator -Method Delete -Path 'emulator/faults'

        $atKill = @(Get-JournalRows $journalPath)
        @($atKill.Status | Sort-Object -Unique) | Should -Be @('Delivering')
        $atKill.Count | Should -Be 6
        @($atKill | Where-Object { $_.LeaseOwner -notlike "*/$($a.Process.Id)/*" }) | Should -BeNullOrEmpty
        @(Get-Delivered).Count | Should -Be 0

        $b = Wait-ChildPowerShell (Start-ChildPowerShell ($common + @{ ResultPath = Join-Path $TestDrive 'in-flight/b.json' }))

        $b.ExitCode | Should -Be 0 -Because $b.Log
        $b.Results.Count | Should -Be 6
        @($b.Results | Where-Object { $_.Status -ne 'Delivered' -or $_.Reconciled }) | Should -BeNullOrEmpty
        $null = Assert-ExactlyOnce $hashes $journalPath
        # Six sends that died with A, six that B made after reading the conversation back.
        $sends = Get-Requests 'messages' 'POST'
        @($sends | Where-Object status -EQ 200).Count | Should -Be 6
        @($sends | Where-Object status -NE 200).Count | Should -Be 6
        foreach ($transfer in Get-GcFileTransfer -JournalPath $journalPath) {
            $events = @($transfer.History.Event)
            @($events | Where-Object { $_ -eq 'delivering' }).Count | Should -Be 2
            $events | Should -Contain 'reconciled-not-delivered'
            $events[-1] | Should -Be 'delivered'
        }
    }
}

Describe 'A process paused for longer than its lease' {
    It 'sends nothing once resumed: another process took the files over and delivered them' -Skip:(-not $IsLinux) {
        # Validation takes long enough that A is still waiting for it when it is paused, holding every lease.
        Reset-Emulator -ValidationDelayMs 4000
        $folder = Join-Path $TestDrive 'paused/files'
        $hashes = New-Batch $folder 6 90000
        $journalPath = Join-Path $TestDrive 'paused/journal.db'
        $common = @{ JournalPath = $journalPath; ConversationId = $emulator.ConversationId; CommunicationId = $emulator.CommunicationId; Mode = 'Folder'; Path = $folder; LeaseSec = 5; ThrottleLimit = 6 }
        $a = Start-ChildPowerShell ($common + @{ ResultPath = Join-Path $TestDrive 'paused/a.json' })
        $deadline = [DateTime]::UtcNow.AddSeconds(60)
        # Paused once the journal holds all six uploads: A is then waiting for validation, between journal writes. A
        # process stopped inside a write would hold SQLite's write lock, and no other process could take over.
        while (@(Invoke-EmulatorControl -Emulator $emulator -Path 'emulator/media' | Where-Object uploaded).Count -lt 6 -or
            @(Get-JournalRows $journalPath | Where-Object Status -EQ 'Uploaded').Count -lt 6) {
            if ($a.Process.HasExited -or [DateTime]::UtcNow -gt $deadline) { throw "A did not upload the six files: $((Wait-ChildPowerShell $a).Log)" }
            Start-Sleep -Milliseconds 100
        }
        & /usr/bin/env kill -s STOP $a.Process.Id
        $LASTEXITCODE | Should -Be 0
        try {
            $pausedRows = @(Get-JournalRows $journalPath)
            @($pausedRows | Where-Object { $_.LeaseOwner -like "*/$($a.Process.Id)/*" }).Count | Should -Be 6
            @(Get-Delivered).Count | Should -Be 0

            $b = Wait-ChildPowerShell (Start-ChildPowerShell ($common + @{ ResultPath = Join-Path $TestDrive 'paused/b.json' }))

            $b.ExitCode | Should -Be 0 -Because $b.Log
            @($b.Results | Where-Object Status -EQ 'Delivered').Count | Should -Be 6
            $delivered = Assert-ExactlyOnce $hashes $journalPath
            Invoke-EmulatorControl -Emulator $emulator -Method Delete -Path 'emulator/requests'
        }
        finally {
            & /usr/bin/env kill -s CONT $a.Process.Id
        }
        $resumed = Wait-ChildPowerShell $a 60

        # Counted on the emulator: the resumed process sent nothing and uploaded nothing.
        (Get-Requests 'messages' 'POST').Count | Should -Be 0
        (Get-Requests 's3' 'PUT').Count | Should -Be 0
        $null = Assert-ExactlyOnce $hashes $journalPath
        # What A says for each file: delivered as B delivered it, or that another process moved it on.
        @($resumed.Results | Where-Object { $_.Status -ne 'Delivered' -or $_.MessageId -notin $delivered.MessageId }) | Should -BeNullOrEmpty
        @($resumed.Failures | Where-Object { $_.Id -notmatch '^(TransferMovedByAnotherProcess|TransferBusy)' }) | Should -BeNullOrEmpty -Because $resumed.Log
        ($resumed.Results.Count + $resumed.Failures.Count) | Should -Be 6
        Write-Host "Resumed A: $($resumed.Results.Count) reported Delivered; errors: $(($resumed.Failures | Group-Object Id | ForEach-Object { "$($_.Count) $($_.Name)" }) -join ', ')"
    }
}

Describe 'A process killed at a random moment while another sends the same batch' {
    BeforeAll {
        $runs = if ($env:GFT_EXACTLY_ONCE_RUNS) { [int]$env:GFT_EXACTLY_ONCE_RUNS } else { 10 }
        $baseSeed = if ($env:GFT_EXACTLY_ONCE_SEED) { [int]$env:GFT_EXACTLY_ONCE_SEED } else { Get-Random -Minimum 1 -Maximum 1000000 }
        Write-Host "Crash test: base seed $baseSeed (replay with GFT_EXACTLY_ONCE_SEED=$baseSeed and GFT_EXACTLY_ONCE_RUNS=$runs), $runs runs"
        $crashFolder = Join-Path $TestDrive 'crash/files'
        $crashHashes = New-Batch $crashFolder 30 70000
        # Where each kill landed: before A had a journal, in the middle of the batch, or after everything was delivered.
        $killsLanded = [System.Collections.Generic.List[string]]::new()
        # Validation short enough for a run of a few seconds, long enough that the batch is still under way for most of
        # the 0.3-4 s window (counted from when A has connected) the kill is drawn from.
        $crashValidationDelayMs = 900
        # Each run's seed comes from the base seed; consecutive seeds would give System.Random correlated first draws.
        $seedSource = [System.Random]::new($baseSeed)
        $runSeeds = @(1..$runs | ForEach-Object { $seedSource.Next() })
    }

    It 'run <Run>: leaves no file delivered twice and none missing once a third run has finished' -TestCases @(
        for ($i = 1; $i -le $(if ($env:GFT_EXACTLY_ONCE_RUNS) { [int]$env:GFT_EXACTLY_ONCE_RUNS } else { 10 }); $i++) { @{ Run = $i } }
    ) {
        param($Run)
        $seed = $runSeeds[$Run - 1]
        $random = [System.Random]::new($seed)
        $killAfterMs = $random.Next(300, 4001)
        Reset-Emulator -ValidationDelayMs $crashValidationDelayMs
        $journalPath = Join-Path $TestDrive "crash/run-$Run/journal.db"
        $common = @{ JournalPath = $journalPath; ConversationId = $emulator.ConversationId; CommunicationId = $emulator.CommunicationId; Mode = 'Folder'; Path = $crashFolder; LeaseSec = 5; ThrottleLimit = 6 }

        $a = Start-ChildPowerShell ($common + @{ ResultPath = Join-Path $TestDrive "crash/run-$Run/a.json" })
        $sinceStart = [System.Diagnostics.Stopwatch]::StartNew()
        Start-Sleep -Milliseconds 500
        # B works the batch from the other end, so the two meet in the middle and A's leases are taken over there.
        $b = Start-ChildPowerShell ($common + @{ ResultPath = Join-Path $TestDrive "crash/run-$Run/b.json"; Descending = $true })
        # The kill moment counts from when A has connected and starts sending.
        $ready = "$(Join-Path $TestDrive "crash/run-$Run/a.json").ready"
        while (-not (Test-Path -LiteralPath $ready)) {
            if ($a.Process.HasExited -or $sinceStart.Elapsed.TotalSeconds -gt 60) { throw "A did not connect: $((Wait-ChildPowerShell $a).Log)" }
            Start-Sleep -Milliseconds 20
        }
        $watch = [System.Diagnostics.Stopwatch]::StartNew()
        $connectedAt = $sinceStart.ElapsedMilliseconds
        Start-Sleep -Milliseconds $killAfterMs
        $aFinished = $a.Process.HasExited
        $a.Process.Kill($true)
        $a.Process.WaitForExit()
        $killedAt = $watch.ElapsedMilliseconds
        # The journal first, then the emulator: B keeps working, and a message lands before the journal records it, so
        # the emulator's count is never below the journal's Delivered.
        $rowsAtKill = @(if (Test-Path -LiteralPath $journalPath) { Get-JournalRows $journalPath })
        $deliveredAtKill = @(Get-Delivered).Count
        $atKill = ($rowsAtKill | Group-Object Status | Sort-Object Name | ForEach-Object { "$($_.Count) $($_.Name)" }) -join ', '
        # The leases A held when it died: the transfers B has to take over once they run out.
        $heldByA = @($rowsAtKill | Where-Object { $_.LeaseOwner -like "*/$($a.Process.Id)/*" }).Count
        $heldByB = @($rowsAtKill | Where-Object { $_.LeaseOwner -like "*/$($b.Process.Id)/*" }).Count
        $killsLanded.Add($(if ($heldByA -gt 0) { 'mid-batch' } elseif ($aFinished -or $deliveredAtKill -ge 30) { 'after' } else { 'before' }))
        $runB = Wait-ChildPowerShell $b 180
        $c = Wait-ChildPowerShell (Start-ChildPowerShell ($common + @{ ResultPath = Join-Path $TestDrive "crash/run-$Run/c.json" })) 180

        $bStates = ($runB.Results | Group-Object Status | ForEach-Object { "$($_.Count) $($_.Name)" }) -join ', '
        $bErrors = ($runB.Failures | Group-Object Id | ForEach-Object { "$($_.Count) $($_.Name)" }) -join ', '
        Write-Host ("run {0,2} seed {1}: A killed {2} ms after it connected (asked {3}; connected {13} ms after its start){4}; journal at the kill: {5}, {11} leased by A, {12} by B; emulator had {6} delivered; B exit {7}: {8}{9}; C exit {10}" -f
            $Run, $seed, $killedAt, $killAfterMs, $(if ($aFinished) { ' after it had finished' } else { '' }), $(if ($atKill) { $atKill } else { 'no transfers yet' }),
            $deliveredAtKill, $runB.ExitCode, $bStates, $(if ($bErrors) { "; B errors: $bErrors" } else { '' }), $c.ExitCode, $heldByA, $heldByB, $connectedAt)

        $null = Assert-ExactlyOnce $crashHashes $journalPath
        $c.ExitCode | Should -Be 0 -Because $c.Log
        $c.Results.Count | Should -Be 30
        @($c.Results | Where-Object Status -NE 'Delivered') | Should -BeNullOrEmpty
        @($c.Results.TransferId | Sort-Object -Unique).Count | Should -Be 30
    }

    It 'killed A while it held transfers in at least a fifth of the runs' {
        # A crash test whose kills all land before or after the work proves nothing; this keeps the timing honest.
        Write-Host "Kills landed: $(($killsLanded | Group-Object | ForEach-Object { "$($_.Count) $($_.Name)" }) -join ', ')"
        $killsLanded.Count | Should -BeGreaterOrEqual 1
        @($killsLanded | Where-Object { $_ -eq 'mid-batch' }).Count | Should -BeGreaterOrEqual ([Math]::Ceiling($killsLanded.Count / 5))
    }
}
