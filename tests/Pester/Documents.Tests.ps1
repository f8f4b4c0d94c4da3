# Document-management sync through the staged module: a delivered transfer lands in a folder with its sidecar exactly
# once however often Sync-GcFileTransferDocument runs; an attachment enqueued by a listener that died before archiving
# it is archived by a later run once the dead process's lease has run out; the emulator's S3-compatible store receives
# objects, and when it is down the document waits in the outbox.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $module = Import-Module $env:GFT_MODULE_PATH -Force -PassThru
    $emulator = Start-TestEmulator
    Invoke-EmulatorControl -Emulator $emulator -Method Patch -Path 'emulator/settings' -Body @{ validationDelayMs = 50 }
    $baseUri = "$($emulator.BaseUri)".TrimEnd('/')

    $target = @{ ConversationId = $emulator.ConversationId; CommunicationId = $emulator.CommunicationId }
    $metadata = @{ StorageBucketReference = '3f2504e0-4f89-41d3-9a0c-0305e82c3301'; RetentionDays = 30 }
    $signIn = @{ BaseUri = $emulator.BaseUri; ClientId = $emulator.ClientId; ClientSecret = $emulator.ClientSecret; NoAuditLog = $true }
    $s3Credential = [pscredential]::new('emulator-access-key', (ConvertTo-SecureString 'emulator-secret-key' -AsPlainText -Force))

    function Get-Sha256([string] $Path) { (Get-FileHash -LiteralPath $Path -Algorithm SHA256).Hash.ToLowerInvariant() }

    function Get-Files([string] $Root) {
        if (-not (Test-Path -LiteralPath $Root)) { return @() }
        @(Get-ChildItem -LiteralPath $Root -Recurse -File -Force | ForEach-Object { [System.IO.Path]::GetRelativePath($Root, $_.FullName).Replace('\', '/') } | Sort-Object)
    }

    function Get-Outbox([string] $JournalPath) {
        $journal = [GenesysFileTransfer.Engine.Journal.Sqlite.SqliteTransferJournal]::Open($JournalPath)
        try { @($journal.Outbox.GetOutbox($null)) } finally { $journal.Dispose() }
    }

    function Send-Delivered([string] $JournalPath, [string] $Name, [int] $SizeBytes = 4096) {
        # The content depends on the size alone: files of one journal need different sizes, or they are one transfer.
        $file = New-TestFile -Kind Pdf -Path (Join-Path $TestDrive "source/$Name") -SizeBytes $SizeBytes
        Connect-GcCloud @signIn -JournalPath $JournalPath
        try { Send-GcFile -LiteralPath $file.FullName @target @metadata -Deliver }
        finally { Disconnect-GcCloud }
    }
}

AfterAll {
    Disconnect-GcCloud -ErrorAction SilentlyContinue
    Stop-TestEmulator -Emulator $emulator
}

Describe 'Sync-GcFileTransferDocument into a folder' {
    BeforeAll {
        $journalPath = Join-Path $TestDrive 'folder/journal.db'
        $dms = Join-Path $TestDrive 'dms'
        $audit = Join-Path $TestDrive 'folder-audit'
        $transfer = Send-Delivered -JournalPath $journalPath -Name 'contract.pdf'
        $first = @(Sync-GcFileTransferDocument -Destination $dms -JournalPath $journalPath -AuditLogPath $audit)
        $second = @(Sync-GcFileTransferDocument -Destination $dms -JournalPath $journalPath -AuditLogPath $audit)
    }

    It 'archives the delivered transfer with a metadata sidecar' {
        $transfer.Status | Should -Be 'Delivered'
        $first.Count | Should -Be 1
        $first[0].DocumentKey | Should -Be "transfer/$($transfer.TransferId)"
        $first[0].Location | Should -Be ([System.IO.Path]::Combine($dms, 'transfer', "$($transfer.TransferId)", 'contract.pdf'))
        $first[0].Sha256 | Should -Be (Get-Sha256 $transfer.Path)
        Get-Sha256 $first[0].Location | Should -Be (Get-Sha256 $transfer.Path)
        $sidecar = Get-Content -LiteralPath "$($first[0].Location).metadata.json" -Raw | ConvertFrom-Json
        $sidecar.sha256 | Should -Be $first[0].Sha256
        $sidecar.transferId | Should -Be "$($transfer.TransferId)"
        $sidecar.conversationId | Should -Be $emulator.ConversationId
        $sidecar.messageId | Should -Be $transfer.MessageId
        $sidecar.storageBucketReference | Should -Be $metadata.StorageBucketReference
        $sidecar.accessPolicy.retentionDays | Should -Be 30
        $sidecar.sourceKind | Should -Be 'transfer'
    }

    It 'leaves one copy when run again' {
        $second.Count | Should -Be 0
        Get-Files $dms | Should -Be @("transfer/$($transfer.TransferId)/contract.pdf", "transfer/$($transfer.TransferId)/contract.pdf.metadata.json")
        @(Get-Outbox $journalPath | Where-Object State -EQ 'Archived').Count | Should -Be 1
    }

    It 'audits the archive with the latency from receipt' {
        $records = Get-ChildItem -LiteralPath $audit -Filter 'audit-*.jsonl' | Get-Content | ConvertFrom-Json | Where-Object operation -EQ 'archive'
        @($records).Count | Should -Be 1
        $records.outcome | Should -Be 'success'
        $records.status | Should -Be 'archived'
        $records.latencyMs | Should -BeGreaterThan 0
        $records.transferId | Should -Be "$($transfer.TransferId)"
    }

    It 'uses the connection''s journal when no -JournalPath is given' {
        $journal2 = Join-Path $TestDrive 'folder2/journal.db'
        $other = Send-Delivered -JournalPath $journal2 -Name 'second.pdf'
        Connect-GcCloud @signIn -JournalPath $journal2
        try { $synced = @(Sync-GcFileTransferDocument -Destination $dms) }
        finally { Disconnect-GcCloud }
        $synced.DocumentKey | Should -Be "transfer/$($other.TransferId)"
    }

    It 'lists what it would archive with -WhatIf and archives nothing' {
        $journal3 = Join-Path $TestDrive 'folder3/journal.db'
        $null = Send-Delivered -JournalPath $journal3 -Name 'whatif.pdf'
        $dms3 = Join-Path $TestDrive 'dms3'
        $output = @(Sync-GcFileTransferDocument -Destination $dms3 -JournalPath $journal3 -AuditLogPath $audit -WhatIf)
        $output.Count | Should -Be 0
        Get-Files $dms3 | Should -BeNullOrEmpty
        @(Get-Outbox $journal3 | Where-Object State -EQ 'Pending').Count | Should -Be 1
    }
}

Describe 'An attachment left by a listener that died between acknowledging and archiving' {
    BeforeAll {
        # The attachment's bytes, behind a URL whose query is a credential.
        Invoke-EmulatorControl -Emulator $emulator -Method Post -Path 'emulator/objectstore/buckets/attachments'
        $content = [System.Text.Encoding]::UTF8.GetBytes("the customer's photo, as text`n")
        $null = Invoke-WebRequest -Method Put -Uri "$baseUri/objectstore/attachments/att-crash/photo.txt" -Body $content -ContentType 'text/plain'
        $url = "$baseUri/objectstore/attachments/att-crash/photo.txt?X-Amz-Signature=listenersecret0123456789&X-Amz-Expires=600"
        $sha = [Convert]::ToHexString([System.Security.Cryptography.SHA256]::HashData($content)).ToLowerInvariant()
        $journalPath = Join-Path $TestDrive 'crash/journal.db'
        $dms = Join-Path $TestDrive 'crash-dms'
        $audit = Join-Path $TestDrive 'crash-audit'

        # The listener: it records the callback's attachment in the outbox (and answers the sender), claims it to
        # archive it, and is killed before it can.
        $script = Join-Path $TestDrive 'listener.ps1'
        Set-Content -LiteralPath $script -Value @'
param($ModulePath, $JournalPath, $Url, $Sha256, $Length)
$ErrorActionPreference = 'Stop'
Import-Module $ModulePath
# Any cmdlet loads the engine assembly, whose journal type the listener uses directly.
$null = Get-GcFileUploadPolicy
$journal = [GenesysFileTransfer.Engine.Journal.Sqlite.SqliteTransferJournal]::Open($JournalPath)
$now = [DateTimeOffset]::UtcNow
$item = [GenesysFileTransfer.Engine.Journal.OutboxItem]@{
    DocumentKey = 'attachment/integration-1/att-crash'; Kind = 'attachment'; ConversationId = 'conversation-1'
    MessageId = 'inbound-1'; AttachmentId = 'att-crash'; Source = $Url; FileName = 'photo.txt'; ContentType = 'text/plain'
    Sha256 = $Sha256; Length = [long]$Length; MetadataJson = '{"retentionDays":7}'; EnqueuedAt = $now; NextAttemptAt = $now
}
$null = $journal.Outbox.Enqueue($item)
$claimed = $journal.Outbox.ClaimNext('listener-that-dies', [DateTimeOffset]::UtcNow, [TimeSpan]::FromSeconds(3))
[Console]::Out.WriteLine("claimed $($claimed.DocumentKey)")
[Console]::Out.Flush()
Start-Sleep -Seconds 300
'@
        $executable = [System.Diagnostics.Process]::GetCurrentProcess().MainModule.FileName
        $start = [System.Diagnostics.ProcessStartInfo]::new($executable)
        if ([System.IO.Path]::GetFileNameWithoutExtension($executable) -eq 'dotnet') { $start.ArgumentList.Add((Join-Path $PSHOME 'pwsh.dll')) }
        foreach ($argument in @('-NoProfile', '-NonInteractive', '-File', $script, $env:GFT_MODULE_PATH, $journalPath, $url, $sha, $content.Length)) { $start.ArgumentList.Add($argument) }
        $start.UseShellExecute = $false
        $start.RedirectStandardOutput = $true
        $start.RedirectStandardError = $true
        $listener = [System.Diagnostics.Process]::Start($start)
        $errors = $listener.StandardError.ReadToEndAsync()
        $line = $listener.StandardOutput.ReadLineAsync()
        if (-not $line.Wait(60000)) { $listener.Kill($true); throw 'The listener did not claim its item within 60 s.' }
        $claimedLine = $line.Result
        $listener.Kill($true)
        $listener.WaitForExit()
        $killedAt = [DateTime]::UtcNow
        if ($claimedLine -notlike 'claimed *') { throw "The listener failed: $claimedLine $($errors.Result)" }

        $whileLeased = @(Sync-GcFileTransferDocument -Destination $dms -AllowedDownloadHost 127.0.0.1 -JournalPath $journalPath -AuditLogPath $audit)
        $wait = 3.5 - ([DateTime]::UtcNow - $killedAt).TotalSeconds
        if ($wait -gt 0) { Start-Sleep -Milliseconds ([int]($wait * 1000)) }
        $afterRestart = @(Sync-GcFileTransferDocument -Destination $dms -AllowedDownloadHost 127.0.0.1 -JournalPath $journalPath -AuditLogPath $audit)
    }

    It 'stays reserved for the dead listener until its lease runs out' {
        $claimedLine | Should -Be 'claimed attachment/integration-1/att-crash'
        $whileLeased.Count | Should -Be 0
    }

    It 'is archived by a later run, once' {
        $afterRestart.Count | Should -Be 1
        $afterRestart[0].Kind | Should -Be 'attachment'
        $afterRestart[0].Attempt | Should -Be 2
        [System.IO.File]::ReadAllBytes($afterRestart[0].Location) | Should -Be $content
        Get-Files $dms | Should -Be @('attachment/integration-1/att-crash/photo.txt', 'attachment/integration-1/att-crash/photo.txt.metadata.json')
        @(Get-Outbox $journalPath | Where-Object State -EQ 'Archived').Count | Should -Be 1
    }

    It 'never writes the attachment URL''s signature' {
        $written = (Get-ChildItem -LiteralPath $audit, $dms -Recurse -File | Get-Content -Raw) -join "`n"
        $written | Should -Not -Match 'listenersecret0123456789'
        $written | Should -Match ([regex]::Escape("$baseUri/objectstore/attachments/att-crash/photo.txt"))
    }
}

Describe 'Sync-GcFileTransferDocument into an S3-compatible store' {
    BeforeAll {
        Invoke-EmulatorControl -Emulator $emulator -Method Post -Path 'emulator/objectstore/buckets/dms'
        Invoke-EmulatorControl -Emulator $emulator -Method Post -Path 'emulator/objectstore/buckets/legal-hold'
        $s3 = @{ S3ServiceUrl = "$baseUri/objectstore"; S3Credential = $s3Credential; S3Bucket = 'dms'; AuditLogPath = (Join-Path $TestDrive 's3-audit') }
    }

    It 'stores each document once as an object with x-amz-meta metadata, in the mapped bucket' {
        $journalPath = Join-Path $TestDrive 's3/journal.db'
        $transfer = Send-Delivered -JournalPath $journalPath -Name 's3.pdf'
        $map = @{ $metadata.StorageBucketReference = 'legal-hold' }

        $synced = @(Sync-GcFileTransferDocument @s3 -S3BucketMap $map -JournalPath $journalPath)
        $again = @(Sync-GcFileTransferDocument @s3 -S3BucketMap $map -JournalPath $journalPath)

        $synced.Count | Should -Be 1
        $again.Count | Should -Be 0
        $synced[0].Location | Should -Be "s3://legal-hold/transfer/$($transfer.TransferId)/s3.pdf"
        $objects = @((Invoke-EmulatorControl -Emulator $emulator -Path 'emulator/objectstore').buckets | Where-Object name -EQ 'legal-hold' | ForEach-Object objects)
        $objects.Count | Should -Be 1
        $objects[0].sha256 | Should -Be (Get-Sha256 $transfer.Path)
        $objects[0].metadata.'transfer-id' | Should -Be "$($transfer.TransferId)"
        $objects[0].metadata.'retention-days' | Should -Be '30'
    }

    It 'keeps the document in the outbox when the store is down' {
        $journalPath = Join-Path $TestDrive 's3-down/journal.db'
        $null = Send-Delivered -JournalPath $journalPath -Name 'down.pdf'
        Invoke-EmulatorControl -Emulator $emulator -Method Post -Path 'emulator/faults' -Body @{ route = 'objectstore'; count = 10; action = 'status'; status = 503 }
        try {
            $output = @(Sync-GcFileTransferDocument @s3 -JournalPath $journalPath -ErrorVariable failures -ErrorAction SilentlyContinue)
        }
        finally {
            Invoke-EmulatorControl -Emulator $emulator -Method Delete -Path 'emulator/faults'
        }

        $output.Count | Should -Be 0
        $failures.Count | Should -Be 1
        $failures[0].FullyQualifiedErrorId | Should -BeLike 'DocumentSinkUnavailable,*'
        $failures[0].CategoryInfo.Category | Should -Be 'ResourceUnavailable'
        $failures[0].TargetObject | Should -BeLike 'transfer/*'
        $pending = @(Get-Outbox $journalPath | Where-Object State -EQ 'Pending')
        $pending.Count | Should -Be 1
        $pending[0].NextAttemptAt | Should -BeGreaterThan ([DateTimeOffset]::UtcNow)
        $pending[0].LastError | Should -BeLike 'DocumentSinkUnavailable:*'
    }

    It 'refuses S3 parameters without any bucket' {
        { Sync-GcFileTransferDocument -S3ServiceUrl "$baseUri/objectstore" -S3Credential $s3Credential -JournalPath (Join-Path $TestDrive 'none.db') -ErrorAction Stop } |
            Should -Throw -ErrorId 'DocumentSinkInvalid,GenesysFileTransfer.Commands.SyncGcFileTransferDocumentCommand'
    }
}

Describe 'Sync-GcFileTransferDocument when the store refuses a document' {
    BeforeAll {
        Invoke-EmulatorControl -Emulator $emulator -Method Post -Path 'emulator/objectstore/buckets/refusing'
        $refusing = @{ S3ServiceUrl = "$baseUri/objectstore"; S3Credential = $s3Credential; S3Bucket = 'refusing'; AuditLogPath = (Join-Path $TestDrive 'refusing-audit') }
    }

    It 'reports DocumentSinkRefused when the store answers the upload with a 400, and keeps the document in the outbox' {
        $journalPath = Join-Path $TestDrive 's3-refused/journal.db'
        $null = Send-Delivered -JournalPath $journalPath -Name 'refused.pdf' -SizeBytes 6001
        # The HEAD finds no object; the PUT that follows is refused with S3's BadRequest.
        Invoke-EmulatorControl -Emulator $emulator -Method Post -Path 'emulator/faults' -Body @{ route = 'objectstore'; method = 'PUT'; count = 10; action = 'status'; status = 400 }
        try {
            $output = @(Sync-GcFileTransferDocument @refusing -JournalPath $journalPath -ErrorVariable failures -ErrorAction SilentlyContinue)
        }
        finally {
            Invoke-EmulatorControl -Emulator $emulator -Method Delete -Path 'emulator/faults'
        }

        $key = (Get-Outbox $journalPath)[0].DocumentKey
        $output.Count | Should -Be 0
        $failures.Count | Should -Be 1
        $failures[0].FullyQualifiedErrorId | Should -Be 'DocumentSinkRefused,GenesysFileTransfer.Commands.SyncGcFileTransferDocumentCommand'
        $failures[0].CategoryInfo.Category | Should -Be 'InvalidOperation'
        $failures[0].TargetObject | Should -Be $key
        $failures[0].Exception.Message | Should -Match 'BadRequest'
        $objects = @((Invoke-EmulatorControl -Emulator $emulator -Path 'emulator/objectstore').buckets | Where-Object name -EQ 'refusing' | ForEach-Object objects)
        $objects.Count | Should -Be 0
        $pending = @(Get-Outbox $journalPath | Where-Object State -EQ 'Pending')
        $pending.Count | Should -Be 1
        $pending[0].LastError | Should -BeLike 'DocumentSinkRefused:*'
    }

    It 'reports DocumentSinkConfiguration when no AWS credentials can be found, and keeps the document in the outbox' {
        $journalPath = Join-Path $TestDrive 's3-nocredentials/journal.db'
        $null = Send-Delivered -JournalPath $journalPath -Name 'nocredentials.pdf' -SizeBytes 6002
        # A machine without AWS credentials: nothing in the environment, no shared files, no instance role.
        $names = 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_PROFILE', 'AWS_DEFAULT_PROFILE',
            'AWS_SHARED_CREDENTIALS_FILE', 'AWS_CONFIG_FILE', 'AWS_EC2_METADATA_DISABLED', 'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI',
            'AWS_CONTAINER_CREDENTIALS_FULL_URI', 'AWS_WEB_IDENTITY_TOKEN_FILE', 'AWS_ROLE_ARN'
        $saved = @{}
        foreach ($name in $names) { $saved[$name] = [Environment]::GetEnvironmentVariable($name); [Environment]::SetEnvironmentVariable($name, $null) }
        $env:AWS_SHARED_CREDENTIALS_FILE = Join-Path $TestDrive 'no-aws/credentials'
        $env:AWS_CONFIG_FILE = Join-Path $TestDrive 'no-aws/config'
        $env:AWS_EC2_METADATA_DISABLED = 'true'
        try {
            $output = @(Sync-GcFileTransferDocument -S3ServiceUrl "$baseUri/objectstore" -S3Bucket 'refusing' -JournalPath $journalPath -AuditLogPath (Join-Path $TestDrive 'nocredentials-audit') -ErrorVariable failures -ErrorAction SilentlyContinue)
        }
        finally {
            foreach ($name in $names) { [Environment]::SetEnvironmentVariable($name, $saved[$name]) }
        }

        $key = (Get-Outbox $journalPath)[0].DocumentKey
        $output.Count | Should -Be 0
        $failures.Count | Should -Be 1
        $failures[0].FullyQualifiedErrorId | Should -Be 'DocumentSinkConfiguration,GenesysFileTransfer.Commands.SyncGcFileTransferDocumentCommand'
        $failures[0].CategoryInfo.Category | Should -Be 'InvalidArgument'
        $failures[0].TargetObject | Should -Be $key
        $pending = @(Get-Outbox $journalPath | Where-Object State -EQ 'Pending')
        $pending.Count | Should -Be 1
        $pending[0].LastError | Should -BeLike 'DocumentSinkConfiguration:*'
    }
}

Describe 'A customer attachment larger than the archive takes' {
    BeforeAll {
        # A download host that declares 300 MiB for the attachment and sends a few bytes of it.
        $server = [System.Net.Sockets.TcpListener]::new([System.Net.IPAddress]::Loopback, 0)
        $server.Start()
        $port = $server.LocalEndpoint.Port
        $serving = [powershell]::Create().AddScript({
                param($Server)
                $client = $Server.AcceptTcpClient()
                $stream = $client.GetStream()
                $reader = [System.IO.StreamReader]::new($stream, [System.Text.Encoding]::ASCII, $false, 1024, $true)
                $request = $reader.ReadLine()
                while ($reader.ReadLine()) { }
                $head = [System.Text.Encoding]::ASCII.GetBytes("HTTP/1.1 200 OK`r`nContent-Type: application/pdf`r`nContent-Length: 314572800`r`n`r`n%PDF-1.7`n")
                $stream.Write($head, 0, $head.Length)
                $stream.Flush()
                Start-Sleep -Seconds 2
                $client.Dispose()
                $request
            }).AddArgument($server)
        $served = $serving.BeginInvoke()

        $journalPath = Join-Path $TestDrive 'large/journal.db'
        $url = "http://127.0.0.1:$port/attachments/att-large/scan.pdf?X-Amz-Signature=largesecret0123456789"
        $null = Get-GcFileUploadPolicy
        $journal = [GenesysFileTransfer.Engine.Journal.Sqlite.SqliteTransferJournal]::Open($journalPath)
        try {
            # What the listener records for a callback announcing the customer's attachment.
            $now = [DateTimeOffset]::UtcNow
            $null = $journal.Outbox.Enqueue([GenesysFileTransfer.Engine.Journal.OutboxItem]@{
                    DocumentKey = 'attachment/integration-1/att-large'; Kind = 'attachment'; ConversationId = 'conversation-1'
                    MessageId = 'inbound-large'; AttachmentId = 'att-large'; Source = $url; FileName = 'scan.pdf'; ContentType = 'application/pdf'
                    Sha256 = ('0' * 64); Length = 314572800L; MetadataJson = '{"retentionDays":7}'; EnqueuedAt = $now; NextAttemptAt = $now
                })
        }
        finally { $journal.Dispose() }

        $dms = Join-Path $TestDrive 'large-dms'
        $output = @(Sync-GcFileTransferDocument -Destination $dms -AllowedDownloadHost 127.0.0.1 -JournalPath $journalPath -AuditLogPath (Join-Path $TestDrive 'large-audit') -ErrorVariable failures -ErrorAction SilentlyContinue)
        $request = $serving.EndInvoke($served)
        $serving.Dispose()
        $server.Stop()
    }

    It 'reports DocumentTooLarge for the document, stores nothing and keeps it in the outbox' {
        $request | Should -BeLike 'GET /attachments/att-large/scan.pdf?*'
        $output.Count | Should -Be 0
        $failures.Count | Should -Be 1
        $failures[0].FullyQualifiedErrorId | Should -Be 'DocumentTooLarge,GenesysFileTransfer.Commands.SyncGcFileTransferDocumentCommand'
        $failures[0].CategoryInfo.Category | Should -Be 'LimitsExceeded'
        $failures[0].TargetObject | Should -Be 'attachment/integration-1/att-large'
        $failures[0].Exception.Message | Should -Not -Match 'largesecret'
        Get-Files $dms | Should -BeNullOrEmpty
        $item = @(Get-Outbox $journalPath)
        $item.Count | Should -Be 1
        $item[0].State | Should -Be 'Pending'
        $item[0].LastError | Should -BeLike 'DocumentTooLarge:*'
    }
}

# s3rver (tests/peers, installed by 'build.ps1 -Task TestPeers') stores a request body as it arrives: an upload that
# carried aws-chunked framing would be kept with it. Every stored object must hash exactly like its file.
Describe 'Sync-GcFileTransferDocument into s3rver, an S3-compatible store that does not decode aws-chunked bodies' {
    BeforeAll {
        $peer = Join-Path (Split-Path $PSScriptRoot -Parent) 'peers/node_modules/s3rver/bin/s3rver.js'
        $install = "Install the test peers with 'dotnet pwsh -NoProfile -File build.ps1 -Task TestPeers'."
        if (-not (Test-Path -LiteralPath $peer)) { throw "The s3rver test peer is not installed: '$peer' is missing. $install" }
        $node = Get-Command node -CommandType Application -ErrorAction Ignore | Select-Object -First 1
        if (-not $node) { throw "Node.js ('node') is not on PATH, so the s3rver test peer cannot run. $install" }

        # Its own folder (data and log), on 127.0.0.1 at a port the OS picks, which s3rver prints once it listens.
        $s3rverHome = Join-Path ([System.IO.Path]::GetTempPath()) ('gft-s3rver-' + [guid]::NewGuid().ToString('N'))
        $s3rverData = Join-Path $s3rverHome 'data'
        $null = New-Item -ItemType Directory -Path $s3rverData -Force
        $s3rverLog = Join-Path $s3rverHome 'stdout.log'
        $arguments = @($peer, '-d', $s3rverData, '-a', '127.0.0.1', '-p', '0', '--silent', '--no-vhost-buckets') | ForEach-Object { '"{0}"' -f $_ }
        $s3rver = Start-Process -FilePath $node.Source -ArgumentList ($arguments -join ' ') -PassThru -NoNewWindow `
            -RedirectStandardOutput $s3rverLog -RedirectStandardError (Join-Path $s3rverHome 'stderr.log')
        $s3rverUri = $null
        $deadline = [DateTime]::UtcNow.AddSeconds(30)
        while (-not $s3rverUri) {
            $listening = if (Test-Path -LiteralPath $s3rverLog) { Select-String -LiteralPath $s3rverLog -Pattern 'listening on 127\.0\.0\.1:(\d+)' } else { $null }
            if ($listening) { $s3rverUri = "http://127.0.0.1:$($listening.Matches[0].Groups[1].Value)"; break }
            if ($s3rver.HasExited -or [DateTime]::UtcNow -gt $deadline) {
                $output = Get-Content -Path (Join-Path $s3rverHome '*.log') -Raw -ErrorAction Ignore
                throw "s3rver did not start (exit code $(if ($s3rver.HasExited) { $s3rver.ExitCode } else { 'none yet' })): $output"
            }
            Start-Sleep -Milliseconds 100
        }
        $null = Invoke-WebRequest -Method Put -Uri "$s3rverUri/dms"

        $journalPath = Join-Path $TestDrive 's3rver/journal.db'
        $files = foreach ($file in @(@{ Name = 'statement.pdf'; Size = 3MB + 12345 }, @{ Name = 'receipt.pdf'; Size = 4096 })) {
            $source = New-TestFile -Kind Pdf -Path (Join-Path $TestDrive "s3rver-source/$($file.Name)") -SizeBytes $file.Size
            Connect-GcCloud @signIn -JournalPath $journalPath
            try { Send-GcFile -LiteralPath $source.FullName @target @metadata -Deliver }
            finally { Disconnect-GcCloud }
        }
        $toS3rver = @{
            S3ServiceUrl = $s3rverUri
            S3Credential = [pscredential]::new('S3RVER', (ConvertTo-SecureString 'S3RVER' -AsPlainText -Force))
            S3Bucket     = 'dms'
            JournalPath  = $journalPath
            AuditLogPath = (Join-Path $TestDrive 's3rver-audit')
        }
        $synced = @(Sync-GcFileTransferDocument @toS3rver)
        $objectFiles = @(Get-ChildItem -LiteralPath (Join-Path $s3rverData 'dms') -Recurse -File -Filter '*._S3rver_object')
        $writtenAt = @($objectFiles | ForEach-Object { $_.LastWriteTimeUtc })
        $again = @(Sync-GcFileTransferDocument @toS3rver)
    }

    AfterAll {
        if ($s3rver -and -not $s3rver.HasExited) {
            $s3rver.Kill($true)
            $s3rver.WaitForExit(10000)
        }
        if ($s3rverHome -and (Test-Path -LiteralPath $s3rverHome)) { Remove-Item -LiteralPath $s3rverHome -Recurse -Force }
    }

    It 'archives every delivered file as an object whose bytes hash exactly like the file' {
        @($files | Where-Object Status -EQ 'Delivered').Count | Should -Be 2
        $synced.Count | Should -Be 2
        foreach ($file in $files) {
            $document = $synced | Where-Object DocumentKey -EQ "transfer/$($file.TransferId)"
            $name = Split-Path $file.Path -Leaf
            $document.Location | Should -Be "s3://dms/transfer/$($file.TransferId)/$name"
            $document.Sha256 | Should -Be (Get-Sha256 $file.Path)
            $stored = Join-Path $TestDrive "s3rver-readback/$name"
            $null = New-Item -ItemType Directory -Path (Split-Path $stored -Parent) -Force
            Invoke-WebRequest -Uri "$s3rverUri/dms/transfer/$($file.TransferId)/$name" -OutFile $stored
            (Get-Item -LiteralPath $stored).Length | Should -Be (Get-Item -LiteralPath $file.Path).Length
            Get-Sha256 $stored | Should -Be (Get-Sha256 $file.Path)
        }
    }

    It 'writes nothing when run again' {
        $again.Count | Should -Be 0
        $objectFiles.Count | Should -Be 2
        @($objectFiles | ForEach-Object { (Get-Item -LiteralPath $_.FullName).LastWriteTimeUtc }) | Should -Be $writtenAt
    }
}

Describe 'A delivered file deleted before it was archived' {
    BeforeAll {
        $journalPath = Join-Path $TestDrive 'gone/journal.db'
        $dms = Join-Path $TestDrive 'gone-dms'
        $audit = Join-Path $TestDrive 'gone-audit'
        $transfer = Send-Delivered -JournalPath $journalPath -Name 'cleaned.pdf' -SizeBytes 4500
        $sentSha = Get-Sha256 $transfer.Path
        Remove-Item -LiteralPath $transfer.Path

        # Not connected: nothing can fetch the delivered media again.
        $offline = @(Sync-GcFileTransferDocument -Destination $dms -JournalPath $journalPath -AuditLogPath $audit -ErrorVariable offlineErrors -ErrorAction SilentlyContinue)
        $listed = @(Get-GcFileTransferDocument -State SourceMissing -JournalPath $journalPath)
        $rerun = @(Sync-GcFileTransferDocument -Destination $dms -JournalPath $journalPath -AuditLogPath $audit -ErrorVariable rerunErrors -ErrorAction SilentlyContinue)
        $reset = Reset-GcFileTransferDocument -DocumentKey $listed[0].DocumentKey -JournalPath $journalPath -AuditLogPath $audit -PassThru

        # Connected: the archive comes from the media Genesys still serves.
        Connect-GcCloud @signIn -JournalPath $journalPath
        try { $online = @(Sync-GcFileTransferDocument -Destination $dms -AllowedDownloadHost 127.0.0.1 -AuditLogPath $audit) }
        finally { Disconnect-GcCloud }
    }

    It 'sets the document aside as SourceMissing with an error that says how to recover' {
        $offline.Count | Should -Be 0
        $offlineErrors.Count | Should -Be 1
        $offlineErrors[0].FullyQualifiedErrorId | Should -BeLike 'DocumentSourceNotFound,*'
        $offlineErrors[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
        $offlineErrors[0].TargetObject | Should -Be "transfer/$($transfer.TransferId)"
        $offlineErrors[0].ErrorDetails.RecommendedAction | Should -Match 'Reset-GcFileTransferDocument'
        $listed.Count | Should -Be 1
        $listed[0].DocumentKey | Should -Be "transfer/$($transfer.TransferId)"
        $listed[0].Reason | Should -Match 'no longer exists'
        $listed[0].Reason | Should -Match 'no Genesys connection'
    }

    It 'is not tried again by the next run' {
        $rerun.Count | Should -Be 0
        $rerunErrors.Count | Should -Be 0
    }

    It 'is pending and due again after a reset' {
        $reset.State | Should -Be 'Pending'
        $reset.NextAttemptAt | Should -BeLessOrEqual ([DateTimeOffset]::UtcNow)
        $reset.ChangedBy | Should -BeLike "*@$([Environment]::MachineName)"
    }

    It 'is archived from the media Genesys still serves, with the bytes that were sent, once connected' {
        $online.Count | Should -Be 1
        $online[0].DocumentKey | Should -Be "transfer/$($transfer.TransferId)"
        Get-Sha256 $online[0].Location | Should -Be $sentSha
        (Get-GcFileTransferDocument -DocumentKey $online[0].DocumentKey -JournalPath $journalPath).State | Should -Be 'Archived'
        $written = (Get-ChildItem -LiteralPath $audit, $dms -Recurse -File | Get-Content -Raw) -join "`n"
        $written | Should -Match 'fetched media'
        $written | Should -Not -Match 'X-Amz-Signature'
    }
}

Describe 'Outbox administration' {
    BeforeAll {
        $journalPath = Join-Path $TestDrive 'admin/journal.db'
        $audit = Join-Path $TestDrive 'admin-audit'
        $kept = Send-Delivered -JournalPath $journalPath -Name 'kept.pdf' -SizeBytes 5001
        $dropped = Send-Delivered -JournalPath $journalPath -Name 'dropped.pdf' -SizeBytes 5002
        $admin = @{ JournalPath = $journalPath; AuditLogPath = $audit }
    }

    It 'finds the document of a transfer piped from Get-GcFileTransfer' {
        $document = Get-GcFileTransfer -TransferId $kept.TransferId -JournalPath $journalPath | Get-GcFileTransferDocument -JournalPath $journalPath
        @($document).Count | Should -Be 1
        $document | Should -BeOfType ([GenesysFileTransfer.Engine.Documents.OutboxDocument])
        $document.DocumentKey | Should -Be "transfer/$($kept.TransferId)"
        $document.State | Should -Be 'Pending'
    }

    It 'changes nothing with -WhatIf' {
        Skip-GcFileTransferDocument "transfer/$($dropped.TransferId)" -Reason 'what if' @admin -WhatIf
        (Get-GcFileTransferDocument "transfer/$($dropped.TransferId)" -JournalPath $journalPath).State | Should -Be 'Pending'
    }

    It 'abandons a document with who and why, and sync never archives it' {
        $abandoned = Skip-GcFileTransferDocument "transfer/$($dropped.TransferId)" -Reason 'sent to the wrong customer (ticket 4711)' @admin -Confirm:$false -PassThru
        $synced = @(Sync-GcFileTransferDocument -Destination (Join-Path $TestDrive 'admin-dms') @admin)

        $abandoned.State | Should -Be 'Abandoned'
        $abandoned.Reason | Should -Be 'sent to the wrong customer (ticket 4711)'
        $abandoned.ChangedBy | Should -BeLike "*@$([Environment]::MachineName)"
        $synced.DocumentKey | Should -Be "transfer/$($kept.TransferId)"
        $record = Get-ChildItem -LiteralPath $audit -Filter 'audit-*.jsonl' | Get-Content | ConvertFrom-Json | Where-Object operation -EQ 'outbox-abandon'
        @($record).Count | Should -Be 1
        $record.outcome | Should -Be 'success'
        $record.detail | Should -Match 'ticket 4711'
        $record.detail | Should -Match ([regex]::Escape([Environment]::MachineName))
    }

    It 'refuses <Command> of a document a sync run holds right now with DocumentLeased, and changes nothing' -TestCases @(
        @{ Command = 'Reset-GcFileTransferDocument'; Extra = @{}; Size = 5011 }
        @{ Command = 'Skip-GcFileTransferDocument'; Extra = @{ Reason = 'duplicate'; Confirm = $false }; Size = 5012 }
    ) {
        param($Command, $Extra, $Size)
        $leasedJournal = Join-Path $TestDrive "leased-$Size/journal.db"
        $fresh = Send-Delivered -JournalPath $leasedJournal -Name "leased-$Size.pdf" -SizeBytes $Size
        $key = "transfer/$($fresh.TransferId)"
        # A sync run elsewhere claims the document for its five-minute lease and is archiving it now.
        $journal = [GenesysFileTransfer.Engine.Journal.Sqlite.SqliteTransferJournal]::Open($leasedJournal)
        try { $claimed = $journal.Outbox.ClaimNext('dms-host/4242/sync', [DateTimeOffset]::UtcNow, [TimeSpan]::FromMinutes(5)) }
        finally { $journal.Dispose() }

        $done = @(& $Command $key @Extra -JournalPath $leasedJournal -AuditLogPath $audit -PassThru -ErrorVariable failures -ErrorAction SilentlyContinue)

        $claimed.DocumentKey | Should -Be $key
        $done.Count | Should -Be 0
        $failures.Count | Should -Be 1
        $failures[0].FullyQualifiedErrorId | Should -Be "DocumentLeased,GenesysFileTransfer.Commands.$($Command.Replace('-', ''))Command"
        $failures[0].CategoryInfo.Category | Should -Be 'ResourceBusy'
        $failures[0].TargetObject | Should -Be $key
        $after = Get-GcFileTransferDocument $key -JournalPath $leasedJournal
        $after.State | Should -Be 'Pending'
        $after.LeasedBy | Should -Be 'dms-host/4242/sync'
        $after.Attempts | Should -Be $claimed.Attempts
    }

    It 'reports <ErrorId> for <Case> and goes on with the next document' -TestCases @(
        @{ Case = 'an unknown key'; Key = 'transfer/00000000-0000-0000-0000-000000000000'; ErrorId = 'DocumentNotFound'; Category = 'ObjectNotFound'; Size = 5003 }
        @{ Case = 'an archived document'; Key = 'kept'; ErrorId = 'DocumentStateInvalid'; Category = 'InvalidOperation'; Size = 5004 }
    ) {
        param($Case, $Key, $ErrorId, $Category, $Size)
        # The archived one is 'kept', archived by the sync in the test above.
        if ($Key -eq 'kept') { $Key = "transfer/$($kept.TransferId)" }
        $fresh = Send-Delivered -JournalPath $journalPath -Name "$ErrorId.pdf" -SizeBytes $Size
        $pending = "transfer/$($fresh.TransferId)"

        $done = @($Key, $pending | Reset-GcFileTransferDocument @admin -PassThru -ErrorVariable failures -ErrorAction SilentlyContinue)

        $failures.Count | Should -Be 1
        $failures[0].FullyQualifiedErrorId | Should -Be "$ErrorId,GenesysFileTransfer.Commands.ResetGcFileTransferDocumentCommand"
        $failures[0].CategoryInfo.Category | Should -Be $Category
        $failures[0].TargetObject | Should -Be $Key
        $failures[0].Exception.Message | Should -Match ([regex]::Escape($Key))
        $done.DocumentKey | Should -Be $pending
        $done.State | Should -Be 'Pending'
    }
}
