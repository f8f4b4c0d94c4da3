# Documented error ids no other test raised, each provoked the way a user meets it and matched as the literal a
# script filters on (the part of FullyQualifiedErrorId before the comma).

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
}

AfterAll {
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
