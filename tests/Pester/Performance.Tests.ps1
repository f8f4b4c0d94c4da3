# What the module does to stay fast without wasting requests, asserted by counting, never by timing: the request
# budget a connection shares between commands keeps under the emulator's rate limit (no 429 in its request log), files
# of one communication are polled with the media listing, at the pace a busy rate limit allows rather than each
# file's own, and, when Genesys refuses the listing (403), one media at a time, and a command whose work is done
# returns without sitting out a wait.

Describe 'Request budget, shared polling and command overhead' {
    BeforeAll {
        Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
        Import-Module $env:GFT_MODULE_PATH -Force
        $emulator = Start-TestEmulator
        $metadata = @{ StorageBucketReference = '3f2504e0-4f89-41d3-9a0c-0305e82c3301'; RetentionDays = 30 }
        $script:nextSize = 3072
        function New-Batch([string] $Name, [int] $Count) {
            $folder = New-Item -ItemType Directory -Path (Join-Path $TestDrive $Name)
            1..$Count | ForEach-Object { New-TestFile -Kind Pdf -Path (Join-Path $folder ('{0}-{1:d2}.pdf' -f $Name, $_)) -SizeBytes ($script:nextSize++) }
        }
        function New-Target {
            $created = Invoke-EmulatorControl -Emulator $emulator -Method Post -Path 'emulator/conversations'
            @{ ConversationId = $created.conversationId; CommunicationId = $created.communicationId }
        }
        function Get-Requests([string] $Route) {
            @(Invoke-EmulatorControl -Emulator $emulator -Path "emulator/requests?route=$Route")
        }
        function Connect-Test([string] $Name) {
            Connect-GcCloud -BaseUri $emulator.BaseUri -ClientId $emulator.ClientId -ClientSecret $emulator.ClientSecret -NoAuditLog -JournalPath (Join-Path $TestDrive "$Name.db")
        }
    }

    AfterAll {
        Disconnect-GcCloud -ErrorAction SilentlyContinue
        Stop-TestEmulator -Emulator $emulator
    }

    BeforeEach {
        Invoke-EmulatorControl -Emulator $emulator -Method Post -Path 'emulator/reset' | Out-Null
        Invoke-EmulatorControl -Emulator $emulator -Method Delete -Path 'emulator/stats' | Out-Null
    }

    It 'keeps two concurrent commands on one connection within the rate limit (no 429)' {
        # 12 requests per 2 s for the token: the two commands together need about 50 requests, four windows' worth.
        Invoke-EmulatorControl -Emulator $emulator -Method Patch -Path 'emulator/settings' -Body @{ validationDelayMs = 100; rateLimit = @{ requests = 12; windowSeconds = 2 } } | Out-Null
        Connect-Test 'budget'
        $connection = Get-GcConnection
        $targetA = New-Target
        $targetB = New-Target
        $batchA = New-Batch 'budget-a' 8
        $batchB = New-Batch 'budget-b' 8
        Invoke-EmulatorControl -Emulator $emulator -Method Delete -Path 'emulator/requests' | Out-Null

        $jobs = foreach ($pair in @(@{ Batch = $batchA; Target = $targetA }, @{ Batch = $batchB; Target = $targetB })) {
            Start-ThreadJob -ArgumentList $env:GFT_MODULE_PATH, $connection, $pair.Batch.FullName, $pair.Target, $metadata -ScriptBlock {
                param($ModulePath, $Connection, $Paths, $Target, $Metadata)
                Import-Module $ModulePath
                Send-GcFile -Path $Paths -Connection $Connection @Target @Metadata -Deliver -ThrottleLimit 4 -ErrorAction Continue
            }
        }
        $results = @($jobs | Wait-Job -Timeout 240 | Receive-Job)
        $jobs | Remove-Job -Force

        @($results | Where-Object Status -EQ 'Delivered').Count | Should -Be 16
        $api = @(Invoke-EmulatorControl -Emulator $emulator -Path 'emulator/requests') | Where-Object { $_.route -notin 's3', 'token' }
        @($api | Where-Object status -EQ 429).Count | Should -Be 0
        $api.Count | Should -BeGreaterThan 24
        $connection.Budget.Limit | Should -Be 12
        $connection.Budget.Delayed | Should -BeGreaterThan 0
    }

    It 'polls files that share a communication with the media listing' {
        Invoke-EmulatorControl -Emulator $emulator -Method Patch -Path 'emulator/settings' -Body @{ validationDelayMs = 600 } | Out-Null
        Connect-Test 'listing'
        $target = New-Target
        $batch = New-Batch 'listing' 6
        Invoke-EmulatorControl -Emulator $emulator -Method Delete -Path 'emulator/requests' | Out-Null

        $results = @($batch | Send-GcFile @target @metadata -Wait -ThrottleLimit 6)

        @($results | Where-Object Status -EQ 'Valid').Count | Should -Be 6
        $listing = Get-Requests 'medialist'
        $single = Get-Requests 'media'
        $listing.Count | Should -BeGreaterThan 0
        # Each listing round answers for every waiting file: fewer status requests than files × rounds.
        ($listing.Count + $single.Count) | Should -BeLessThan (6 * $listing.Count)
    }

    It 'polls a communication at the pace of a busy rate limit, not of each file''s own schedule' {
        # 20 requests per 4 s: a budget slot is 200 ms, so while the token is busy (its twelve creates are more than
        # a quarter of its allowance) one communication's polling takes a round every 2.2 s at most often
        # (SharedBudgetSpacings, 11). Each file's own schedule asks every 100 to 250 ms: twelve files waiting 5 s
        # would bring a listing call as often as the budget lets one through, ten or more in all.
        Invoke-EmulatorControl -Emulator $emulator -Method Patch -Path 'emulator/settings' -Body @{ validationDelayMs = 5000; rateLimit = @{ requests = 20; windowSeconds = 4 } } | Out-Null
        Connect-Test 'paced'
        $target = New-Target
        $batch = New-Batch 'paced' 12
        Invoke-EmulatorControl -Emulator $emulator -Method Delete -Path 'emulator/requests' | Out-Null

        $results = @($batch | Send-GcFile @target @metadata -Wait -ThrottleLimit 12)

        @($results | Where-Object Status -EQ 'Valid').Count | Should -Be 12
        $status = @(Get-Requests 'medialist') + @(Get-Requests 'media')
        @($status | Where-Object status -EQ 429).Count | Should -Be 0
        # A first look, then a round every 2.2 s until the files are valid about 5 s after their uploads: four rounds.
        $status.Count | Should -BeGreaterThan 0
        $status.Count | Should -BeLessOrEqual 5
    }

    It 'falls back to one GET per media when the listing is refused (403)' {
        Invoke-EmulatorControl -Emulator $emulator -Method Patch -Path 'emulator/settings' -Body @{ validationDelayMs = 400 } | Out-Null
        Invoke-EmulatorControl -Emulator $emulator -Method Post -Path 'emulator/faults' -Body @{ route = 'medialist'; count = 1000; action = 'status'; status = 403 } | Out-Null
        Connect-Test 'forbidden'
        $connection = Get-GcConnection
        $target = New-Target
        $batch = New-Batch 'forbidden' 5
        Invoke-EmulatorControl -Emulator $emulator -Method Delete -Path 'emulator/requests' | Out-Null

        $results = @($batch | Send-GcFile @target @metadata -Wait -ThrottleLimit 5)

        @($results | Where-Object Status -EQ 'Valid').Count | Should -Be 5
        # One refused listing, then single GETs only: every file is polled on its own.
        @(Get-Requests 'medialist').Count | Should -Be 1
        @(Get-Requests 'media' | Where-Object status -EQ 200 | Select-Object -ExpandProperty path -Unique).Count | Should -Be 5
        $connection.Transfers.GetType().GetProperty('Poller', [Reflection.BindingFlags]'NonPublic,Instance').GetValue($connection.Transfers).ListingAvailable | Should -BeFalse
    }

    It 'returns from a command whose work is done without waiting out a drain timeout' {
        Connect-Test 'drain'
        $file = New-TestFile -Kind Pdf -Path (Join-Path $TestDrive 'drain.pdf') -SizeBytes 4096
        $property = (Get-Command Test-GcFileTransferPayload).ImplementingType.BaseType
        while ($property -and -not $property.GetProperty('IdleWaits', [Reflection.BindingFlags]'NonPublic,Static')) { $property = $property.BaseType }
        $idleWaits = $property.GetProperty('IdleWaits', [Reflection.BindingFlags]'NonPublic,Static')
        $before = $idleWaits.GetValue($null)

        1..10 | ForEach-Object { $null = Test-GcFileTransferPayload -Path $file.FullName @metadata }
        $null = Get-GcConnection
        # Each command's work ends a moment after its last output; a wait for output begun before that moment ends
        # when the work does (PipelineQueue.Wake), not when it runs out. A few rounds, so a command that sat out its
        # wait after the work was done shows up in the count.
        foreach ($round in 1..8) {
            $target = New-Target
            $transfer = New-GcFileTransfer -Path (New-TestFile -Kind Pdf -Path (Join-Path $TestDrive "drain-$round.pdf") -SizeBytes (4096 + $round)).FullName @target @metadata
            $null = $transfer | Send-GcFile -Wait | Send-GcFileTransferMessage
            $null = Send-GcFile -Path (New-TestFile -Kind Pdf -Path (Join-Path $TestDrive "drain-deliver-$round.pdf") -SizeBytes (8192 + $round)).FullName @target @metadata -Deliver
        }

        # No wait outlived the work it waited for (nor began with nothing running).
        $idleWaits.GetValue($null) | Should -Be $before
    }
}
