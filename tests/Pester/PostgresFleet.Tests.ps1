# A fleet on one PostgreSQL journal, against a real server (tools/PostgresProcess.psm1) and the emulator: workers are
# separate PowerShell processes, each with its own working folder holding its own copy of the files, that share nothing
# but the journal's connection string (the password comes from PGPASSWORD, as in a container or a runbook). What
# counts is what the emulator received: one message per file, told apart by the SHA-256 of the media it holds.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Join-Path $PSScriptRoot '../../tools/PostgresProcess.psm1') -Force
    Import-Module $env:GFT_MODULE_PATH -Force
    $postgres = Start-PostgresProcess
    $metadata = @{ StorageBucketReference = '3f2504e0-4f89-41d3-9a0c-0305e82c3301'; RetentionDays = 30 }

    $workerScript = Join-Path $TestDrive 'worker.ps1'
    Set-Content -LiteralPath $workerScript -Value @'
param($ModulePath, $BaseUri, $Journal, $Folder, $ConversationId, $CommunicationId, $ResultPath)
$ProgressPreference = 'SilentlyContinue'
Import-Module $ModulePath
$secret = ConvertTo-SecureString 'emulator-secret-0123456789' -AsPlainText -Force
# The journal comes from GENESYS_JOURNAL_CONNECTION and its password from PGPASSWORD; a short lease so a killed
# worker's claims run out within seconds.
Connect-GcCloud -BaseUri $BaseUri -ClientId emulator-client -ClientSecret $secret -NoAuditLog -TransferLeaseSec 5 -ErrorAction Stop
$sent = @(Get-ChildItem -LiteralPath $Folder -File |
    Send-GcFile -ConversationId $ConversationId -CommunicationId $CommunicationId -StorageBucketReference 3f2504e0-4f89-41d3-9a0c-0305e82c3301 -RetentionDays 30 -Deliver -ThrottleLimit 8 -ErrorVariable failures -ErrorAction SilentlyContinue)
[pscustomobject]@{
    Delivered = @($sent | Where-Object { "$($_.Status)" -eq 'Delivered' }).Count
    Errors    = @($failures | ForEach-Object { "$($_.FullyQualifiedErrorId.Split(',')[0]): $($_.Exception.Message)" })
    Journal   = (Get-GcConnection).JournalPath
} | ConvertTo-Json -Depth 4 | Set-Content -LiteralPath $ResultPath
Disconnect-GcCloud
'@

    function New-Batch([string] $Folder, [int] $Count, [int] $Seed) {
        foreach ($i in 1..$Count) {
            $null = New-TestFile -Kind Pdf -Path (Join-Path $Folder ('statement-{0:D3}.pdf' -f $i)) -SizeBytes (30000 + $Seed * 1000 + $i)
        }
    }

    function Copy-Batch([string] $From, [string] $To) {
        $null = New-Item -ItemType Directory -Path $To -Force
        Copy-Item -Path (Join-Path $From '*') -Destination $To
        $To
    }

    function Start-Worker {
        param([object] $Emulator, [string] $Journal, [string] $Folder, [string] $Name)
        $executable = [System.Diagnostics.Process]::GetCurrentProcess().MainModule.FileName
        $start = [System.Diagnostics.ProcessStartInfo]::new($executable)
        # 'dotnet pwsh' runs pwsh.dll inside the dotnet host: this process is the one a kill must hit.
        if ([System.IO.Path]::GetFileNameWithoutExtension($executable) -eq 'dotnet') { $start.ArgumentList.Add((Join-Path $PSHOME 'pwsh.dll')) }
        $result = Join-Path $TestDrive "result-$Name.json"
        foreach ($argument in @('-NoProfile', '-NonInteractive', '-File', $workerScript, $env:GFT_MODULE_PATH, "$($Emulator.BaseUri)", $Journal, $Folder, $Emulator.ConversationId, $Emulator.CommunicationId, $result)) {
            $start.ArgumentList.Add($argument)
        }
        $start.Environment['GENESYS_JOURNAL_CONNECTION'] = $Journal
        $start.Environment['PGPASSWORD'] = $postgres.AppPassword
        $start.WorkingDirectory = $Folder
        $start.UseShellExecute = $false
        $start.RedirectStandardOutput = $true
        $start.RedirectStandardError = $true
        $process = [System.Diagnostics.Process]::Start($start)
        [pscustomobject]@{ Name = $Name; Process = $process; Output = $process.StandardOutput.ReadToEndAsync(); Errors = $process.StandardError.ReadToEndAsync(); Result = $result }
    }

    function Wait-Worker([object] $Worker, [int] $TimeoutSeconds = 150) {
        if (-not $Worker.Process.WaitForExit($TimeoutSeconds * 1000)) {
            $Worker.Process.Kill($true)
            throw "Worker $($Worker.Name) did not finish within $TimeoutSeconds s."
        }
        $Worker.Process.WaitForExit()
        $report = if (Test-Path -LiteralPath $Worker.Result) { Get-Content -LiteralPath $Worker.Result -Raw | ConvertFrom-Json } else { $null }
        [pscustomobject]@{ Name = $Worker.Name; ExitCode = $Worker.Process.ExitCode; Report = $report; Errors = $Worker.Errors.Result }
    }

    function Get-Delivered([object] $Emulator) {
        # One entry per delivered media: the SHA-256 of the bytes the emulator received for it.
        $shaOfMedia = @{}
        foreach ($media in @(Invoke-EmulatorControl -Emulator $Emulator -Path 'emulator/media')) { $shaOfMedia[$media.id] = $media.sha256 }
        @(@(Invoke-EmulatorControl -Emulator $Emulator -Path 'emulator/messages') | ForEach-Object { $_.media } | ForEach-Object { $shaOfMedia[$_.id] })
    }

    function Get-BatchHashes([string] $Folder) {
        @(Get-ChildItem -LiteralPath $Folder -File | ForEach-Object { (Get-FileHash -LiteralPath $_.FullName -Algorithm SHA256).Hash.ToLowerInvariant() }) | Sort-Object
    }

    function Get-Count([string] $Journal, [string] $Sql) {
        [int]@(Invoke-PostgresSql -Server $postgres -Database ($Journal -replace '^.*Database=([^;]+).*$', '$1') -Sql $Sql)[0]
    }
}

AfterAll {
    Stop-PostgresProcess -Server $postgres
}

Describe 'Three workers sending the same 60-file manifest at once' {
    BeforeAll {
        $emulator = Start-TestEmulator
        Invoke-EmulatorControl -Emulator $emulator -Method Patch -Path 'emulator/settings' -Body @{ validationDelayMs = 50 }
        $journal = New-PostgresDatabase -Server $postgres
        $source = Join-Path $TestDrive 'three/source'
        New-Batch -Folder $source -Count 60 -Seed 1
        $hashes = Get-BatchHashes $source
        $watch = [System.Diagnostics.Stopwatch]::StartNew()
        $workers = foreach ($name in 'a', 'b', 'c') { Start-Worker -Emulator $emulator -Journal $journal -Folder (Copy-Batch $source (Join-Path $TestDrive "three/worker-$name")) -Name "three-$name" }
        $runs = @($workers | ForEach-Object { Wait-Worker $_ })
        Write-Host "Three workers, 60 files: $([int]$watch.Elapsed.TotalSeconds) s"
        $delivered = Get-Delivered $emulator
    }

    AfterAll { Stop-TestEmulator -Emulator $emulator }

    It 'ends every worker without an error, each reporting all 60 files delivered' {
        foreach ($run in $runs) {
            $run.ExitCode | Should -Be 0 -Because $run.Errors
            $run.Report.Errors | Should -BeNullOrEmpty
            $run.Report.Delivered | Should -Be 60
            $run.Report.Journal | Should -Match '^127\.0\.0\.1:\d+/gft_\w+ as gft_app$'
        }
    }

    It 'delivers each file exactly once' {
        $delivered.Count | Should -Be 60
        @($delivered | Sort-Object -Unique) | Should -Be $hashes
    }

    It 'keeps one transfer row per idempotency key, all delivered, and one document per file' {
        Get-Count $journal 'SELECT COUNT(*) FROM transfers;' | Should -Be 60
        Get-Count $journal 'SELECT COUNT(DISTINCT idempotency_key) FROM transfers;' | Should -Be 60
        Get-Count $journal "SELECT COUNT(*) FROM transfers WHERE status = 'Delivered';" | Should -Be 60
        Get-Count $journal "SELECT COUNT(*) FROM outbox WHERE document_key LIKE 'transfer/%';" | Should -Be 60
    }
}

Describe 'A worker killed mid-run, and a rerun elsewhere' {
    BeforeAll {
        $emulator = Start-TestEmulator
        Invoke-EmulatorControl -Emulator $emulator -Method Patch -Path 'emulator/settings' -Body @{ validationDelayMs = 300 }
        $journal = New-PostgresDatabase -Server $postgres
        $source = Join-Path $TestDrive 'kill/source'
        New-Batch -Folder $source -Count 60 -Seed 2
        $hashes = Get-BatchHashes $source
        $victim = Start-Worker -Emulator $emulator -Journal $journal -Folder (Copy-Batch $source (Join-Path $TestDrive 'kill/victim')) -Name 'kill-victim'
        $survivor = Start-Worker -Emulator $emulator -Journal $journal -Folder (Copy-Batch $source (Join-Path $TestDrive 'kill/survivor')) -Name 'kill-survivor'
        $deadline = [DateTime]::UtcNow.AddSeconds(90)
        while (@(Invoke-EmulatorControl -Emulator $emulator -Path 'emulator/messages').Count -lt 10) {
            if ($victim.Process.HasExited) { throw "The victim ended before the kill: $($victim.Errors.Result)" }
            if ([DateTime]::UtcNow -gt $deadline) { throw 'Fewer than 10 files delivered in 90 s.' }
            Start-Sleep -Milliseconds 50
        }
        # SIGKILL to the process running pwsh.dll: no finally block, no lease released, no connection closed cleanly.
        $victim.Process.Kill()
        $victim.Process.WaitForExit()
        $leasedByVictim = Get-Count $journal "SELECT COUNT(*) FROM transfers WHERE lease_owner IS NOT NULL AND lease_until > to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD""T""HH24:MI:SS.US0""Z""');"
        $survivorRun = Wait-Worker $survivor
        $deliveredBeforeRerun = (Get-Delivered $emulator).Count
        $rerun = Wait-Worker (Start-Worker -Emulator $emulator -Journal $journal -Folder (Copy-Batch $source (Join-Path $TestDrive 'kill/elsewhere')) -Name 'kill-rerun')
        $delivered = Get-Delivered $emulator
        Write-Host "Killed worker: $deliveredBeforeRerun delivered before the rerun, $leasedByVictim leases live at the kill"
    }

    AfterAll { Stop-TestEmulator -Emulator $emulator }

    It 'lets the survivor and the rerun end without an error' {
        $survivorRun.ExitCode | Should -Be 0 -Because $survivorRun.Errors
        $rerun.ExitCode | Should -Be 0 -Because $rerun.Errors
        $rerun.Report.Errors | Should -BeNullOrEmpty
        $rerun.Report.Delivered | Should -Be 60
    }

    It 'delivers every file exactly once: 0 duplicates, 0 missing' {
        $delivered.Count | Should -Be 60
        @($delivered | Sort-Object -Unique) | Should -Be $hashes
        Get-Count $journal "SELECT COUNT(*) FROM transfers WHERE status = 'Delivered';" | Should -Be 60
        Get-Count $journal 'SELECT COUNT(*) FROM transfers;' | Should -Be 60
    }
}

Describe 'Two listeners and three Sync workers on the same events' {
    BeforeAll {
        $emulator = Start-TestEmulator
        Invoke-EmulatorControl -Emulator $emulator -Method Patch -Path 'emulator/settings' -Body @{ validationDelayMs = 0 }
        $journal = New-PostgresDatabase -Server $postgres
        $secretText = 'pester-open-messaging-secret-0123'
        $dms = Join-Path $TestDrive 'events/dms'
        $credential = $postgres.AppCredential
        # Twelve files delivered through the shared journal, each queued as its transfer's document.
        Connect-GcCloud -BaseUri $emulator.BaseUri -ClientId $emulator.ClientId -ClientSecret $emulator.ClientSecret -NoAuditLog -JournalConnectionString $journal -JournalCredential $credential
        $source = Join-Path $TestDrive 'events/source'
        New-Batch -Folder $source -Count 12 -Seed 3
        $files = @(Get-ChildItem -LiteralPath $source -File | Send-GcFile -ConversationId $emulator.ConversationId -CommunicationId $emulator.CommunicationId @metadata -Deliver)
        Disconnect-GcCloud
        $messages = @(Invoke-EmulatorControl -Emulator $emulator -Path 'emulator/messages')
        $bodies = foreach ($file in $files) {
            $attachment = ($messages | Where-Object id -EQ $file.MessageId).normalizedMessage.content[0].attachment
            [ordered]@{
                id        = $file.MessageId
                channel   = [ordered]@{ id = '5c0ffee0-aaaa-4bbb-8ccc-0123456789ab'; platform = 'Open'; type = 'Private'; to = @{ id = 'customer'; idType = 'Opaque' } }
                type      = 'Text'
                content   = @([ordered]@{ contentType = 'Attachment'; attachment = [ordered]@{ id = $attachment.id; mediaType = 'File'; url = $attachment.url; mime = $attachment.mime; filename = $attachment.filename; sha256 = $attachment.sha256; contentSizeBytes = $attachment.contentSizeBytes } })
                direction = 'Outbound'
                metadata  = @{ conversationId = $emulator.ConversationId }
            } | ConvertTo-Json -Depth 10 -Compress
        }

        function Start-Child([string] $Script, [string[]] $Arguments, [string] $Name) {
            $executable = [System.Diagnostics.Process]::GetCurrentProcess().MainModule.FileName
            $start = [System.Diagnostics.ProcessStartInfo]::new($executable)
            if ([System.IO.Path]::GetFileNameWithoutExtension($executable) -eq 'dotnet') { $start.ArgumentList.Add((Join-Path $PSHOME 'pwsh.dll')) }
            foreach ($argument in @('-NoProfile', '-NonInteractive', '-File', $Script) + $Arguments) { $start.ArgumentList.Add($argument) }
            $start.Environment['GENESYS_JOURNAL_CONNECTION'] = $journal
            $start.Environment['PGPASSWORD'] = $postgres.AppPassword
            $start.Environment['GENESYS_WEBHOOK_SECRET'] = $secretText
            $start.UseShellExecute = $false
            $start.RedirectStandardOutput = $true
            $start.RedirectStandardError = $true
            $process = [System.Diagnostics.Process]::Start($start)
            [pscustomobject]@{ Name = $Name; Process = $process; Output = $process.StandardOutput.ReadToEndAsync(); Errors = $process.StandardError.ReadToEndAsync() }
        }
        $listenScript = Join-Path $TestDrive 'listen.ps1'
        Set-Content -LiteralPath $listenScript -Value @'
param($ModulePath, $Prefix)
Import-Module $ModulePath
Start-GcWebhookListener -Prefix $Prefix -NoAuditLog -ErrorAction Stop 2>$null |
    ForEach-Object { [Console]::Out.WriteLine("$($_.StatusCode) $($_.Outcome) $($_.EventId)"); [Console]::Out.Flush() }
'@
        # Start-GcWebhookListener has no -NoAuditLog: each listener writes its own audit folder instead.
        Set-Content -LiteralPath $listenScript -Value ((Get-Content -LiteralPath $listenScript -Raw) -replace '-NoAuditLog', '-AuditLogPath (Join-Path ([IO.Path]::GetTempPath()) "gft-listen-$PID")')
        $syncScript = Join-Path $TestDrive 'sync.ps1'
        Set-Content -LiteralPath $syncScript -Value @'
param($ModulePath, $Destination, $Rounds)
Import-Module $ModulePath
$archived = 0
foreach ($round in 1..$Rounds) {
    $archived += @(Sync-GcFileTransferDocument -Destination $Destination -AuditLogPath (Join-Path ([IO.Path]::GetTempPath()) "gft-sync-$PID") -ErrorAction Continue).Count
    Start-Sleep -Milliseconds 300
}
[Console]::Out.WriteLine("archived $archived")
'@
        function Get-FreePort {
            $probe = [System.Net.Sockets.TcpListener]::new([System.Net.IPAddress]::Loopback, 0)
            $probe.Start()
            try { $probe.LocalEndpoint.Port } finally { $probe.Stop() }
        }
        $prefixes = @("http://127.0.0.1:$(Get-FreePort)/genesys/", "http://127.0.0.1:$(Get-FreePort)/genesys/")
        $listeners = @(for ($i = 0; $i -lt 2; $i++) { Start-Child $listenScript @($env:GFT_MODULE_PATH, $prefixes[$i]) "listener-$i" })
        $http = [System.Net.Http.HttpClient]::new()
        $http.Timeout = [TimeSpan]::FromSeconds(30)
        foreach ($prefix in $prefixes) {
            $deadline = [DateTime]::UtcNow.AddSeconds(60)
            while ($true) {
                try { $null = $http.GetAsync($prefix).GetAwaiter().GetResult(); break }
                catch { if ([DateTime]::UtcNow -gt $deadline) { throw "No listener on $prefix after 60 s: $($listeners.Errors | ForEach-Object Result)" }; Start-Sleep -Milliseconds 200 }
            }
        }
        $syncs = @(foreach ($i in 1..3) { Start-Child $syncScript @($env:GFT_MODULE_PATH, $dms, '6') "sync-$i" })
        $tasks = @(foreach ($body in $bodies) {
                foreach ($prefix in $prefixes) {
                    foreach ($copy in 1..2) {
                        $hmac = [System.Security.Cryptography.HMACSHA256]::new([System.Text.Encoding]::UTF8.GetBytes($secretText))
                        $signature = 'sha256=' + [Convert]::ToBase64String($hmac.ComputeHash([System.Text.Encoding]::UTF8.GetBytes($body)))
                        $request = [System.Net.Http.HttpRequestMessage]::new([System.Net.Http.HttpMethod]::Post, $prefix)
                        $request.Content = [System.Net.Http.StringContent]::new($body, [System.Text.Encoding]::UTF8, 'application/json')
                        $null = $request.Headers.TryAddWithoutValidation('X-Hub-Signature-256', $signature)
                        $http.SendAsync($request)
                    }
                }
            })
        $null = [System.Threading.Tasks.Task]::WaitAll([System.Threading.Tasks.Task[]]$tasks, 60000)
        $statuses = @($tasks | ForEach-Object { [int]$_.Result.StatusCode })
        foreach ($sync in $syncs) { $null = $sync.Process.WaitForExit(120000) }
        foreach ($listener in $listeners) { $listener.Process.Kill($true); $listener.Process.WaitForExit() }
        $lines = @($listeners | ForEach-Object { $_.Output.Result -split "`n" } | Where-Object { $_ -match '^200 ' })
        $documents = @(Get-ChildItem -LiteralPath $dms -Recurse -File -ErrorAction SilentlyContinue | Where-Object Name -NotLike '*.metadata.json')
    }

    AfterAll {
        foreach ($child in @($listeners) + @($syncs)) { if ($child -and -not $child.Process.HasExited) { $child.Process.Kill($true) } }
        Stop-TestEmulator -Emulator $emulator
    }

    It 'answers every copy of every callback with 200, accepting each event once across both listeners' {
        $statuses.Count | Should -Be 48
        $statuses | Sort-Object -Unique | Should -Be 200
        @($lines | Where-Object { $_ -like '200 accepted *' }).Count | Should -Be 12 -Because "errors: $($listeners | ForEach-Object { $_.Errors.Result })"
        @($lines | Where-Object { $_ -like '200 duplicate *' }).Count | Should -Be 36
    }

    It 'archives one document per file among the three Sync workers, with the bytes that were sent' {
        foreach ($sync in $syncs) { $sync.Process.ExitCode | Should -Be 0 -Because $sync.Errors.Result }
        ($syncs | ForEach-Object { [int](($_.Output.Result -split "`n" | Where-Object { $_ -like 'archived *' }) -replace '\D', '') } | Measure-Object -Sum).Sum | Should -Be 12
        $documents.Count | Should -Be 12
        foreach ($file in $files) {
            $document = @($documents | Where-Object { $_.FullName -like "*$($file.TransferId)*" })
            $document.Count | Should -Be 1
            (Get-FileHash -LiteralPath $document[0].FullName -Algorithm SHA256).Hash.ToLowerInvariant() | Should -Be $file.Sha256
        }
    }

    It 'keeps the callbacks under the transfers'' own document keys, all archived' {
        Get-Count $journal 'SELECT COUNT(*) FROM outbox;' | Should -Be 12
        Get-Count $journal "SELECT COUNT(*) FROM outbox WHERE state = 'archived' AND document_key LIKE 'transfer/%';" | Should -Be 12
        Get-Count $journal 'SELECT COUNT(*) FROM webhook_events;' | Should -Be 12
    }

    It 'keeps the audit trail of every process in the journal, readable by transfer' {
        $records = @(Get-GcAuditRecord -JournalConnectionString $journal -JournalCredential $credential -TransferId $files[0].TransferId)
        $records.operation | Should -Contain 'create'
        $records.operation | Should -Contain 'deliver'
        $records.operation | Should -Contain 'archive'
        @($records.Host | Sort-Object -Unique).Count | Should -BeGreaterOrEqual 2 -Because 'the sender and a Sync worker both wrote records'
        $records | ForEach-Object { $_.Json | Should -Not -Match $postgres.AppPassword }
    }
}

Describe 'PostgreSQL restarted mid-batch' {
    BeforeAll {
        $emulator = Start-TestEmulator
        Invoke-EmulatorControl -Emulator $emulator -Method Patch -Path 'emulator/settings' -Body @{ validationDelayMs = 200 }
        $journal = New-PostgresDatabase -Server $postgres
        $source = Join-Path $TestDrive 'restart/source'
        New-Batch -Folder $source -Count 40 -Seed 4
        $hashes = Get-BatchHashes $source
        $worker = Start-Worker -Emulator $emulator -Journal $journal -Folder (Copy-Batch $source (Join-Path $TestDrive 'restart/first')) -Name 'restart-first'
        $deadline = [DateTime]::UtcNow.AddSeconds(90)
        while (@(Invoke-EmulatorControl -Emulator $emulator -Path 'emulator/messages').Count -lt 5) {
            if ($worker.Process.HasExited) { throw "The worker ended before the restart: $($worker.Errors.Result)" }
            if ([DateTime]::UtcNow -gt $deadline) { throw 'Fewer than 5 files delivered in 90 s.' }
            Start-Sleep -Milliseconds 50
        }
        Restart-PostgresProcess -Server $postgres -DownSeconds 3
        $first = Wait-Worker $worker
        $firstDelivered = (Get-Delivered $emulator).Count
        $rerun = Wait-Worker (Start-Worker -Emulator $emulator -Journal $journal -Folder (Copy-Batch $source (Join-Path $TestDrive 'restart/rerun')) -Name 'restart-rerun')
        $delivered = Get-Delivered $emulator
        Write-Host "Restart: first run $($first.Report.Delivered) delivered with $(@($first.Report.Errors).Count) errors ($firstDelivered on the emulator)"
    }

    AfterAll { Stop-TestEmulator -Emulator $emulator }

    It 'completes the batch through the restart, or fails only with clear journal errors' {
        $first.ExitCode | Should -Be 0 -Because $first.Errors
        foreach ($problem in @($first.Report.Errors)) { $problem | Should -Match '^(JournalUnavailable|TransferBusy): ' }
        ($first.Report.Delivered + @($first.Report.Errors).Count) | Should -Be 40
    }

    It 'completes on a rerun with every file delivered exactly once' {
        $rerun.ExitCode | Should -Be 0 -Because $rerun.Errors
        $rerun.Report.Errors | Should -BeNullOrEmpty
        $rerun.Report.Delivered | Should -Be 40
        $delivered.Count | Should -Be 40
        @($delivered | Sort-Object -Unique) | Should -Be $hashes
    }
}
