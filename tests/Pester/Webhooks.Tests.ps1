# Receiving callbacks through the staged module: Receive-GcWebhookEvent on bodies the test signs itself,
# Start-GcWebhookListener taking the emulator's real Open Messaging callbacks after Send-GcFile -Deliver (copies
# included) and stopping on Ctrl+C, and two listener processes sharing one journal that receive the same events at
# once, are then killed, and still leave exactly one archived document per attachment.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module $env:GFT_MODULE_PATH -Force
    # Any cmdlet loads the engine assembly; the tests read the journal through its types.
    $null = Get-GcFileUploadPolicy
    $emulator = Start-TestEmulator
    Invoke-EmulatorControl -Emulator $emulator -Method Patch -Path 'emulator/settings' -Body @{ validationDelayMs = 0 }

    $secretText = 'pester-open-messaging-secret-0123'
    $secret = ConvertTo-SecureString $secretText -AsPlainText -Force
    $integrationId = '5c0ffee0-aaaa-4bbb-8ccc-0123456789ab'
    $target = @{ ConversationId = $emulator.ConversationId; CommunicationId = $emulator.CommunicationId }
    $metadata = @{ StorageBucketReference = '3f2504e0-4f89-41d3-9a0c-0305e82c3301'; RetentionDays = 30 }
    $http = [System.Net.Http.HttpClient]::new()
    $http.Timeout = [TimeSpan]::FromSeconds(20)

    function Get-FreePort {
        $probe = [System.Net.Sockets.TcpListener]::new([System.Net.IPAddress]::Loopback, 0)
        $probe.Start()
        try { $probe.LocalEndpoint.Port } finally { $probe.Stop() }
    }

    function Get-Signature([string] $Body, [string] $Key = $secretText) {
        # Computed here, not by the module: the sender's side of the contract.
        $hmac = [System.Security.Cryptography.HMACSHA256]::new([System.Text.Encoding]::UTF8.GetBytes($Key))
        try { 'sha256=' + [Convert]::ToBase64String($hmac.ComputeHash([System.Text.Encoding]::UTF8.GetBytes($Body))) } finally { $hmac.Dispose() }
    }

    function New-OpenMessage {
        # An outbound OpenNormalizedMessage with one attachment, as Genesys Cloud sends it.
        param([string] $MessageId, [string] $AttachmentId, [string] $Url = "https://media.example.test/$AttachmentId/file.pdf?X-Amz-Signature=secret-signature",
            [string] $FileName = 'file.pdf', [string] $Mime = 'application/pdf', [string] $Sha256 = ('a' * 64), [long] $Size = 100)
        [ordered]@{
            id        = $MessageId
            channel   = [ordered]@{ id = $integrationId; platform = 'Open'; type = 'Private'; to = @{ id = 'customer'; idType = 'Opaque' } }
            type      = 'Text'
            content   = @([ordered]@{ contentType = 'Attachment'; attachment = [ordered]@{ id = $AttachmentId; mediaType = 'File'; url = $Url; mime = $Mime; filename = $FileName; sha256 = $Sha256; contentSizeBytes = $Size } })
            direction = 'Outbound'
            metadata  = @{ conversationId = $emulator.ConversationId }
        } | ConvertTo-Json -Depth 10 -Compress
    }

    function Get-Outbox([string] $JournalPath) {
        $journal = [GenesysFileTransfer.Engine.Journal.Sqlite.SqliteTransferJournal]::Open($JournalPath)
        try { @($journal.Outbox.GetOutbox($null)) } finally { $journal.Dispose() }
    }

    function Get-AuditText([string] $Folder) {
        (Get-ChildItem -LiteralPath $Folder -Filter '*.jsonl' | ForEach-Object {
            $stream = [System.IO.FileStream]::new($_.FullName, 'Open', 'Read', 'ReadWrite, Delete')
            try { [System.IO.StreamReader]::new($stream).ReadToEnd() } finally { $stream.Dispose() }
        }) -join "`n"
    }

    function Send-Callback([string] $Url, [string] $Body, [string] $Signature = (Get-Signature $Body)) {
        # Returns the task, so callers can send many at once.
        $request = [System.Net.Http.HttpRequestMessage]::new([System.Net.Http.HttpMethod]::Post, $Url)
        $request.Content = [System.Net.Http.StringContent]::new($Body, [System.Text.Encoding]::UTF8, 'application/json')
        $null = $request.Headers.TryAddWithoutValidation('X-Hub-Signature-256', $Signature)
        $http.SendAsync($request)
    }

    function Wait-Listening([string] $Url, [int] $TimeoutSeconds = 60, [System.Diagnostics.Process] $Process) {
        # A listener answers GET with 405; before it listens the connection is refused.
        $deadline = [DateTime]::UtcNow.AddSeconds($TimeoutSeconds)
        while ([DateTime]::UtcNow -lt $deadline) {
            if ($Process -and $Process.HasExited) { throw "The listener process exited with code $($Process.ExitCode)." }
            try {
                $response = $http.GetAsync($Url).GetAwaiter().GetResult()
                if ([int]$response.StatusCode -eq 405) { return }
            }
            catch { }
            Start-Sleep -Milliseconds 100
        }
        throw "Nothing listened on $Url within $TimeoutSeconds s."
    }

    function Start-ListenerShell([string] $Prefix, [string] $Journal, [string] $Audit, [System.Management.Automation.PSDataCollection[psobject]] $Output) {
        # Start-GcWebhookListener in a runspace of its own, its results in $Output; returns the shell and its handle.
        $shell = [powershell]::Create()
        $null = $shell.AddScript({
                param($module, $prefix, $secret, $journal, $audit)
                Import-Module $module
                Start-GcWebhookListener -Prefix $prefix -Secret $secret -JournalPath $journal -AuditLogPath $audit
            }).AddArgument($env:GFT_MODULE_PATH).AddArgument($Prefix).AddArgument($secret).AddArgument($Journal).AddArgument($Audit)
        $running = $shell.BeginInvoke([System.Management.Automation.PSDataCollection[psobject]]::new(), $Output)
        Wait-Listening $Prefix
        [pscustomobject]@{ Shell = $shell; Running = $running }
    }

    function Set-Integration([string] $Url, [hashtable] $Faults = @{}) {
        $null = Invoke-RestMethod -Method Put -Uri "$($emulator.BaseUri)/emulator/integrations/open" -ContentType 'application/json' -Body (@{
                outboundNotificationWebhookUrl = $Url; outboundNotificationWebhookSignatureSecretToken = $secretText; integrationId = $integrationId; retryDelayMs = 200
            } | ConvertTo-Json)
        $null = Invoke-RestMethod -Method Put -Uri "$($emulator.BaseUri)/emulator/integrations/open/faults" -ContentType 'application/json' -Body ($Faults | ConvertTo-Json)
    }
}

AfterAll {
    Disconnect-GcCloud -ErrorAction SilentlyContinue
    $http.Dispose()
    Stop-TestEmulator -Emulator $emulator
}

Describe 'Receive-GcWebhookEvent' {
    BeforeAll {
        $journalPath = Join-Path $TestDrive 'receive/journal.db'
        $auditPath = Join-Path $TestDrive 'receive/audit'
        $receive = @{ Secret = $secret; JournalPath = $journalPath; AuditLogPath = $auditPath }
    }

    It 'accepts a body signed by the sender, queues its attachment, and treats the same body again as a duplicate' {
        $body = New-OpenMessage -MessageId 'msg-r1' -AttachmentId 'att-r1' -FileName 'invoice.pdf'
        $headers = @{ 'x-hub-signature-256' = (Get-Signature $body); 'content-type' = 'application/json' }

        $first = Receive-GcWebhookEvent -Body $body -Headers $headers @receive
        $again = Receive-GcWebhookEvent -Body ([System.Text.Encoding]::UTF8.GetBytes($body)) -Headers $headers @receive

        $first | Should -BeOfType ([GenesysFileTransfer.Engine.Webhooks.WebhookResult])
        $first.StatusCode | Should -Be 200
        $first.Outcome | Should -Be 'accepted'
        $first.EventId | Should -Be 'msg-r1'
        $first.ResponseBody | Should -Be '{"status":"accepted"}'
        $first.Attachments[0].DocumentKey | Should -Be "attachment/$integrationId/att-r1"
        $first.Attachments[0].Location | Should -Be 'https://media.example.test/att-r1/file.pdf'
        $again.StatusCode | Should -Be 200
        $again.Outcome | Should -Be 'duplicate'
        $items = @(Get-Outbox $journalPath | Where-Object AttachmentId -EQ 'att-r1')
        $items.Count | Should -Be 1
        $items[0].Source | Should -Match 'X-Amz-Signature=secret-signature$'
        $items[0].FileName | Should -Be 'invoice.pdf'
        $items[0].ConversationId | Should -Be $emulator.ConversationId
    }

    It 'answers 401 to a forged signature and records nothing' {
        $body = New-OpenMessage -MessageId 'msg-r2' -AttachmentId 'att-r2'

        $forged = Receive-GcWebhookEvent -Body $body -Headers @{ 'X-Hub-Signature-256' = (Get-Signature $body 'guessed-secret-guessed') } @receive
        $missing = Receive-GcWebhookEvent -Body $body -Headers @{} @receive

        $forged.StatusCode | Should -Be 401
        $forged.Reason | Should -Be 'SignatureMismatch'
        $missing.StatusCode | Should -Be 401
        $missing.Reason | Should -Be 'SignatureMissing'
        @(Get-Outbox $journalPath | Where-Object AttachmentId -EQ 'att-r2').Count | Should -Be 0
        # Had the forged event been recorded, the genuine one would now be a duplicate.
        (Receive-GcWebhookEvent -Body $body -Headers @{ 'X-Hub-Signature-256' = (Get-Signature $body) } @receive).Outcome | Should -Be 'accepted'
    }

    It 'refuses a Standard Webhooks request with a stale timestamp' {
        $key = [byte[]](1..32)
        $whsec = ConvertTo-SecureString ('whsec_' + [Convert]::ToBase64String($key)) -AsPlainText -Force
        $body = '{"type":"message.outbound","data":{"id":"msg-r3"}}'
        function Get-Headers([long] $Timestamp) {
            $hmac = [System.Security.Cryptography.HMACSHA256]::new($key)
            $signature = 'v1,' + [Convert]::ToBase64String($hmac.ComputeHash([System.Text.Encoding]::UTF8.GetBytes("evt-r3.$Timestamp.$body")))
            @{ 'webhook-id' = 'evt-r3'; 'webhook-timestamp' = "$Timestamp"; 'webhook-signature' = $signature }
        }
        $standard = @{ Scheme = 'StandardWebhooks'; Secret = $whsec; JournalPath = $journalPath; AuditLogPath = $auditPath }

        $stale = Receive-GcWebhookEvent -Body $body -Headers (Get-Headers ([DateTimeOffset]::UtcNow.AddMinutes(-10).ToUnixTimeSeconds())) @standard
        $fresh = Receive-GcWebhookEvent -Body $body -Headers (Get-Headers ([DateTimeOffset]::UtcNow.ToUnixTimeSeconds())) @standard

        $stale.StatusCode | Should -Be 401
        $stale.Reason | Should -Be 'TimestampStale'
        $fresh.StatusCode | Should -Be 200
        $fresh.EventId | Should -Be 'evt-r3'
        $fresh.Outcome | Should -Be 'accepted' -Because 'the stale attempt recorded nothing'
    }

    It 'never moves a message status back when receipts arrive out of order' {
        $results = foreach ($status in 'Read', 'Delivered', 'Sent') {
            $body = @{ id = 'msg-r4'; channel = @{ id = $integrationId }; type = 'Receipt'; status = $status; direction = 'Outbound' } | ConvertTo-Json -Compress
            Receive-GcWebhookEvent -Body $body -Headers @{ 'X-Hub-Signature-256' = (Get-Signature $body) } @receive
        }

        $results.StatusCode | Should -Be @(200, 200, 200)
        $results.StatusAdvanced | Should -Be @($true, $false, $false)
        $results.MessageStatus | Should -Be @('Read', 'Read', 'Read')
    }

    It 'stops with <ErrorId> for <Case>' -TestCases @(
        @{ Case = 'a parsed body'; ErrorId = 'WebhookBodyInvalid'; Arguments = @{ Body = @{ id = 'x' }; Headers = @{} } }
        @{ Case = 'no secret'; ErrorId = 'WebhookSecretMissing'; Arguments = @{ Body = '{}'; Headers = @{}; Secret = $null } }
        @{ Case = 'a whsec secret that is not base64'; ErrorId = 'WebhookSecretMissing'; Arguments = @{ Body = '{}'; Headers = @{}; Scheme = 'StandardWebhooks'; Secret = (ConvertTo-SecureString 'whsec_***' -AsPlainText -Force) } }
    ) {
        param($Case, $ErrorId, $Arguments)
        $parameters = @{ Secret = $secret; JournalPath = $journalPath; AuditLogPath = $auditPath }
        foreach ($key in $Arguments.Keys) { $parameters[$key] = $Arguments[$key] }
        if ($null -eq $parameters.Secret) { $parameters.Remove('Secret') }
        $saved = $env:GENESYS_WEBHOOK_SECRET
        $env:GENESYS_WEBHOOK_SECRET = $null
        try {
            { Receive-GcWebhookEvent @parameters -ErrorAction Stop } | Should -Throw -ErrorId "$ErrorId,GenesysFileTransfer.Commands.ReceiveGcWebhookEventCommand"
        }
        finally { $env:GENESYS_WEBHOOK_SECRET = $saved }
    }

    It 'reuses the journal and audit log it opened across calls, and opens afresh when the journal file is gone' {
        $cache = [GenesysFileTransfer.Commands.ReceiveGcWebhookEventCommand].Assembly.GetType('GenesysFileTransfer.Commands.Infrastructure.ReceiverResourceCache')
        $opened = $cache.GetProperty('Opened', [System.Reflection.BindingFlags]'Static, NonPublic')
        $own = @{ Secret = $secret; JournalPath = (Join-Path $TestDrive 'cached/journal.db'); AuditLogPath = (Join-Path $TestDrive 'cached/audit') }
        $other = @{ Secret = $secret; JournalPath = $own.JournalPath; AuditLogPath = (Join-Path $TestDrive 'cached/other-audit') }
        $before = $opened.GetValue($null)
        $bodies = foreach ($n in 1..3) { New-OpenMessage -MessageId "msg-cached-$n" -AttachmentId "att-cached-$n" }

        $first = foreach ($body in $bodies) { Receive-GcWebhookEvent -Body $body -Headers @{ 'X-Hub-Signature-256' = (Get-Signature $body) } @own }
        $again = Receive-GcWebhookEvent -Body $bodies[0] -Headers @{ 'X-Hub-Signature-256' = (Get-Signature $bodies[0]) } @own
        $afterReuse = $opened.GetValue($null)
        $elsewhere = Receive-GcWebhookEvent -Body $bodies[1] -Headers @{ 'X-Hub-Signature-256' = (Get-Signature $bodies[1]) } @other
        $afterOther = $opened.GetValue($null)
        Get-ChildItem -LiteralPath (Split-Path $own.JournalPath) -Filter 'journal.db*' | Remove-Item -Force
        $fresh = Receive-GcWebhookEvent -Body $bodies[0] -Headers @{ 'X-Hub-Signature-256' = (Get-Signature $bodies[0]) } @own

        $first.Outcome | Should -Be @('accepted', 'accepted', 'accepted')
        $again.Outcome | Should -Be 'duplicate'
        $afterReuse - $before | Should -Be 1 -Because 'four calls naming one journal and audit folder open them once'
        $elsewhere.Outcome | Should -Be 'duplicate' -Because 'another audit folder over the same journal sees the same events'
        $afterOther - $afterReuse | Should -Be 1 -Because 'another audit folder is another pair'
        $fresh.Outcome | Should -Be 'accepted' -Because 'a deleted journal is not written to through a stale handle: the call opens a new file'
        Test-Path -LiteralPath $own.JournalPath | Should -BeTrue
        @(Get-Outbox $own.JournalPath).AttachmentId | Should -Be @('att-cached-1')
        @((Get-AuditText $other.AuditLogPath) -split "`n" | Where-Object { $_ }).Count | Should -Be 1
    }

    It 'closes what it kept open when the module is removed' {
        $script = Join-Path $TestDrive 'remove-module.ps1'
        Set-Content -LiteralPath $script -Value @'
param($ModulePath, $Folder, $Body, $Signature)
$ErrorActionPreference = 'Stop'
Import-Module $ModulePath
$secret = ConvertTo-SecureString 'pester-open-messaging-secret-0123' -AsPlainText -Force
$null = Receive-GcWebhookEvent -Body $Body -Headers @{ 'X-Hub-Signature-256' = $Signature } -Secret $secret -JournalPath (Join-Path $Folder 'journal.db') -AuditLogPath (Join-Path $Folder 'audit')
$cache = [GenesysFileTransfer.Commands.ReceiveGcWebhookEventCommand].Assembly.GetType('GenesysFileTransfer.Commands.Infrastructure.ReceiverResourceCache')
$count = $cache.GetProperty('Count', [System.Reflection.BindingFlags]'Static, NonPublic')
"open before: $($count.GetValue($null))"
Remove-Module GenesysFileTransfer
"open after: $($count.GetValue($null))"
'@
        $body = New-OpenMessage -MessageId 'msg-removed' -AttachmentId 'att-removed'
        $executable = [System.Diagnostics.Process]::GetCurrentProcess().MainModule.FileName
        $arguments = @(if ([System.IO.Path]::GetFileNameWithoutExtension($executable) -eq 'dotnet') { Join-Path $PSHOME 'pwsh.dll' }) +
            @('-NoProfile', '-NonInteractive', '-File', $script, $env:GFT_MODULE_PATH, (Join-Path $TestDrive 'removed'), $body, (Get-Signature $body))

        $output = & $executable @arguments 2>&1

        $output | Should -Contain 'open before: 1'
        $output | Should -Contain 'open after: 0'
    }

    It 'audits every callback and never writes the secret or an attachment URL signature' {
        # Its own journal and audit folder, and its own callbacks: the counts do not depend on other tests.
        $own = @{ Secret = $secret; JournalPath = (Join-Path $TestDrive 'audited/journal.db'); AuditLogPath = (Join-Path $TestDrive 'audited/audit') }
        $body = New-OpenMessage -MessageId 'msg-audit-1' -AttachmentId 'att-audit-1'
        $signed = @{ 'x-hub-signature-256' = (Get-Signature $body); 'content-type' = 'application/json' }
        $forged = @{ 'x-hub-signature-256' = (Get-Signature $body 'some-other-secret-0123'); 'content-type' = 'application/json' }
        $null = Receive-GcWebhookEvent -Body $body -Headers $signed @own
        $null = Receive-GcWebhookEvent -Body $body -Headers $signed @own
        $null = Receive-GcWebhookEvent -Body $body -Headers $forged @own

        $text = Get-AuditText $own.AuditLogPath
        $records = $text -split "`n" | Where-Object { $_ } | ForEach-Object { $_ | ConvertFrom-Json }
        $callbacks = @($records | Where-Object operation -EQ 'webhook')

        $callbacks.Count | Should -Be 3
        @($callbacks | Where-Object { $_.outcome -eq 'success' -and $_.httpStatus -eq 200 }).Count | Should -Be 1
        @($callbacks | Where-Object { $_.outcome -eq 'duplicate' -and $_.httpStatus -eq 200 }).Count | Should -Be 1
        @($callbacks | Where-Object { $_.outcome -eq 'refused' -and $_.errorCode -eq 'SignatureMismatch' -and $_.httpStatus -eq 401 }).Count | Should -Be 1
        $callbacks | ForEach-Object { $_.PSObject.Properties.Name | Should -Contain 'latencyMs' }
        @($records | Where-Object operation -EQ 'enqueue').Count | Should -Be 1
        $text | Should -Not -Match ([regex]::Escape($secretText))
        $text | Should -Not -Match 'secret-signature'
    }
}

Describe 'Start-GcWebhookListener with the emulator' {
    BeforeAll {
        Connect-GcCloud -BaseUri $emulator.BaseUri -ClientId $emulator.ClientId -ClientSecret $emulator.ClientSecret -NoAuditLog -NoJournal
        $journalPath = Join-Path $TestDrive 'listener/journal.db'
        $auditPath = Join-Path $TestDrive 'listener/audit'
        $prefix = "http://127.0.0.1:$(Get-FreePort)/genesys/"
        $output = [System.Management.Automation.PSDataCollection[psobject]]::new()
        $started = Start-ListenerShell -Prefix $prefix -Journal $journalPath -Audit $auditPath -Output $output
        $shell = $started.Shell
        $running = $started.Running
        # The probe's 405 is a result too, written just after it was answered; the tests count only what follows.
        $probeDeadline = [DateTime]::UtcNow.AddSeconds(10)
        while ($output.Count -lt 1 -and [DateTime]::UtcNow -lt $probeDeadline) { Start-Sleep -Milliseconds 20 }
        $output.Clear()

        function Wait-Output([int] $Count, [int] $TimeoutSeconds = 20) {
            $deadline = [DateTime]::UtcNow.AddSeconds($TimeoutSeconds)
            while ($output.Count -lt $Count -and [DateTime]::UtcNow -lt $deadline) { Start-Sleep -Milliseconds 50 }
            # Copied, not enumerated: enumerating an open PSDataCollection waits for it to be closed.
            $copy = [psobject[]]::new($output.Count)
            $output.CopyTo($copy, 0)
            $copy
        }
    }

    AfterAll {
        if ($shell.InvocationStateInfo.State -eq 'Running') { $shell.Stop() }
        $shell.Dispose()
        Invoke-EmulatorControl -Emulator $emulator -Method Delete -Path 'emulator/integrations/open'
        Disconnect-GcCloud -ErrorAction SilentlyContinue
    }

    It 'receives the signed callback of a file sent with Send-GcFile -Deliver, in every copy the emulator sends, and queues it once' {
        Set-Integration -Url $prefix -Faults @{ duplicates = 3 }
        $path = Join-Path $TestDrive 'delivered.pdf'
        New-TestFile -Kind Pdf -Path $path -SizeBytes 3000

        $transfer = Send-GcFile -Path $path @target @metadata -Deliver
        $results = Wait-Output 3

        $transfer.Status | Should -Be 'Delivered'
        $results.Count | Should -Be 3
        $results.StatusCode | Should -Be @(200, 200, 200)
        @($results | Where-Object Outcome -EQ 'accepted').Count | Should -Be 1
        @($results | Where-Object Outcome -EQ 'duplicate').Count | Should -Be 2
        $accepted = $results | Where-Object Outcome -EQ 'accepted'
        $accepted.MessageId | Should -Be $transfer.MessageId
        $accepted.IntegrationId | Should -Be $integrationId
        $accepted.Attachments[0].DocumentKey | Should -Be "attachment/$integrationId/$($transfer.MediaId)"
        $accepted.Attachments[0].Sha256 | Should -Be $transfer.Sha256
        $accepted.LatencyMs | Should -BeGreaterThan 0
        $items = @(Get-Outbox $journalPath)
        $items.Count | Should -Be 1
        $items[0].MessageId | Should -Be $transfer.MessageId
        $deliveries = @(Invoke-EmulatorControl -Emulator $emulator -Path 'emulator/integrations/open/deliveries')
        $deliveries.state | Sort-Object -Unique | Should -Be 'delivered'
    }

    It 'answers 401 to the emulator''s corrupted signature and queues nothing' {
        Set-Integration -Url $prefix -Faults @{ corruptSignature = $true }
        $path = Join-Path $TestDrive 'corrupted.pdf'
        New-TestFile -Kind Pdf -Path $path -SizeBytes 2000
        $before = $output.Count

        $transfer = Send-GcFile -Path $path @target @metadata -Deliver
        $results = Wait-Output ($before + 1)

        $results[-1].StatusCode | Should -Be 401
        $results[-1].Reason | Should -Be 'SignatureMismatch'
        @(Get-Outbox $journalPath | Where-Object AttachmentId -EQ $transfer.MediaId).Count | Should -Be 0
    }

    It 'takes a sender that hangs up mid-body as an audited refusal, writes no error record, and keeps serving' {
        $before = $output.Count
        $errorsBefore = $shell.Streams.Error.Count
        $uri = [Uri] $prefix
        # Headers that declare 500 bytes, 14 of them, then the connection closes.
        $client = [System.Net.Sockets.TcpClient]::new()
        try {
            $client.Connect($uri.Host, $uri.Port)
            $head = [System.Text.Encoding]::ASCII.GetBytes("POST $($uri.AbsolutePath) HTTP/1.1`r`nHost: $($uri.Authority)`r`nContent-Type: application/json`r`nContent-Length: 500`r`n`r`n{`"id`":`"msg-cut")
            $client.GetStream().Write($head, 0, $head.Length)
            $client.GetStream().Flush()
        }
        finally { $client.Dispose() }
        $cut = @(Wait-Output ($before + 1))[-1]
        $after = '{"id":"msg-after-cut","type":"Text","direction":"Outbound","text":"still listening"}'
        $answer = (Send-Callback $prefix $after).GetAwaiter().GetResult()
        $results = Wait-Output ($before + 2)

        $cut.Reason | Should -Be 'body-incomplete'
        $cut.StatusCode | Should -Be 400
        $cut.Outcome | Should -Be 'refused'
        $cut.BodyLength | Should -Be 14
        $shell.Streams.Error.Count | Should -Be $errorsBefore -Because 'a sender hanging up is not a failure of the listener'
        $shell.InvocationStateInfo.State | Should -Be 'Running'
        [int] $answer.StatusCode | Should -Be 200
        $results[-1].EventId | Should -Be 'msg-after-cut'
        $results[-1].Outcome | Should -Be 'accepted'
        $record = (Get-AuditText $auditPath) -split "`n" | Where-Object { $_ } | ConvertFrom-Json | Where-Object errorCode -EQ 'body-incomplete'
        @($record).Count | Should -Be 1
        $record.operation | Should -Be 'webhook'
        $record.outcome | Should -Be 'refused'
        $record.bytes | Should -Be 14
    }

    It 'takes a sender that hangs up after its whole body, before its answer, as recorded: no error record, the lost answer audited' {
        $before = $output.Count
        $errorsBefore = $shell.Streams.Error.Count
        $uri = [Uri] $prefix
        $body = New-OpenMessage -MessageId 'msg-gone' -AttachmentId 'att-gone'
        $bytes = [System.Text.Encoding]::UTF8.GetBytes($body)
        $head = [System.Text.Encoding]::ASCII.GetBytes("POST $($uri.AbsolutePath) HTTP/1.1`r`nHost: $($uri.Authority)`r`nContent-Type: application/json`r`nX-Hub-Signature-256: $(Get-Signature $body)`r`nContent-Length: $($bytes.Length)`r`n`r`n")
        # While this test holds the audit file's lock, the listener's audit writes wait, so the callback is in the
        # journal (the witness below) but not answered yet when the sender goes.
        $lock = [System.IO.FileStream]::new((Join-Path $auditPath ('audit-{0:yyyyMMdd}.jsonl.lock' -f [DateTime]::Now)), 'OpenOrCreate', 'ReadWrite', 'None')
        $client = [System.Net.Sockets.TcpClient]::new()
        try {
            $client.Connect($uri.Host, $uri.Port)
            $client.GetStream().Write($head, 0, $head.Length)
            $client.GetStream().Write($bytes, 0, $bytes.Length)
            $deadline = [DateTime]::UtcNow.AddSeconds(20)
            while (@(Get-Outbox $journalPath | Where-Object AttachmentId -EQ 'att-gone').Count -eq 0) {
                if ([DateTime]::UtcNow -gt $deadline) { throw 'The callback never reached the journal.' }
                Start-Sleep -Milliseconds 50
            }
            # Gone with a reset, before reading a byte of the answer.
            $client.LingerState = [System.Net.Sockets.LingerOption]::new($true, 0)
        }
        finally {
            $client.Dispose()
            $lock.Dispose()
        }
        $gone = @(Wait-Output ($before + 1))[-1]

        $shell.Streams.Error.Count | Should -Be $errorsBefore -Because 'a sender hanging up is not a failure of the listener'
        $shell.InvocationStateInfo.State | Should -Be 'Running'
        $gone.EventId | Should -Be 'msg-gone'
        $gone.Outcome | Should -Be 'accepted'
        $gone.StatusCode | Should -Be 200
        $gone.Detail | Should -BeLike 'The sender closed the connection before the answer could be sent (200 accepted); the callback is recorded*'
        @(Get-Outbox $journalPath | Where-Object AttachmentId -EQ 'att-gone').Count | Should -Be 1
        $records = @((Get-AuditText $auditPath) -split "`n" | Where-Object { $_ } | ConvertFrom-Json)
        @($records | Where-Object { $_.operation -eq 'webhook' -and $_.outcome -eq 'success' -and $_.detail -like '*msg-gone*' }).Count | Should -Be 1
        $lost = @($records | Where-Object operation -EQ 'webhook-answer')
        $lost.Count | Should -Be 1
        $lost[0].outcome | Should -Be 'cancelled'
        $lost[0].errorCode | Should -Be 'answer-undelivered'
        $lost[0].httpStatus | Should -Be 200
        $lost[0].detail | Should -BeLike 'event open-messaging/msg-gone; *'
    }

    It 'stops on Ctrl+C and frees its prefix' {
        $shell.Stop()

        $running.IsCompleted | Should -BeTrue
        $shell.InvocationStateInfo.State | Should -Be 'Stopped'
        $shell.Streams.Error.Count | Should -Be 0
        $probe = [System.Net.HttpListener]::new()
        $probe.Prefixes.Add($prefix)
        { $probe.Start() } | Should -Not -Throw -Because 'the listener released its prefix'
        $probe.Close()
    }
}

Describe 'Start-GcWebhookListener with its default -ThrottleLimit' {
    BeforeAll {
        $journalPath = Join-Path $TestDrive 'slots/journal.db'
        $auditPath = Join-Path $TestDrive 'slots/audit'
        $prefix = "http://127.0.0.1:$(Get-FreePort)/genesys/"
        $output = [System.Management.Automation.PSDataCollection[psobject]]::new()
        $shell = (Start-ListenerShell -Prefix $prefix -Journal $journalPath -Audit $auditPath -Output $output).Shell
        # The probe's 405 is audited too; it is written before the test takes the audit file's lock.
        $probeDeadline = [DateTime]::UtcNow.AddSeconds(10)
        while ($output.Count -lt 1 -and [DateTime]::UtcNow -lt $probeDeadline) { Start-Sleep -Milliseconds 20 }
        # No client timeout: the held callbacks wait as long as the test holds them.
        $patient = [System.Net.Http.HttpClient]::new()
        $patient.Timeout = [System.Threading.Timeout]::InfiniteTimeSpan
    }

    AfterAll {
        if ($shell.InvocationStateInfo.State -eq 'Running') { $shell.Stop() }
        $shell.Dispose()
        $patient.Dispose()
    }

    It 'processes 16 callbacks at once; the 17th waits for a slot and is then answered 200' {
        # Each callback is recorded in the journal and then waits for the audit file, whose lock this test holds:
        # sixteen reach the journal and stay in their slots, the seventeenth is not even recorded.
        $lock = [System.IO.FileStream]::new((Join-Path $auditPath ('audit-{0:yyyyMMdd}.jsonl.lock' -f [DateTime]::Now)), 'OpenOrCreate', 'ReadWrite', 'None')
        try {
            $sends = @(foreach ($n in 1..17) {
                    $body = New-OpenMessage -MessageId "msg-slot-$n" -AttachmentId "att-slot-$n"
                    $request = [System.Net.Http.HttpRequestMessage]::new([System.Net.Http.HttpMethod]::Post, $prefix)
                    $request.Content = [System.Net.Http.StringContent]::new($body, [System.Text.Encoding]::UTF8, 'application/json')
                    $null = $request.Headers.TryAddWithoutValidation('X-Hub-Signature-256', (Get-Signature $body))
                    $patient.SendAsync($request)
                })
            $deadline = [DateTime]::UtcNow.AddSeconds(60)
            while (@(Get-Outbox $journalPath).Count -lt 16) {
                if ([DateTime]::UtcNow -gt $deadline) { throw "Only $(@(Get-Outbox $journalPath).Count) callbacks reached the journal." }
                Start-Sleep -Milliseconds 50
            }
            Start-Sleep -Seconds 1
            $recordedWhileHeld = @(Get-Outbox $journalPath).Count
            $answeredWhileHeld = @($sends | Where-Object IsCompleted).Count
        }
        finally { $lock.Dispose() }
        $null = [System.Threading.Tasks.Task]::WaitAll([System.Threading.Tasks.Task[]]$sends, 60000)

        $recordedWhileHeld | Should -Be 16
        $answeredWhileHeld | Should -Be 0
        @($sends | ForEach-Object { [int]$_.Result.StatusCode } | Sort-Object -Unique) | Should -Be @(200)
        @(Get-Outbox $journalPath).Count | Should -Be 17
        $shell.Streams.Error.Count | Should -Be 0
    }
}

Describe 'Two listener processes sharing one journal' {
    BeforeAll {
        Connect-GcCloud -BaseUri $emulator.BaseUri -ClientId $emulator.ClientId -ClientSecret $emulator.ClientSecret -NoAuditLog -NoJournal
        $journalPath = Join-Path $TestDrive 'shared/journal.db'
        $dms = Join-Path $TestDrive 'shared/dms'
        $childScript = Join-Path $TestDrive 'listen.ps1'
        Set-Content -LiteralPath $childScript -Value @'
param($ModulePath, $Prefix, $JournalPath, $AuditLogPath)
$ErrorActionPreference = 'Stop'
Import-Module $ModulePath
# The secret comes from GENESYS_WEBHOOK_SECRET, as in a service or a function app.
Start-GcWebhookListener -Prefix $Prefix -JournalPath $JournalPath -AuditLogPath $AuditLogPath |
    ForEach-Object { [Console]::Out.WriteLine("$($_.StatusCode) $($_.Outcome) $($_.EventId)"); [Console]::Out.Flush() }
'@
        function Start-Listener([string] $Prefix, [string] $Name) {
            $executable = [System.Diagnostics.Process]::GetCurrentProcess().MainModule.FileName
            $start = [System.Diagnostics.ProcessStartInfo]::new($executable)
            if ([System.IO.Path]::GetFileNameWithoutExtension($executable) -eq 'dotnet') { $start.ArgumentList.Add((Join-Path $PSHOME 'pwsh.dll')) }
            foreach ($argument in '-NoProfile', '-NonInteractive', '-File', $childScript, $env:GFT_MODULE_PATH, $Prefix, $journalPath, (Join-Path $TestDrive "shared/audit-$Name")) { $start.ArgumentList.Add($argument) }
            $start.Environment['GENESYS_WEBHOOK_SECRET'] = $secretText
            $start.UseShellExecute = $false
            $start.RedirectStandardOutput = $true
            $start.RedirectStandardError = $true
            $process = [System.Diagnostics.Process]::Start($start)
            [pscustomobject]@{ Prefix = $Prefix; Process = $process; Output = $process.StandardOutput.ReadToEndAsync(); Errors = $process.StandardError.ReadToEndAsync() }
        }

        $listeners = @(
            Start-Listener "http://127.0.0.1:$(Get-FreePort)/genesys/" 'a'
            Start-Listener "http://127.0.0.1:$(Get-FreePort)/genesys/" 'b'
        )

        # Real media to archive: three files delivered while no integration is configured, their attachments read
        # back from the emulator, and one signed callback body made for each.
        Invoke-EmulatorControl -Emulator $emulator -Method Delete -Path 'emulator/integrations/open'
        $files = foreach ($name in 'one', 'two', 'three') {
            $path = Join-Path $TestDrive "shared-$name.pdf"
            $null = New-TestFile -Kind Pdf -Path $path -SizeBytes (1000 + $name.Length * 100)
            Send-GcFile -Path $path @target @metadata -Deliver
        }
        $messages = @(Invoke-EmulatorControl -Emulator $emulator -Path 'emulator/messages')
        $bodies = foreach ($file in $files) {
            $attachment = ($messages | Where-Object id -EQ $file.MessageId).normalizedMessage.content[0].attachment
            New-OpenMessage -MessageId $file.MessageId -AttachmentId $attachment.id -Url $attachment.url -FileName $attachment.filename -Mime $attachment.mime -Sha256 $attachment.sha256 -Size $attachment.contentSizeBytes
        }

        foreach ($listener in $listeners) { Wait-Listening $listener.Prefix -Process $listener.Process }
        # Every body three times to each listener, all in flight together.
        $tasks = @(foreach ($body in $bodies) { foreach ($listener in $listeners) { foreach ($copy in 1..3) { Send-Callback $listener.Prefix $body } } })
        $null = [System.Threading.Tasks.Task]::WaitAll([System.Threading.Tasks.Task[]]$tasks, 30000)
        $statuses = @($tasks | ForEach-Object { [int]$_.Result.StatusCode })

        # Killed after answering, before anything was archived: the work must survive in the journal.
        foreach ($listener in $listeners) { $listener.Process.Kill($true); $listener.Process.WaitForExit() }
        # The readiness probes' 405 answers are left out; the callbacks are what counts.
        $lines = @($listeners | ForEach-Object { $_.Output.Result -split "`n" } | Where-Object { $_ -match '^\d{3} ' -and $_ -notlike '405 *' })
        $outboxAfterKill = @(Get-Outbox $journalPath)
        $archived = @(Sync-GcFileTransferDocument -Destination $dms -AllowedDownloadHost 127.0.0.1 -JournalPath $journalPath -AuditLogPath (Join-Path $TestDrive 'shared/audit-sync'))
    }

    AfterAll {
        foreach ($listener in $listeners) { if (-not $listener.Process.HasExited) { $listener.Process.Kill($true) } }
        Disconnect-GcCloud -ErrorAction SilentlyContinue
    }

    It 'answers every copy with 200' {
        $statuses.Count | Should -Be 18
        $statuses | Sort-Object -Unique | Should -Be 200
    }

    It 'records each event once across both processes' {
        $lines.Count | Should -Be 18 -Because "each listener reports each request it answered; errors: $($listeners | ForEach-Object { $_.Errors.Result })"
        @($lines | Where-Object { $_ -like '200 accepted *' }).Count | Should -Be 3
        @($lines | Where-Object { $_ -like '200 duplicate *' }).Count | Should -Be 15
    }

    It 'leaves one pending outbox item per attachment after both listeners were killed' {
        $outboxAfterKill.Count | Should -Be 3
        $outboxAfterKill.State | Sort-Object -Unique | Should -Be 'Pending'
        $outboxAfterKill.AttachmentId | Sort-Object | Should -Be ($files.MediaId | Sort-Object)
    }

    It 'archives exactly one document per attachment with the bytes that were sent' {
        $archived.Count | Should -Be 3
        $documents = @(Get-ChildItem -LiteralPath $dms -Recurse -File | Where-Object Name -NotLike '*.metadata.json')
        $documents.Count | Should -Be 3
        foreach ($file in $files) {
            $document = $documents | Where-Object { $_.FullName -like "*$($file.MediaId)*" }
            @($document).Count | Should -Be 1
            (Get-FileHash -LiteralPath $document.FullName -Algorithm SHA256).Hash.ToLowerInvariant() | Should -Be $file.Sha256
        }
    }
}

Describe 'A listener sharing the sending connection''s journal' {
    BeforeAll {
        $journalPath = Join-Path $TestDrive 'one-document/journal.db'
        $auditPath = Join-Path $TestDrive 'one-document/audit'
        $dms = Join-Path $TestDrive 'one-document/dms'
        Connect-GcCloud -BaseUri $emulator.BaseUri -ClientId $emulator.ClientId -ClientSecret $emulator.ClientSecret -NoAuditLog -JournalPath $journalPath
        $prefix = "http://127.0.0.1:$(Get-FreePort)/genesys/"
        $output = [System.Management.Automation.PSDataCollection[psobject]]::new()
        $shell = (Start-ListenerShell -Prefix $prefix -Journal $journalPath -Audit $auditPath -Output $output).Shell
        Set-Integration -Url $prefix -Faults @{ duplicates = 2 }

        $sent = foreach ($size in 3100, 3200, 3300) {
            $path = Join-Path $TestDrive "one-document-$size.pdf"
            $null = New-TestFile -Kind Pdf -Path $path -SizeBytes $size
            Send-GcFile -Path $path @target @metadata -Deliver
        }
        # Every copy of every callback answered (the readiness probe's 405 aside).
        $deadline = [DateTime]::UtcNow.AddSeconds(30)
        do {
            Start-Sleep -Milliseconds 100
            $copy = [psobject[]]::new($output.Count)
            $output.CopyTo($copy, 0)
            $answered = @($copy | Where-Object StatusCode -EQ 200)
        } while ($answered.Count -lt 6 -and [DateTime]::UtcNow -lt $deadline)
        $outbox = @(Get-Outbox $journalPath)
        $archived = @(Sync-GcFileTransferDocument -Destination $dms -AllowedDownloadHost 127.0.0.1 -AuditLogPath (Join-Path $TestDrive 'one-document/sync-audit'))
    }

    AfterAll {
        if ($shell.InvocationStateInfo.State -eq 'Running') { $shell.Stop() }
        $shell.Dispose()
        Invoke-EmulatorControl -Emulator $emulator -Method Delete -Path 'emulator/integrations/open'
        Disconnect-GcCloud -ErrorAction SilentlyContinue
    }

    It 'answers each callback for a file it sent under the transfer''s own document key' {
        $answered.Count | Should -Be 6
        $accepted = @($answered | Where-Object Outcome -EQ 'accepted')
        $accepted.Count | Should -Be 3
        ($accepted.Attachments.DocumentKey | Sort-Object) | Should -Be ($sent | ForEach-Object { "transfer/$($_.TransferId)" } | Sort-Object)
        ($accepted.Attachments.TransferId | Sort-Object) | Should -Be ($sent.TransferId | Sort-Object)
    }

    It 'keeps one outbox item per delivered file, none under an attachment key' {
        $outbox.Count | Should -Be 3
        @($outbox | Where-Object DocumentKey -Like 'attachment/*').Count | Should -Be 0
        ($outbox.TransferId | Sort-Object) | Should -Be ($sent.TransferId | Sort-Object)
    }

    It 'archives exactly one document per delivered file' {
        $archived.Count | Should -Be 3
        $documents = @(Get-ChildItem -LiteralPath $dms -Recurse -File | Where-Object Name -NotLike '*.metadata.json')
        $documents.Count | Should -Be 3
        foreach ($transfer in $sent) {
            $document = @($documents | Where-Object { $_.FullName -like "*$($transfer.TransferId)*" })
            $document.Count | Should -Be 1
            (Get-FileHash -LiteralPath $document[0].FullName -Algorithm SHA256).Hash.ToLowerInvariant() | Should -Be $transfer.Sha256
        }
    }
}
