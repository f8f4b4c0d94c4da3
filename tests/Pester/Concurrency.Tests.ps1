# How Send-GcFile and Wait-GcFileTransferScan behave with several files at once: in-flight work is bounded by
# -ThrottleLimit (the emulator counts requests in flight per route, GET /emulator/stats), everything reaches
# PowerShell on the pipeline thread, every progress bar is closed, output comes in completion order, and one bad
# file does not stop the rest. Hang faults hold requests open so that overlap happens for sure; nothing here
# asserts on elapsed time.

Describe 'Several files at once' {
    BeforeAll {
        Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
        Import-Module $env:GFT_MODULE_PATH -Force
        $emulator = Start-TestEmulator
        Invoke-EmulatorControl -Emulator $emulator -Method Patch -Path 'emulator/settings' -Body @{ validationDelayMs = 0 }
        # Where the module keeps a transfer journal, these tests use one of their own, so nothing from an earlier run
        # is resumed instead of sent.
        $journal = @{}
        if ((Get-Command Connect-GcCloud).Parameters.ContainsKey('JournalPath')) { $journal.JournalPath = Join-Path $TestDrive 'journal.db' }
        Connect-GcCloud -BaseUri $emulator.BaseUri -ClientId $emulator.ClientId -ClientSecret $emulator.ClientSecret -NoAuditLog @journal

        $target = @{ ConversationId = $emulator.ConversationId; CommunicationId = $emulator.CommunicationId }
        $metadata = @{ StorageBucketReference = '3f2504e0-4f89-41d3-9a0c-0305e82c3301'; RetentionDays = 30 }

        # Every file gets a size of its own, so no two have the same bytes: the module takes a second copy of the same
        # bytes for the same conversation to be the same transfer.
        $script:nextSize = 2048
        function New-Batch([string] $Name, [int] $Count) {
            $folder = New-Item -ItemType Directory -Path (Join-Path $TestDrive $Name)
            1..$Count | ForEach-Object { New-TestFile -Kind Pdf -Path (Join-Path $folder ('{0}-{1:d2}.pdf' -f $Name, $_)) -SizeBytes ($script:nextSize++) }
        }
        function Add-Fault([hashtable] $Rule) { Invoke-EmulatorControl -Emulator $emulator -Method Post -Path 'emulator/faults' -Body $Rule | Out-Null }
        function Get-RouteStats([string] $Route) {
            $stats = Invoke-EmulatorControl -Emulator $emulator -Path 'emulator/stats'
            $stats.routes.PSObject.Properties[$Route].Value
        }
    }

    AfterAll {
        Disconnect-GcCloud
        Stop-TestEmulator -Emulator $emulator
    }

    BeforeEach {
        Invoke-EmulatorControl -Emulator $emulator -Method Delete -Path 'emulator/faults' | Out-Null
        Invoke-EmulatorControl -Emulator $emulator -Method Delete -Path 'emulator/stats' | Out-Null
        Invoke-EmulatorControl -Emulator $emulator -Method Delete -Path 'emulator/requests' | Out-Null
    }

    Context 'Bounded concurrency' {
        It 'has at most -ThrottleLimit <Limit> files in flight at every step' -TestCases @(
            @{ Limit = 1; Files = 3 }
            @{ Limit = 3; Files = 7 }
        ) {
            param($Limit, $Files)
            $batch = New-Batch "throttle-$Limit" $Files
            # Every upload is held for a while, so each free slot is certainly taken before the held ones finish.
            Add-Fault @{ route = 's3'; count = $Files; action = 'hang'; hangMs = 500 }

            $results = $batch | Send-GcFile @target @metadata -Deliver -ThrottleLimit $Limit

            @($results | Where-Object Status -EQ 'Delivered').Count | Should -Be $Files
            (Get-RouteStats 's3').maxInFlight | Should -Be $Limit
            foreach ($route in 'uploads', 'media', 'messages') {
                (Get-RouteStats $route).maxInFlight | Should -BeLessOrEqual $Limit -Because "$route requests are part of a file's work"
            }
        }

        It 'runs 8 files at once by default' {
            $batch = New-Batch 'default' 12
            Add-Fault @{ route = 's3'; count = 12; action = 'hang'; hangMs = 1000 }

            $results = $batch | Send-GcFile @target @metadata

            @($results).Count | Should -Be 12
            (Get-RouteStats 's3').maxInFlight | Should -Be 8
        }

        It 'polls at most -ThrottleLimit transfers at once in Wait-GcFileTransferScan' {
            $transfers = @(New-Batch 'wait' 5 | Send-GcFile @target @metadata)
            Invoke-EmulatorControl -Emulator $emulator -Method Delete -Path 'emulator/stats' | Out-Null
            Add-Fault @{ route = 'media'; method = 'GET'; count = 5; action = 'hang'; hangMs = 300 }
            Add-Fault @{ route = 'medialist'; method = 'GET'; count = 5; action = 'hang'; hangMs = 300 }

            $results = $transfers | Wait-GcFileTransferScan -ThrottleLimit 2

            @($results | Where-Object Status -EQ 'Valid').Count | Should -Be 5
            # Transfers waiting in one communication share a listing call, so status requests in flight (single GETs
            # and listing pages together) never exceed the transfers being waited for.
            $single = Get-RouteStats 'media'
            $listing = Get-RouteStats 'medialist'
            $inFlight = $(if ($single) { $single.maxInFlight } else { 0 }) + $(if ($listing) { $listing.maxInFlight } else { 0 })
            $inFlight | Should -BeGreaterThan 0
            $inFlight | Should -BeLessOrEqual 2
        }
    }

    Context 'The pipeline thread' {
        It 'writes output, errors and verbose messages only on the caller''s thread' {
            $batch = @(New-Batch 'thread' 4)
            $bad = New-TestFile -Kind Exe -Path (Join-Path $TestDrive 'thread-installer.pdf')
            $caller = [System.Threading.Thread]::CurrentThread.ManagedThreadId

            $seen = @($batch + $bad | Send-GcFile @target @metadata -ThrottleLimit 4 -Verbose -ErrorAction Continue *>&1 |
                    ForEach-Object { [pscustomobject]@{ Thread = [System.Threading.Thread]::CurrentThread.ManagedThreadId; Item = $_ } })

            @($seen | Where-Object { $_.Item -is [GenesysFileTransfer.Engine.Transfers.FileTransfer] }).Count | Should -Be 4
            @($seen | Where-Object { $_.Item -is [System.Management.Automation.ErrorRecord] }).Count | Should -Be 1
            @($seen | Where-Object { $_.Item -is [System.Management.Automation.VerboseRecord] }).Count | Should -BeGreaterThan 0
            @($seen.Thread | Sort-Object -Unique) | Should -Be @($caller)
        }
    }

    Context 'Progress' {
        It 'closes every bar it opened, the batch bar last' {
            $batch = @(New-Batch 'progress' 4 | ForEach-Object FullName)
            # Held uploads keep the files in flight past the progress interval, so their bars are really shown.
            Add-Fault @{ route = 's3'; count = 4; action = 'hang'; hangMs = 600 }
            $shell = [powershell]::Create()
            try {
                $null = $shell.AddScript({
                        param($module, $connection, $files, $target, $metadata)
                        Import-Module $module
                        $ProgressPreference = 'Continue'
                        Send-GcFile -Path $files @target @metadata -ThrottleLimit 2 -Connection $connection
                    }).AddArgument($env:GFT_MODULE_PATH).AddArgument((Get-GcConnection)).AddArgument($batch).AddArgument($target).AddArgument($metadata)

                $results = $shell.Invoke()
                $records = @($shell.Streams.Progress)
            }
            finally { $shell.Dispose() }

            @($results).Count | Should -Be 4
            $activities = @($records | Group-Object ActivityId)
            $activities.Count | Should -BeGreaterThan 1 -Because 'the batch bar and at least one file bar were shown'
            foreach ($activity in $activities) {
                $activity.Group[-1].RecordType | Should -Be 'Completed' -Because "activity $($activity.Name) must not be left open"
            }
            $records[-1].ActivityId | Should -Be 1
            $records | Where-Object { $_.ActivityId -ne 1 -and $_.RecordType -eq 'Processing' } | ForEach-Object { $_.ParentActivityId | Should -Be 1 }
        }
    }

    Context 'Output order' {
        It 'writes each transfer as it finishes, not in input order' {
            $batch = @(New-Batch 'order' 3)
            # The first upload to arrive is held longest and the last shortest, so they finish in the reverse order of
            # arrival, far enough apart that the order cannot come out differently.
            Add-Fault @{ route = 's3'; count = 1; action = 'hang'; hangMs = 1500 }
            Add-Fault @{ route = 's3'; count = 1; action = 'hang'; hangMs = 800 }
            Add-Fault @{ route = 's3'; count = 1; action = 'hang'; hangMs = 100 }

            $results = @($batch | Send-GcFile @target @metadata -ThrottleLimit 3)

            $answered = @(Invoke-EmulatorControl -Emulator $emulator -Path 'emulator/requests?route=s3' | ForEach-Object { ($_.path -split '/')[3] })
            $answered.Count | Should -Be 3
            $results.MediaId | Should -Be $answered
        }

        It 'keeps input order with -ThrottleLimit 1' {
            $batch = @(New-Batch 'serial' 4)

            $results = @($batch | Send-GcFile @target @metadata -ThrottleLimit 1)

            $results.FileName | Should -Be @($batch.Name)
        }
    }

    Context 'Bad files in a parallel batch' {
        It 'delivers every good file and reports each bad one with its own error id' {
            $batch = @(New-Batch 'mixed' 6 | ForEach-Object FullName)
            $refused = (New-TestFile -Kind Exe -Path (Join-Path $TestDrive 'mixed-installer.pdf')).FullName
            $missing = Join-Path $TestDrive 'mixed-missing.pdf'
            # One upload is refused for good (a 403 is never retried) while others are in flight; which file gets it
            # does not matter, only that the other five go on.
            Add-Fault @{ route = 's3'; count = 1; action = 'status'; status = 403 }

            $results = @(Send-GcFile -Path (@($refused, $missing) + $batch) @target @metadata -Deliver -ThrottleLimit 4 -ErrorVariable problems -ErrorAction SilentlyContinue)

            $ids = @($problems | ForEach-Object { ($_.FullyQualifiedErrorId -split ',')[0] } | Sort-Object)
            $ids | Should -Be @('FileValidationFailed', 'PathNotFound', 'UploadRejected')
            @($results | Where-Object Status -EQ 'Delivered').Count | Should -Be 5
        }
    }
}
