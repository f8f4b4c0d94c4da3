# The transfer journal through the staged module: the native SQLite library loads from the module folder,
# Get-GcFileTransfer finds transfers of earlier sessions, sending a file again resumes its transfer instead of sending
# it twice, and a batch killed mid-way finishes on the next run with every file delivered exactly once.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $module = Import-Module $env:GFT_MODULE_PATH -Force -PassThru
    $emulator = Start-TestEmulator
    Invoke-EmulatorControl -Emulator $emulator -Method Patch -Path 'emulator/settings' -Body @{ validationDelayMs = 50 }

    $target = @{ ConversationId = $emulator.ConversationId; CommunicationId = $emulator.CommunicationId }
    $metadata = @{ StorageBucketReference = '3f2504e0-4f89-41d3-9a0c-0305e82c3301'; RetentionDays = 30 }
    $signIn = @{ ClientId = $emulator.ClientId; ClientSecret = $emulator.ClientSecret; NoAuditLog = $true }

    function Start-ChildPowerShell {
        # The same PowerShell as this one, in a new process: 'dotnet pwsh' runs pwsh.dll inside the dotnet host.
        param([Parameter(Mandatory)] [string] $ScriptPath, [string[]] $Arguments = @())
        $executable = [System.Diagnostics.Process]::GetCurrentProcess().MainModule.FileName
        $start = [System.Diagnostics.ProcessStartInfo]::new($executable)
        if ([System.IO.Path]::GetFileNameWithoutExtension($executable) -eq 'dotnet') { $start.ArgumentList.Add((Join-Path $PSHOME 'pwsh.dll')) }
        foreach ($argument in @('-NoProfile', '-NonInteractive', '-File', $ScriptPath) + $Arguments) { $start.ArgumentList.Add($argument) }
        $start.UseShellExecute = $false
        $start.RedirectStandardOutput = $true
        $start.RedirectStandardError = $true
        $process = [System.Diagnostics.Process]::Start($start)
        [pscustomobject]@{ Process = $process; Output = $process.StandardOutput.ReadToEndAsync(); Errors = $process.StandardError.ReadToEndAsync() }
    }

    function Wait-ChildPowerShell([object] $Child, [int] $TimeoutSeconds = 120) {
        if (-not $Child.Process.WaitForExit($TimeoutSeconds * 1000)) {
            $Child.Process.Kill($true)
            throw "The child PowerShell did not finish within $TimeoutSeconds s."
        }
        $Child.Process.WaitForExit()
        [pscustomobject]@{ ExitCode = $Child.Process.ExitCode; Output = $Child.Output.Result; Errors = $Child.Errors.Result }
    }
}

AfterAll {
    Disconnect-GcCloud -ErrorAction SilentlyContinue
    Stop-TestEmulator -Emulator $emulator
}

Describe 'The native SQLite library' {
    It 'is staged for <RuntimeId>' -TestCases @(
        @{ RuntimeId = 'win-x64'; File = 'e_sqlite3.dll' }
        @{ RuntimeId = 'win-x86'; File = 'e_sqlite3.dll' }
        @{ RuntimeId = 'win-arm64'; File = 'e_sqlite3.dll' }
        @{ RuntimeId = 'linux-x64'; File = 'libe_sqlite3.so' }
        @{ RuntimeId = 'linux-arm64'; File = 'libe_sqlite3.so' }
        @{ RuntimeId = 'linux-musl-x64'; File = 'libe_sqlite3.so' }
        @{ RuntimeId = 'osx-x64'; File = 'libe_sqlite3.dylib' }
        @{ RuntimeId = 'osx-arm64'; File = 'libe_sqlite3.dylib' }
    ) {
        param($RuntimeId, $File)
        $path = Join-Path $module.ModuleBase "dependencies/runtimes/$RuntimeId/native/$File"
        $path | Should -Exist
        (Get-Item -LiteralPath $path).Length | Should -BeGreaterThan 100KB
    }

    It 'loads from the module folder in a fresh PowerShell, which then writes and reads a journal' -Skip:(-not $IsLinux) {
        $journalPath = Join-Path $TestDrive 'native/journal.db'
        $file = New-TestFile -Kind Pdf -Path (Join-Path $TestDrive 'native/native-check.pdf') -SizeBytes 3001
        $script = Join-Path $TestDrive 'native-check.ps1'
        Set-Content -LiteralPath $script -Value @'
param($ModulePath, $BaseUri, $JournalPath, $File, $ConversationId, $CommunicationId)
$ErrorActionPreference = 'Stop'
Import-Module $ModulePath
$secret = ConvertTo-SecureString 'emulator-secret-0123456789' -AsPlainText -Force
# Stdout carries only the JSON report: the connect and summary lines (information stream, shown like Write-Host) are silenced.
Connect-GcCloud -BaseUri $BaseUri -ClientId emulator-client -ClientSecret $secret -JournalPath $JournalPath -NoAuditLog -InformationAction Ignore
$null = Send-GcFile -LiteralPath $File -ConversationId $ConversationId -CommunicationId $CommunicationId -StorageBucketReference 3f2504e0-4f89-41d3-9a0c-0305e82c3301 -RetentionDays 30 -Deliver -InformationAction Ignore
Disconnect-GcCloud
$read = Get-GcFileTransfer -JournalPath $JournalPath
[pscustomobject]@{
    Status = "$($read.Status)"
    Libraries = @(Get-Content -LiteralPath "/proc/$PID/maps" | Where-Object { $_ -match 'libe_sqlite3' } | ForEach-Object { ($_ -split '\s+', 6)[5] } | Sort-Object -Unique)
} | ConvertTo-Json -Compress
'@

        $run = Wait-ChildPowerShell (Start-ChildPowerShell -ScriptPath $script -Arguments @(
                $env:GFT_MODULE_PATH, "$($emulator.BaseUri)", $journalPath, $file.FullName, $emulator.ConversationId, $emulator.CommunicationId))

        $run.ExitCode | Should -Be 0 -Because $run.Errors
        $report = $run.Output | ConvertFrom-Json
        $report.Status | Should -Be 'Delivered'
        $architecture = [System.Runtime.InteropServices.RuntimeInformation]::ProcessArchitecture.ToString().ToLowerInvariant()
        $expected = Join-Path $module.ModuleBase "dependencies/runtimes/linux-$architecture/native/libe_sqlite3.so"
        @($report.Libraries) | Should -Be @($expected)
    }
}

Describe 'Get-GcFileTransfer' {
    BeforeAll {
        $journalPath = Join-Path $TestDrive 'query/journal.db'
        Connect-GcCloud -BaseUri $emulator.BaseUri @signIn -JournalPath $journalPath
        $folder = Join-Path $TestDrive 'query'
        $first = Send-GcFile -LiteralPath (New-TestFile -Kind Pdf -Path (Join-Path $folder 'first.pdf') -SizeBytes 2001).FullName @target @metadata -Deliver
        $second = Send-GcFile -LiteralPath (New-TestFile -Kind Text -Path (Join-Path $folder 'second.txt') -SizeBytes 2002).FullName @target @metadata -Deliver
        $third = Send-GcFile -LiteralPath (New-TestFile -Kind Png -Path (Join-Path $folder 'third.png') -SizeBytes 2003).FullName @target @metadata
        Disconnect-GcCloud
    }

    It 'lists every transfer of an earlier session, newest first, with its history' {
        $found = @(Get-GcFileTransfer -JournalPath $journalPath)

        $found.TransferId | Should -Be @($third.TransferId, $second.TransferId, $first.TransferId)
        $found[0] | Should -BeOfType ([GenesysFileTransfer.Engine.Transfers.FileTransfer])
        $found[2].History.Event | Should -Be @('recorded', 'created', 'uploaded', 'valid', 'delivering', 'delivered')
        $found[2].MessageId | Should -Be $first.MessageId
        $found[2].Resumed | Should -BeTrue
    }

    It 'filters by status, by file name and by path' {
        @(Get-GcFileTransfer -JournalPath $journalPath -Status Delivered).TransferId | Should -Be @($second.TransferId, $first.TransferId)
        @(Get-GcFileTransfer -JournalPath $journalPath -Status Uploaded).TransferId | Should -Be @($third.TransferId)
        @(Get-GcFileTransfer -JournalPath $journalPath -Status Uploaded, Failed, Delivered).Count | Should -Be 3
        @(Get-GcFileTransfer -JournalPath $journalPath -Status Failed) | Should -BeNullOrEmpty
        (Get-GcFileTransfer -JournalPath $journalPath -Path 'second.txt').TransferId | Should -Be $second.TransferId
        (Get-GcFileTransfer -JournalPath $journalPath -Path (Join-Path $folder 'first.pdf')).TransferId | Should -Be $first.TransferId
        Get-GcFileTransfer -JournalPath $journalPath -Path (Join-Path $TestDrive 'elsewhere/first.pdf') | Should -BeNullOrEmpty
    }

    It 'filters by conversation and time and stops after -First' {
        @(Get-GcFileTransfer -JournalPath $journalPath -ConversationId $emulator.ConversationId).Count | Should -Be 3
        Get-GcFileTransfer -JournalPath $journalPath -ConversationId 'another-conversation' | Should -BeNullOrEmpty
        Get-GcFileTransfer -JournalPath $journalPath -Since (Get-Date).AddMinutes(5) | Should -BeNullOrEmpty
        @(Get-GcFileTransfer -JournalPath $journalPath -Since $second.CreatedAt.LocalDateTime).TransferId | Should -Be @($third.TransferId, $second.TransferId)
        (Get-GcFileTransfer -JournalPath $journalPath -First 1).TransferId | Should -Be $third.TransferId
    }

    It 'takes transfer ids from the pipeline by property name, and reports an unknown one' {
        $found = @($first, [pscustomobject]@{ TransferId = [guid]::NewGuid() }, $third |
                Get-GcFileTransfer -JournalPath $journalPath -ErrorVariable problems -ErrorAction SilentlyContinue)

        $found.TransferId | Should -Be @($first.TransferId, $third.TransferId)
        $problems.Count | Should -Be 1
        $problems[0].FullyQualifiedErrorId | Should -Be 'TransferNotFound,GenesysFileTransfer.Commands.GetGcFileTransferCommand'
        $problems[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
        $problems[0].TargetObject | Should -BeOfType ([guid])
    }

    It 'reads the connection''s journal, and a transfer it finds can go on through the other cmdlets' {
        Connect-GcCloud -BaseUri $emulator.BaseUri @signIn -JournalPath $journalPath
        try {
            $uploaded = Get-GcFileTransfer -Status Uploaded
            $uploaded.TransferId | Should -Be $third.TransferId

            $delivered = $uploaded | Wait-GcFileTransferScan | Send-GcFileTransferMessage

            $delivered.Status | Should -Be 'Delivered'
            (Get-GcFileTransfer -TransferId $third.TransferId).Status | Should -Be 'Delivered'
        }
        finally { Disconnect-GcCloud }
        (Get-GcFileTransfer -JournalPath $journalPath -TransferId $third.TransferId).Status | Should -Be 'Delivered'
    }

    It 'lists the session''s own transfers when the connection keeps no journal' {
        Connect-GcCloud -BaseUri $emulator.BaseUri @signIn -NoJournal
        try {
            (Get-GcConnection).Journal | Should -BeNullOrEmpty
            $sent = New-GcFileTransfer -LiteralPath (New-TestFile -Kind Pdf -Path (Join-Path $TestDrive 'memory/only.pdf') -SizeBytes 2100).FullName @target @metadata

            (Get-GcFileTransfer).TransferId | Should -Be $sent.TransferId
        }
        finally { Disconnect-GcCloud }
    }

    It 'completes -Status with the transfer states' {
        $completions = (TabExpansion2 -inputScript 'Get-GcFileTransfer -Status Del' -cursorColumn 'Get-GcFileTransfer -Status Del'.Length).CompletionMatches
        $completions.CompletionText | Should -Contain 'Delivered'
        $all = (TabExpansion2 -inputScript 'Get-GcFileTransfer -Status ' -cursorColumn 'Get-GcFileTransfer -Status '.Length).CompletionMatches.CompletionText
        $all | Sort-Object | Should -Be ([enum]::GetNames([GenesysFileTransfer.Engine.Transfers.TransferStatus]) | Sort-Object)
    }

    It 'fails with PathNotFound for a journal that does not exist, without creating it' {
        $missing = Join-Path $TestDrive 'no-such/journal.db'

        { Get-GcFileTransfer -JournalPath $missing } | Should -Throw -ErrorId 'PathNotFound,GenesysFileTransfer.Commands.GetGcFileTransferCommand'
        $missing | Should -Not -Exist
    }

    It 'fails with JournalUnavailable for a file that is not a journal' {
        $notes = Join-Path $TestDrive 'notes.db'
        Set-Content -LiteralPath $notes -Value ('not a database ' * 500)

        $thrown = { Get-GcFileTransfer -JournalPath $notes } | Should -Throw -ErrorId 'JournalUnavailable,GenesysFileTransfer.Commands.GetGcFileTransferCommand' -PassThru
        $thrown.CategoryInfo.Category | Should -Be 'OpenError'
        $thrown.TargetObject | Should -Be $notes
    }
}

Describe 'Sending a file the journal already has' {
    BeforeAll {
        $journalPath = Join-Path $TestDrive 'resume/journal.db'
        $folder = Join-Path $TestDrive 'resume'
        function Get-Routes([string] $Route) { @(Invoke-EmulatorControl -Emulator $emulator -Path "emulator/requests?route=$Route") }
    }

    AfterEach { Disconnect-GcCloud -ErrorAction SilentlyContinue }

    It 'sends nothing again for a delivered file, in a later session' {
        $path = (New-TestFile -Kind Pdf -Path (Join-Path $folder 'once.pdf') -SizeBytes 4101).FullName
        Connect-GcCloud -BaseUri $emulator.BaseUri @signIn -JournalPath $journalPath
        $first = Send-GcFile -LiteralPath $path @target @metadata -Deliver
        Disconnect-GcCloud
        $uploads = (Get-Routes uploads).Count
        $puts = (Get-Routes s3).Count
        $messages = @(Invoke-EmulatorControl -Emulator $emulator -Path 'emulator/messages').Count

        Connect-GcCloud -BaseUri $emulator.BaseUri @signIn -JournalPath $journalPath
        $again = Send-GcFile -LiteralPath $path @target @metadata -Deliver -Verbose 4>&1
        $verbose = @($again | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] })
        $result = $again | Where-Object { $_ -is [GenesysFileTransfer.Engine.Transfers.FileTransfer] }

        $result.TransferId | Should -Be $first.TransferId
        $result.Status | Should -Be 'Delivered'
        $result.MessageId | Should -Be $first.MessageId
        ($verbose.Message -join "`n") | Should -Match 'already delivered'
        (Get-Routes uploads).Count | Should -Be $uploads
        (Get-Routes s3).Count | Should -Be $puts
        @(Invoke-EmulatorControl -Emulator $emulator -Path 'emulator/messages').Count | Should -Be $messages
    }

    It 'starts a fresh transfer with -Force' {
        $path = (New-TestFile -Kind Pdf -Path (Join-Path $folder 'twice.pdf') -SizeBytes 4102).FullName
        Connect-GcCloud -BaseUri $emulator.BaseUri @signIn -JournalPath $journalPath
        $first = New-GcFileTransfer -LiteralPath $path @target @metadata

        $same = New-GcFileTransfer -LiteralPath $path @target @metadata
        $fresh = New-GcFileTransfer -LiteralPath $path @target @metadata -Force

        $same.TransferId | Should -Be $first.TransferId
        $fresh.TransferId | Should -Not -Be $first.TransferId
        $fresh.Status | Should -Be 'Created'
        $fresh.MediaId | Should -Not -Be $first.MediaId
    }

    It 'reports media Genesys marked invalid again, without uploading it again' {
        $path = (New-TestFile -Kind Eicar -Path (Join-Path $folder 'eicar.txt')).FullName
        Connect-GcCloud -BaseUri $emulator.BaseUri @signIn -JournalPath $journalPath
        $null = Send-GcFile -LiteralPath $path @target @metadata -Wait -ErrorAction SilentlyContinue
        Disconnect-GcCloud
        $uploads = (Get-Routes uploads).Count
        $puts = (Get-Routes s3).Count

        Connect-GcCloud -BaseUri $emulator.BaseUri @signIn -JournalPath $journalPath
        $result = New-GcFileTransfer -LiteralPath $path @target @metadata -ErrorVariable problems -ErrorAction SilentlyContinue
        $result += Send-GcFile -LiteralPath $path @target @metadata -Deliver -ErrorVariable +problems -ErrorAction SilentlyContinue

        $result | Should -BeNullOrEmpty
        $problems.Count | Should -Be 2
        $problems.FullyQualifiedErrorId | ForEach-Object { $_ | Should -BeLike 'FileRejectedByGenesys,*' }
        $problems[0].TargetObject.Status | Should -Be 'Invalid'
        (Get-Routes uploads).Count | Should -Be $uploads
        (Get-Routes s3).Count | Should -Be $puts
    }

    It 'refuses -JournalPath together with -NoJournal' {
        { Connect-GcCloud -BaseUri $emulator.BaseUri @signIn -JournalPath $journalPath -NoJournal } |
            Should -Throw -ErrorId 'ConnectionFailed,GenesysFileTransfer.Commands.ConnectGcCloudCommand'
    }

    It 'fails Connect-GcCloud with JournalUnavailable for a file that is not a journal' {
        $notes = Join-Path $TestDrive 'resume-notes.db'
        Set-Content -LiteralPath $notes -Value ('not a database ' * 500)

        { Connect-GcCloud -BaseUri $emulator.BaseUri @signIn -JournalPath $notes } |
            Should -Throw -ErrorId 'JournalUnavailable,GenesysFileTransfer.Commands.ConnectGcCloudCommand'
    }
}

Describe 'A batch killed mid-way' {
    BeforeAll {
        # An emulator of its own, so every count below is this batch's alone.
        $batchEmulator = Start-TestEmulator
        $settings = @{ validationDelayMs = 300 }
        Invoke-EmulatorControl -Emulator $batchEmulator -Method Patch -Path 'emulator/settings' -Body $settings
        $batch = Join-Path $TestDrive 'batch'
        $files = foreach ($i in 1..30) {
            # Distinct sizes make distinct bytes, hence 30 distinct SHA-256 digests.
            New-TestFile -Kind Pdf -Path (Join-Path $batch ('statement-{0:D2}.pdf' -f $i)) -SizeBytes (20000 + $i)
        }
        $hashes = @{}
        foreach ($file in $files) { $hashes[(Get-FileHash -LiteralPath $file.FullName -Algorithm SHA256).Hash.ToLowerInvariant()] = $file.Name }
        $journalPath = Join-Path $TestDrive 'batch-journal/journal.db'
        $resultPath = Join-Path $TestDrive 'batch-result.json'
        $script = Join-Path $TestDrive 'send-batch.ps1'
        Set-Content -LiteralPath $script -Value @'
param($ModulePath, $BaseUri, $JournalPath, $Folder, $ConversationId, $CommunicationId, $ResultPath)
$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'
Import-Module $ModulePath
$secret = ConvertTo-SecureString 'emulator-secret-0123456789' -AsPlainText -Force
# A short lease: the killed run's claims on its in-flight files run out within seconds, not minutes.
Connect-GcCloud -BaseUri $BaseUri -ClientId emulator-client -ClientSecret $secret -JournalPath $JournalPath -NoAuditLog -TransferLeaseSec 5
$sent = @(Get-ChildItem -LiteralPath $Folder -File |
    Send-GcFile -ConversationId $ConversationId -CommunicationId $CommunicationId -StorageBucketReference 3f2504e0-4f89-41d3-9a0c-0305e82c3301 -RetentionDays 30 -Deliver -ThrottleLimit 6)
$summary = $sent | Select-Object TransferId, FileName, @{ Name = 'Status'; Expression = { "$($_.Status)" } }, Resumed, Sha256
ConvertTo-Json -InputObject @($summary) | Set-Content -LiteralPath $ResultPath
'@
        $arguments = @($env:GFT_MODULE_PATH, "$($batchEmulator.BaseUri)", $journalPath, $batch, $batchEmulator.ConversationId, $batchEmulator.CommunicationId, $resultPath)

        function Get-Messages { @(Invoke-EmulatorControl -Emulator $batchEmulator -Path 'emulator/messages') }
        function Get-Media { @(Invoke-EmulatorControl -Emulator $batchEmulator -Path 'emulator/media') }
        function Get-Puts { @(Invoke-EmulatorControl -Emulator $batchEmulator -Path 'emulator/requests?route=s3' | Where-Object { $_.method -eq 'PUT' -and $_.status -eq 200 }) }
        function Get-DeliveredMediaIds { @(Get-Messages | ForEach-Object { $_.media } | ForEach-Object { $_.id }) }
    }

    AfterAll { Stop-TestEmulator -Emulator $batchEmulator }

    It 'delivers every file exactly once on the next run, and uploads no finished file again' {
        $first = Start-ChildPowerShell -ScriptPath $script -Arguments $arguments
        $deadline = [DateTime]::UtcNow.AddSeconds(90)
        while ((Get-Messages).Count -lt 5) {
            if ($first.Process.HasExited) { throw "The first run ended before the kill: $($first.Errors.Result)" }
            if ([DateTime]::UtcNow -gt $deadline) { $first.Process.Kill($true); throw 'The first run delivered fewer than 5 files in 90 s.' }
            Start-Sleep -Milliseconds 50
        }
        # Freeze the batch where it stands: deliveries and uploads now wait before the emulator acts on them, and
        # media uploaded from now on validate only after the kill. In-flight files end up Valid, Uploaded or Created.
        Invoke-EmulatorControl -Emulator $batchEmulator -Method Post -Path 'emulator/faults' -Body @{ route = 'messages'; method = 'POST'; count = 1000; action = 'hang'; hangMs = 600000 }
        Invoke-EmulatorControl -Emulator $batchEmulator -Method Post -Path 'emulator/faults' -Body @{ route = 's3'; method = 'PUT'; count = 1000; action = 'hang'; hangMs = 600000 }
        Invoke-EmulatorControl -Emulator $batchEmulator -Method Patch -Path 'emulator/settings' -Body @{ validationDelayMs = 3000 }
        # A delivery the emulator answered just before the freeze has this long to reach the journal.
        Start-Sleep -Milliseconds 1500
        $first.Process.Kill($true)
        $first.Process.WaitForExit()
        Invoke-EmulatorControl -Emulator $batchEmulator -Method Delete -Path 'emulator/faults'
        Invoke-EmulatorControl -Emulator $batchEmulator -Method Patch -Path 'emulator/settings' -Body $settings

        $deliveredFirst = Get-DeliveredMediaIds
        $deliveredFirst.Count | Should -BeGreaterOrEqual 5
        $deliveredFirst.Count | Should -BeLessThan 30 -Because 'the kill must land before the batch is done'
        $namesDeliveredFirst = @(Get-Media | Where-Object { $_.id -in $deliveredFirst } | ForEach-Object { $_.name })
        $mediaAfterFirst = @(Get-Media).id
        $recorded = @(Get-GcFileTransfer -JournalPath $journalPath)
        Write-Host "After the kill: $($deliveredFirst.Count) delivered; journal: $(($recorded | Group-Object Status | ForEach-Object { "$($_.Count) $($_.Name)" }) -join ', ')"
        @($recorded | Where-Object Status -EQ 'Delivered').FileName | Sort-Object | Should -Be ($namesDeliveredFirst | Sort-Object)
        Invoke-EmulatorControl -Emulator $batchEmulator -Method Delete -Path 'emulator/requests'

        $second = Wait-ChildPowerShell (Start-ChildPowerShell -ScriptPath $script -Arguments $arguments)

        $second.ExitCode | Should -Be 0 -Because $second.Errors
        $results = @(Get-Content -LiteralPath $resultPath -Raw | ConvertFrom-Json)
        $results.Count | Should -Be 30
        $results | Where-Object Status -NE 'Delivered' | Should -BeNullOrEmpty
        @($results | Where-Object { $_.FileName -in $namesDeliveredFirst -and -not $_.Resumed }) | Should -BeNullOrEmpty

        # Exactly once: one message per file, told apart by the SHA-256 of the bytes the emulator received.
        $shaOfMedia = @{}
        foreach ($media in Get-Media) { $shaOfMedia[$media.id] = $media.sha256 }
        $deliveredShas = @(Get-DeliveredMediaIds | ForEach-Object { $shaOfMedia[$_] })
        $deliveredShas.Count | Should -Be 30
        @($deliveredShas | Sort-Object -Unique).Count | Should -Be 30
        $deliveredShas | ForEach-Object { $hashes.ContainsKey($_) | Should -BeTrue }

        # Nothing finished was uploaded again: no media ever took two uploads, the second run created no media
        # for a file the first run delivered, and it sent no bytes to the first run's delivered media.
        $putsPerMedia = Get-Puts | Group-Object { ($_.path -split '/')[-2] }
        $putsPerMedia | Where-Object Count -GT 1 | Should -BeNullOrEmpty
        @(Get-Media | Where-Object { $_.id -notin $mediaAfterFirst -and $_.name -in $namesDeliveredFirst }) | Should -BeNullOrEmpty
        @(Get-Puts | Where-Object { ($_.path -split '/')[-2] -in $deliveredFirst }) | Should -BeNullOrEmpty
        @(Get-GcFileTransfer -JournalPath $journalPath -Status Delivered).Count | Should -Be 30
        @(Get-GcFileTransfer -JournalPath $journalPath).Count | Should -Be 30
    }
}
