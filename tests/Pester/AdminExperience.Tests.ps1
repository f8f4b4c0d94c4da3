# An admin's first hour: what a PowerShell user expects from a batch (progress with a real total, an end-of-batch
# summary a script can act on, a scheduled script that fails when a file fails), a dry run (-WhatIf runs every local
# check), errors (naming the file, stopping early on a conversation-level error), names Genesys refuses (-FileName),
# CSV manifests with empty cells, session defaults, banners, views, completion and lookup.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module $env:GFT_MODULE_PATH -Force
    $emulator = Start-TestEmulator
    Invoke-EmulatorControl -Emulator $emulator -Method Patch -Path 'emulator/settings' -Body @{ validationDelayMs = 20 }
    # Outside TestDrive: Pester removes what a Describe created there, which would take the journal's -wal and -shm files.
    $journalFolder = New-Item -ItemType Directory -Path (Join-Path ([System.IO.Path]::GetTempPath()) "gft-admin-$([guid]::NewGuid().ToString('n'))")
    $journalPath = Join-Path $journalFolder 'journal.db'
    $connect = @{ BaseUri = $emulator.BaseUri; ClientId = $emulator.ClientId; ClientSecret = $emulator.ClientSecret; NoAuditLog = $true; JournalPath = $journalPath }
    Connect-GcCloud @connect -InformationVariable connectInformation -InformationAction Ignore

    $target = @{ ConversationId = $emulator.ConversationId; CommunicationId = $emulator.CommunicationId }
    $metadata = @{ StorageBucketReference = '3f2504e0-4f89-41d3-9a0c-0305e82c3301'; RetentionDays = 30 }

    function Get-EmulatorRequests([string] $Route) {
        $path = if ($Route) { "emulator/requests?route=$Route" } else { 'emulator/requests' }
        @(Invoke-EmulatorControl -Emulator $emulator -Path $path)
    }

    function New-Folder([string] $Name) { New-Item -ItemType Directory -Path (Join-Path $TestDrive $Name) }

    # Runs a script in a runspace of its own, connected like this one, and returns its output and every stream.
    function Invoke-Isolated([scriptblock] $Script, [object[]] $Arguments = @()) {
        $shell = [powershell]::Create()
        try {
            $null = $shell.AddScript({
                    param($module, $connect)
                    Import-Module $module
                    Connect-GcCloud @connect -InformationAction Ignore
                }).AddArgument($env:GFT_MODULE_PATH).AddArgument($connect)
            $null = $shell.AddStatement().AddScript($Script)
            foreach ($argument in $Arguments) { $null = $shell.AddArgument($argument) }
            $output = $shell.Invoke()
            [pscustomobject]@{
                Output      = @($output)
                Progress    = @($shell.Streams.Progress)
                Errors      = @($shell.Streams.Error)
                Information = @($shell.Streams.Information)
                Warnings    = @($shell.Streams.Warning)
            }
        }
        finally { $shell.Dispose() }
    }
}

AfterAll {
    Disconnect-GcCloud -ErrorAction SilentlyContinue
    Stop-TestEmulator -Emulator $emulator
    Remove-Item -LiteralPath $journalFolder -Recurse -Force -ErrorAction SilentlyContinue
}

Describe 'Progress' {
    It 'counts files done out of the whole batch, with its bytes, when a wildcard names the files' {
        $folder = New-Folder 'progress-wildcard'
        $sizes = 40000, 50000, 60000, 70000, 80000, 90000
        for ($i = 0; $i -lt $sizes.Count; $i++) { New-TestFile -Kind Pdf -Path (Join-Path $folder "p$i.pdf") -SizeBytes $sizes[$i] }
        $totalKb = '{0:0.0} KB' -f (($sizes | Measure-Object -Sum).Sum / 1024)

        $run = Invoke-Isolated { param($pattern, $target, $metadata) Send-GcFile -Path $pattern @target @metadata -ThrottleLimit 3 -InformationAction Ignore } @((Join-Path $folder '*.pdf'), $target, $metadata)

        $run.Errors | Should -BeNullOrEmpty
        $overall = @($run.Progress | Where-Object { $_.ActivityId -eq 1 -and $_.RecordType -eq 'Processing' })
        $overall.Count | Should -BeGreaterThan 0
        # Every overall line states the real total; none counts "out of started".
        $overall | ForEach-Object { $_.StatusDescription | Should -Match '^\d+ of 6 files done, \d+ in flight; .+ of ' }
        ($overall | ForEach-Object { [int]($_.StatusDescription -replace '^(\d+) of.*', '$1') } | Measure-Object -Maximum).Maximum | Should -Be 6
        $overall[-1].StatusDescription | Should -BeLike "*of $totalKb"
        $overall[-1].PercentComplete | Should -Be 100
    }

    It 'knows the total of a whole Get-ChildItem piped in' {
        $folder = New-Folder 'progress-pipe'
        1..4 | ForEach-Object { New-TestFile -Kind Text -Path (Join-Path $folder "t$_.txt") -SizeBytes 2048 }

        $run = Invoke-Isolated { param($folder, $target, $metadata) Get-ChildItem -LiteralPath $folder | Send-GcFile @target @metadata -ThrottleLimit 1 -InformationAction Ignore } @($folder.FullName, $target, $metadata)

        $overall = @($run.Progress | Where-Object { $_.ActivityId -eq 1 -and $_.RecordType -eq 'Processing' })
        $overall | ForEach-Object { $_.StatusDescription | Should -Match '^\d+ of 4 files done' }
        $run.Output.Count | Should -Be 4
    }

    It 'says "N done, M in flight" when transfers stream in from another command' {
        $folder = New-Folder 'progress-stream'
        1..3 | ForEach-Object { New-TestFile -Kind Text -Path (Join-Path $folder "s$_.txt") -SizeBytes 1024 }

        $run = Invoke-Isolated { param($folder, $target, $metadata) Get-ChildItem -LiteralPath $folder | New-GcFileTransfer @target @metadata | Send-GcFile -InformationAction Ignore } @($folder.FullName, $target, $metadata)

        $overall = @($run.Progress | Where-Object { $_.ActivityId -eq 1 -and $_.RecordType -eq 'Processing' })
        $overall.Count | Should -BeGreaterThan 0
        $overall | ForEach-Object { $_.StatusDescription | Should -Match '^\d+ done, \d+ in flight, .+ uploaded$' }
        $overall | ForEach-Object { $_.PercentComplete | Should -Be -1 }
    }
}

Describe 'The end-of-batch summary' {
    It 'counts delivered files, then the same files as already done on a rerun, in the variable and on the information stream' {
        $folder = New-Folder 'summary'
        1..3 | ForEach-Object { New-TestFile -Kind Pdf -Path (Join-Path $folder "s$_.pdf") -SizeBytes (3000 + $_) }

        $first = Get-ChildItem -LiteralPath $folder | Send-GcFile @target @metadata -Deliver -SummaryVariable firstRun -InformationVariable firstInfo -InformationAction Ignore
        $second = Get-ChildItem -LiteralPath $folder | Send-GcFile @target @metadata -Deliver -SummaryVariable rerun -InformationVariable rerunInfo -InformationAction Ignore

        @($first).Count | Should -Be 3
        $firstRun.Delivered | Should -Be 3
        $firstRun.AlreadyDone | Should -Be 0
        $firstRun.Succeeded | Should -BeTrue
        $firstRun.BytesUploaded | Should -Be (3001 + 3002 + 3003)
        $rerun.Delivered | Should -Be 0
        $rerun.AlreadyDone | Should -Be 3
        $rerun.Total | Should -Be 3
        @($second).Count | Should -Be 3
        ($firstInfo | Where-Object Tags -Contains 'Summary').MessageData.Message | Should -Match '3 files in .*: 3 delivered, 0 already done, 0 failed, 0 skipped'
        ($rerunInfo | Where-Object Tags -Contains 'Summary').MessageData.Message | Should -Match ': 0 delivered, 3 already done, 0 failed'
    }

    It 'lists each failed file with its error id, and counts the good ones' {
        $folder = New-Folder 'summary-failed'
        New-TestFile -Kind Pdf -Path (Join-Path $folder 'good.pdf') -SizeBytes 3210
        New-TestFile -Kind Exe -Path (Join-Path $folder 'setup.pdf')
        New-TestFile -Kind Text -Path (Join-Path $folder 'bad name.txt')

        $null = Get-ChildItem -LiteralPath $folder | Send-GcFile @target @metadata -Deliver -SummaryVariable summary -ErrorAction SilentlyContinue -ErrorVariable problems -InformationAction Ignore

        $summary.Delivered | Should -Be 1
        $summary.Failed | Should -Be 2
        $summary.Succeeded | Should -BeFalse
        @($summary.Failures.FileName | Sort-Object) | Should -Be @('bad name.txt', 'setup.pdf')
        @($summary.Failures.ErrorId | Select-Object -Unique) | Should -Be @('FileValidationFailed')
        $problems.Count | Should -Be 2
    }

    It 'makes a scheduled script (pwsh -File) exit 1 when a file fails, and 0 when none does, as docs/usage.md shows' {
        $folder = New-Folder 'scheduled'
        New-TestFile -Kind Pdf -Path (Join-Path $folder 'ok.pdf') -SizeBytes 2222
        $bad = New-Folder 'scheduled-bad'
        New-TestFile -Kind Pdf -Path (Join-Path $bad 'ok2.pdf') -SizeBytes 2223
        New-TestFile -Kind Exe -Path (Join-Path $bad 'disguised.pdf')
        $script = Join-Path $TestDrive 'send.ps1'
        # The example from docs/usage.md ("Failing a scheduled script or runbook"), with the emulator's ids.
        @'
param($Module, $BaseUri, $Folder, $ConversationId, $CommunicationId, $Journal)
Import-Module $Module
$secret = ConvertTo-SecureString 'emulator-secret-0123456789' -AsPlainText -Force
Connect-GcCloud -BaseUri $BaseUri -ClientId emulator-client -ClientSecret $secret -NoAuditLog -JournalPath $Journal
Get-ChildItem -LiteralPath $Folder -File |
    Send-GcFile -ConversationId $ConversationId -CommunicationId $CommunicationId -StorageBucketReference 3f2504e0-4f89-41d3-9a0c-0305e82c3301 -RetentionDays 30 -Deliver -SummaryVariable summary
if (-not $summary.Succeeded) {
    Write-Error "$($summary.Failed) of $($summary.Total) files failed: $($summary.Failures.FileName -join ', ')"
    exit 1
}
'@ | Set-Content -LiteralPath $script
        # The same PowerShell as this one, in a new process: 'dotnet pwsh' runs pwsh.dll inside the dotnet host.
        $pwsh = [System.Diagnostics.Process]::GetCurrentProcess().MainModule.FileName
        $common = @('-Module', $env:GFT_MODULE_PATH, '-BaseUri', $emulator.BaseUri, '-ConversationId', $emulator.ConversationId, '-CommunicationId', $emulator.CommunicationId)
        [string[]] $prefix = if ([System.IO.Path]::GetFileNameWithoutExtension($pwsh) -eq 'dotnet') { @(Join-Path $PSHOME 'pwsh.dll') } else { @() }

        $null = & $pwsh @prefix -NoProfile -NonInteractive -File $script @common -Folder $folder.FullName -Journal (Join-Path $TestDrive 'sched1.db') 2>&1
        $goodExit = $LASTEXITCODE
        $output = & $pwsh @prefix -NoProfile -NonInteractive -File $script @common -Folder $bad.FullName -Journal (Join-Path $TestDrive 'sched2.db') 2>&1
        $badExit = $LASTEXITCODE

        $goodExit | Should -Be 0
        $badExit | Should -Be 1
        ($output | Out-String) | Should -Match '1 of 2 files failed: disguised.pdf'
    }
}

Describe '-WhatIf runs every local check' {
    It 'refuses <Case> exactly as a real run would, and creates nothing' -TestCases @(
        @{ Case = 'an executable renamed .pdf'; Kind = 'Exe'; Name = 'renamed.pdf'; Bucket = '3f2504e0-4f89-41d3-9a0c-0305e82c3301'; Code = 'ContentMismatch' }
        @{ Case = 'a bucket that is not a UUID'; Kind = 'Pdf'; Name = 'bucket.pdf'; Bucket = 'not-a-uuid'; Code = 'StorageBucketReferenceNotUuid' }
    ) {
        param($Case, $Kind, $Name, $Bucket, $Code)
        $path = Join-Path (New-Folder "whatif-$Kind-$Code") $Name
        New-TestFile -Kind $Kind -Path $path
        $before = (Get-EmulatorRequests).Count

        $null = Send-GcFile -Path $path @target -StorageBucketReference $Bucket -RetentionDays 30 -Deliver -WhatIf -ErrorVariable dry -ErrorAction SilentlyContinue -InformationAction Ignore
        $null = New-GcFileTransfer -Path $path @target -StorageBucketReference $Bucket -RetentionDays 30 -WhatIf -ErrorVariable dryNew -ErrorAction SilentlyContinue
        $requestsAfterDryRun = (Get-EmulatorRequests).Count
        $null = Send-GcFile -Path $path @target -StorageBucketReference $Bucket -RetentionDays 30 -Deliver -ErrorVariable real -ErrorAction SilentlyContinue -InformationAction Ignore

        $requestsAfterDryRun | Should -Be $before
        $dry.Count | Should -Be 1
        $dryNew.Count | Should -Be 1
        $dry[0].FullyQualifiedErrorId | Should -BeLike 'FileValidationFailed,*'
        $dry[0].TargetObject | Should -Be $path
        $dry[0].Exception.Report.Failures.ErrorCode | Should -Contain $Code
        $dry[0].ToString() | Should -Be $real[0].ToString()
        $dry[0].FullyQualifiedErrorId | Should -Be $real[0].FullyQualifiedErrorId
    }

    It 'still only describes a valid file, creating nothing' {
        $path = Join-Path (New-Folder 'whatif-ok') 'fine.pdf'
        New-TestFile -Kind Pdf -Path $path -SizeBytes 3333
        $before = (Get-EmulatorRequests).Count

        $sent = Send-GcFile -Path $path @target @metadata -Deliver -WhatIf -ErrorVariable dry -SummaryVariable summary -InformationAction Ignore

        $sent | Should -BeNullOrEmpty
        $dry.Count | Should -Be 0
        $summary.Skipped | Should -Be 1
        (Get-EmulatorRequests).Count | Should -Be $before
    }
}

Describe 'Errors after the local checks' {
    It 'start with the file name and say what to do next (a 500 on delivery)' {
        $path = Join-Path (New-Folder 'err500') 'quarterly report.pdf'
        New-TestFile -Kind Pdf -Path $path -SizeBytes 4321
        $renamed = 'quarterly-report.pdf'
        Invoke-EmulatorControl -Emulator $emulator -Method Post -Path 'emulator/faults' -Body @{ route = 'messages'; method = 'POST'; count = 10; action = 'status'; status = 500 }
        try {
            $null = Send-GcFile -Path $path -FileName $renamed @target @metadata -Deliver -ErrorVariable failed -ErrorAction SilentlyContinue -InformationAction Ignore
        }
        finally { Invoke-EmulatorControl -Emulator $emulator -Method Delete -Path 'emulator/faults' }

        $failed.Count | Should -Be 1
        $failed[0].ToString() | Should -Match "^'?$([regex]::Escape($renamed))'?:? "
        $failed[0].ErrorDetails.RecommendedAction | Should -Match 'again'
        $failed[0].TargetObject | Should -Be $path
    }

    It 'stops a batch after the first 404 for an unknown conversation, with one error and the rest skipped' {
        $folder = New-Folder 'wrong-conversation'
        1..6 | ForEach-Object { New-TestFile -Kind Text -Path (Join-Path $folder "w$_.txt") -SizeBytes (100 + $_) }
        $wrong = [guid]::NewGuid().ToString()
        $before = @(Get-EmulatorRequests -Route uploads).Count

        $null = Get-ChildItem -LiteralPath $folder | Send-GcFile -ConversationId $wrong -CommunicationId $emulator.CommunicationId @metadata -ThrottleLimit 1 -SummaryVariable summary -ErrorVariable failed -ErrorAction SilentlyContinue -WarningVariable warned -WarningAction SilentlyContinue -InformationAction Ignore

        $failed.Count | Should -Be 1
        $failed[0].FullyQualifiedErrorId | Should -BeLike 'GenesysApiError,*'
        $failed[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
        $failed[0].ToString() | Should -Match "^w1\.txt: .*404.*$wrong are not sent"
        $summary.Failed | Should -Be 1
        $summary.Skipped | Should -Be 5
        @(Get-EmulatorRequests -Route uploads).Count - $before | Should -Be 1
        $warned.Count | Should -Be 1
        "$($warned[0])" | Should -Match "5 more files for conversation $wrong"
    }

    It 'drops the .NET "(Parameter ...)" suffix from a wrong region' {
        { Connect-GcCloud -Region 'atlantis_1' -ClientId x -ClientSecret (ConvertTo-SecureString 'y' -AsPlainText -Force) -NoAuditLog -NoJournal -ErrorAction Stop } |
            Should -Throw -ExpectedMessage '*atlantis_1*' -PassThru | ForEach-Object { $_.ToString() | Should -Not -Match '\(Parameter ' }
    }
}

Describe 'Sending under a name Genesys accepts' {
    It 'refuses "my invoice.pdf" as it is, and sends it with -FileName, keeping the name on disk in the journal' {
        $path = Join-Path (New-Folder 'rename') 'my invoice.pdf'
        New-TestFile -Kind Pdf -Path $path -SizeBytes 5151

        $null = Send-GcFile -LiteralPath $path @target @metadata -Deliver -ErrorVariable refused -ErrorAction SilentlyContinue -InformationAction Ignore
        $sent = Send-GcFile -LiteralPath $path -FileName 'my_invoice.pdf' @target @metadata -Deliver -InformationAction Ignore

        $refused.Count | Should -Be 1
        $refused[0].Exception.Report.Failures.Field | Should -Contain 'fileName'
        $sent.Status | Should -Be 'Delivered'
        $sent.FileName | Should -Be 'my_invoice.pdf'
        $sent.OriginalFileName | Should -Be 'my invoice.pdf'
        $media = Invoke-EmulatorControl -Emulator $emulator -Path "emulator/media/$($sent.MediaId)"
        $media.name | Should -Be 'my_invoice.pdf'
        # Another session reads the journal: the name on disk is kept with the path.
        $fromJournal = Get-GcFileTransfer -TransferId $sent.TransferId -JournalPath $journalPath
        $fromJournal.OriginalFileName | Should -Be 'my invoice.pdf'
        $fromJournal.FileName | Should -Be 'my_invoice.pdf'
    }

    It 'refuses one -FileName for several files' {
        $folder = New-Folder 'rename-many'
        1..2 | ForEach-Object { New-TestFile -Kind Pdf -Path (Join-Path $folder "r$_.pdf") }

        $null = Send-GcFile -Path (Join-Path $folder '*.pdf') -FileName 'one.pdf' @target @metadata -ErrorVariable refused -ErrorAction SilentlyContinue -InformationAction Ignore

        $refused.Count | Should -Be 2
        $refused[0].ToString() | Should -Match 'names one file'
    }
}

Describe 'CSV manifests and session defaults' {
    It 'takes the default for empty optional cells (EncryptionStandard, VirusScanEnabled, ContentType, FileName)' {
        $folder = New-Folder 'csv'
        $file = Join-Path $folder 'row.pdf'
        New-TestFile -Kind Pdf -Path $file
        $csv = Join-Path $folder 'manifest.csv'
        "Path,ConversationId,CommunicationId,StorageBucketReference,RetentionDays,EncryptionStandard,VirusScanEnabled,ContentType,FileName`n$file,$($emulator.ConversationId),$($emulator.CommunicationId),3f2504e0-4f89-41d3-9a0c-0305e82c3301,30,,,," | Set-Content -LiteralPath $csv

        $report = Import-Csv -LiteralPath $csv | Test-GcFileTransferPayload
        $transfer = Import-Csv -LiteralPath $csv | New-GcFileTransfer -Force

        $report.IsValid | Should -BeTrue
        $transfer.Metadata.AccessPolicy.EncryptionStandard | Should -Be 'AES-256'
        # Like an absent parameter, an empty cell follows the connection, and this one has no malware scanner.
        $transfer.Metadata.VirusScanEnabled | Should -BeFalse
        $transfer.FileName | Should -Be 'row.pdf'
    }

    It 'reports only the missing retention for an empty RetentionDays cell' {
        $file = Join-Path (New-Folder 'csv-retention') 'row.pdf'
        New-TestFile -Kind Pdf -Path $file
        $rows = "Path,StorageBucketReference,RetentionDays,EncryptionStandard`n$file,3f2504e0-4f89-41d3-9a0c-0305e82c3301,," | ConvertFrom-Csv

        $report = $rows | Test-GcFileTransferPayload

        $report.IsValid | Should -BeFalse
        @($report.Failures).Count | Should -Be 1
        $report.Failures[0].ErrorCode | Should -Be 'AccessPolicyMissing'
        $report.Failures[0].Message | Should -Match '-RetentionDays'
        $report.Failures[0].Message | Should -Not -Match 'whether downloads are allowed'
    }

    It 'takes the metadata from $PSDefaultParameterValues for every send of the session' {
        $path = Join-Path (New-Folder 'defaults') 'defaults.pdf'
        New-TestFile -Kind Pdf -Path $path -SizeBytes 6543
        $PSDefaultParameterValues['*-Gc*:StorageBucketReference'] = '3f2504e0-4f89-41d3-9a0c-0305e82c3301'
        $PSDefaultParameterValues['*-Gc*:RetentionDays'] = 45
        try {
            $sent = Send-GcFile -Path $path @target -InformationAction Ignore
        }
        finally {
            $PSDefaultParameterValues.Remove('*-Gc*:StorageBucketReference')
            $PSDefaultParameterValues.Remove('*-Gc*:RetentionDays')
        }

        $sent.Metadata.AccessPolicy.RetentionDays | Should -Be 45
        $sent.Metadata.StorageBucketReference | Should -Be '3f2504e0-4f89-41d3-9a0c-0305e82c3301'
    }
}

Describe 'Folders among the input' {
    It 'skips folders piped from Get-ChildItem -Recurse quietly, saying so on the verbose stream' {
        $folder = New-Folder 'recurse'
        $sub = New-Item -ItemType Directory -Path (Join-Path $folder 'sub')
        New-TestFile -Kind Text -Path (Join-Path $folder 'a.txt') -SizeBytes 1101
        New-TestFile -Kind Text -Path (Join-Path $sub 'b.txt') -SizeBytes 1102

        $results = Get-ChildItem -LiteralPath $folder -Recurse | Send-GcFile @target @metadata -ErrorVariable problems -Verbose -InformationAction Ignore 4>&1
        $sent = @($results | Where-Object { $_ -isnot [System.Management.Automation.VerboseRecord] })
        $verbose = @($results | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] })

        $problems.Count | Should -Be 0
        $sent.Count | Should -Be 2
        ($verbose.Message -join "`n") | Should -Match "Skipping the folder '.*sub'"
    }

    It 'gives one clear reason for a folder named as -Path' {
        $folder = New-Folder 'named-folder'

        $null = Send-GcFile -Path $folder.FullName @target @metadata -ErrorVariable problems -ErrorAction SilentlyContinue -InformationAction Ignore
        $report = Test-GcFileTransferPayload -Path $folder.FullName @metadata

        $problems.Count | Should -Be 1
        $problems[0].ToString() | Should -Match 'is a folder, not a file'
        @($report.Failures.ErrorCode) | Should -Be @('NotAFile')
    }
}

Describe 'Silence on success' {
    It 'Connect-GcCloud says where it connected, on the information stream' {
        ($connectInformation.MessageData.Message -join "`n") | Should -Match ([regex]::Escape(([uri]$emulator.BaseUri).Authority))
        $connectInformation[0].Tags | Should -Contain 'PSHOST'
    }

    It 'Start-GcWebhookListener says where it listens and how to stop, before the first request' {
        $probe = [System.Net.Sockets.TcpListener]::new([System.Net.IPAddress]::Loopback, 0)
        $probe.Start(); $port = $probe.LocalEndpoint.Port; $probe.Stop()
        $prefix = "http://127.0.0.1:$port/hooks/"
        $shell = [powershell]::Create()
        try {
            $null = $shell.AddScript({
                    param($module, $prefix, $journal)
                    Import-Module $module
                    Start-GcWebhookListener -Prefix $prefix -Secret (ConvertTo-SecureString 'listener-secret-0123456789' -AsPlainText -Force) -JournalPath $journal -AuditLogPath (Join-Path ([System.IO.Path]::GetDirectoryName($journal)) 'la')
                }).AddArgument($env:GFT_MODULE_PATH).AddArgument($prefix).AddArgument((Join-Path $TestDrive 'listener.db'))
            $running = $shell.BeginInvoke()
            $deadline = [DateTime]::UtcNow.AddSeconds(30)
            while ($shell.Streams.Information.Count -eq 0 -and [DateTime]::UtcNow -lt $deadline -and -not $running.IsCompleted) { Start-Sleep -Milliseconds 50 }
            # Read, not enumerated: enumerating a running command's stream waits until the command ends.
            $banner = @($shell.Streams.Information.ReadAll())
            $errors = @($shell.Streams.Error.ReadAll())
        }
        finally {
            $shell.Stop()
            $shell.Dispose()
        }

        $errors | Should -BeNullOrEmpty
        $banner.Count | Should -Be 1
        $banner[0].MessageData.Message | Should -Match ([regex]::Escape($prefix))
        $banner[0].MessageData.Message | Should -Match 'Ctrl\+C'
    }
}

Describe 'Views and lookup' {
    BeforeAll {
        $folder = New-Folder 'views'
        $viewFile = Join-Path $folder 's-view.pdf'
        New-TestFile -Kind Pdf -Path $viewFile -SizeBytes 7777
        $delivered = Send-GcFile -Path $viewFile @target @metadata -Deliver -SummaryVariable viewSummary -InformationAction Ignore
    }

    It 'shows <Name> without a type name in Format-List and Format-Table' -TestCases @(
        @{ Name = 'a transfer'; Get = { $delivered } }
        @{ Name = 'the summary'; Get = { $viewSummary } }
        @{ Name = 'the connection'; Get = { Get-GcConnection } }
        @{ Name = 'a validation report'; Get = { Test-GcFileTransferPayload -Path $viewFile @metadata } }
        @{ Name = 'the upload policy'; Get = { Get-GcFileUploadPolicy } }
    ) {
        param($Name, $Get)
        $value = & $Get
        $list = $value | Format-List | Out-String -Width 250
        $table = $value | Format-Table | Out-String -Width 250

        $list | Should -Not -Match 'GenesysFileTransfer\.(Engine|Commands)\.'
        $table | Should -Not -Match 'GenesysFileTransfer\.(Engine|Commands)\.'
    }

    It 'shows the metadata as a line and no upload-URL expiry on a delivered transfer' {
        $list = $delivered | Format-List | Out-String -Width 250

        $list | Should -Match 'Metadata\s*:\s*bucket 3f2504e0-4f89-41d3-9a0c-0305e82c3301; 30 days, AES-256'
        $list | Should -Not -Match 'ExpiresAt'
        $list | Should -Match 'DeliveredAt'
    }

    It 'labels every line of the connection view with a property of the connection' {
        $connection = Get-GcConnection
        $labels = ($connection | Format-List | Out-String -Width 250) -split "`r?`n" | Where-Object { $_ -match '^(\w+)\s*:' } | ForEach-Object { $Matches[1] }

        $labels.Count | Should -BeGreaterThan 3
        $properties = $connection.PSObject.Properties.Name
        $labels | ForEach-Object { $properties | Should -Contain $_ }
    }

    It 'Get-GcConnection answers nothing, without an error, when not connected' {
        $shell = [powershell]::Create()
        try {
            $null = $shell.AddScript({ param($module) Import-Module $module; Get-GcConnection }).AddArgument($env:GFT_MODULE_PATH)
            $result = $shell.Invoke()
            $errors = @($shell.Streams.Error)
        }
        finally { $shell.Dispose() }

        $result.Count | Should -Be 0
        $errors.Count | Should -Be 0
    }

    It 'finds transfers by a wildcard -Path' {
        $found = @(Get-GcFileTransfer -Path 's-*')
        $none = @(Get-GcFileTransfer -Path 'no-such-*' -Verbose 4>&1)

        $found.TransferId | Should -Contain $delivered.TransferId
        $found | ForEach-Object { $_.FileName | Should -BeLike 's-*' }
        $none.Count | Should -Be 1
        $none[0] | Should -BeOfType [System.Management.Automation.VerboseRecord]
        $none[0].Message | Should -Match 'No transfer in the journal matches'
    }

    It 'completes -TransferId and -ConversationId from the journal' {
        $prefix = $delivered.TransferId.ToString().Substring(0, 6)
        $ids = (TabExpansion2 -inputScript "Get-GcFileTransfer -TransferId $prefix" -cursorColumn ("Get-GcFileTransfer -TransferId $prefix").Length).CompletionMatches
        $conversations = (TabExpansion2 -inputScript 'Send-GcFile -ConversationId ' -cursorColumn 'Send-GcFile -ConversationId '.Length).CompletionMatches

        $ids.CompletionText | Should -Contain $delivered.TransferId.ToString()
        ($ids | Where-Object CompletionText -EQ $delivered.TransferId.ToString()).ToolTip | Should -Match 's-view.pdf'
        $conversations.CompletionText | Should -Contain $emulator.ConversationId
    }
}

Describe 'Sync feedback' {
    It 'names when a failed document is tried again (seconds and zone) and how to retry now, also on a rerun with nothing due' {
        $path = Join-Path (New-Folder 'sync') 'sync me.pdf'
        New-TestFile -Kind Pdf -Path $path -SizeBytes 8123
        $syncJournal = Join-Path $journalFolder 'sync.db'
        $connection = Connect-GcCloud @connect -JournalPath $syncJournal -PassThru -InformationAction Ignore
        $null = Send-GcFile -LiteralPath $path -FileName 'sync_me.pdf' @target @metadata -Deliver -Connection $connection -InformationAction Ignore
        $s3 = @{
            S3ServiceUrl = "$($emulator.BaseUri.ToString().TrimEnd('/'))/objectstore"
            S3Credential = [pscredential]::new('emulator-access-key', (ConvertTo-SecureString 'emulator-secret-key' -AsPlainText -Force))
            S3Bucket     = 'no-such-bucket-yet'
            JournalPath  = $syncJournal
            AuditLogPath = (Join-Path $journalFolder 'sync-audit')
        }
        $timePattern = '\d{4}-\d\d-\d\d \d\d:\d\d:\d\d [+-]\d\d:\d\d'

        $null = Sync-GcFileTransferDocument @s3 -ErrorVariable failed -ErrorAction SilentlyContinue -WarningAction SilentlyContinue
        $null = Sync-GcFileTransferDocument @s3 -InformationVariable waiting -InformationAction Ignore
        Invoke-EmulatorControl -Emulator $emulator -Method Post -Path 'emulator/objectstore/buckets/no-such-bucket-yet'
        $null = Get-GcFileTransferDocument -JournalPath $syncJournal -State Pending | Reset-GcFileTransferDocument -JournalPath $syncJournal -AuditLogPath $s3.AuditLogPath
        $archived = @(Sync-GcFileTransferDocument @s3 -InformationAction Ignore)

        $failed.Count | Should -BeGreaterThan 0
        $failed[0].ErrorDetails.RecommendedAction | Should -Match "tried again from $timePattern"
        $failed[0].ErrorDetails.RecommendedAction | Should -Match 'Reset-GcFileTransferDocument'
        $line = ($waiting | Where-Object Tags -Contains 'NothingDue').MessageData.Message
        $line | Should -Match "Nothing is due: 1 document waits .* tried again from $timePattern"
        $line | Should -Match 'Reset-GcFileTransferDocument'
        $archived.Count | Should -Be 1
        $object = (Invoke-EmulatorControl -Emulator $emulator -Path 'emulator/objectstore').buckets | Where-Object name -EQ 'no-such-bucket-yet' | ForEach-Object objects | Select-Object -First 1
        $object.metadata.'original-file-name' | Should -Be 'sync me.pdf'
        $object.key | Should -BeLike '*sync_me.pdf'
        $connection.Dispose()
    }
}
