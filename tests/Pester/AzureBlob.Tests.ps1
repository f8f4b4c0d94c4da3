# Sync-GcFileTransferDocument into Azure Blob Storage, end to end through the staged module: files delivered through the
# emulator are archived into Azurite (tests/peers, installed by 'build.ps1 -Task TestPeers'), Microsoft's Azure Storage
# emulator, and read back with a separate client: bytes, metadata, one blob per document however often the sync runs,
# two sync processes racing, a blob with other bytes left alone, and Azurite stopped and started again mid-way.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Join-Path $PSScriptRoot 'Azurite.psm1') -Force
    $module = Import-Module $env:GFT_MODULE_PATH -Force -PassThru
    $emulator = Start-TestEmulator
    Invoke-EmulatorControl -Emulator $emulator -Method Patch -Path 'emulator/settings' -Body @{ validationDelayMs = 50 }
    $azurite = Start-Azurite

    $target = @{ ConversationId = $emulator.ConversationId; CommunicationId = $emulator.CommunicationId }
    $reference = '3f2504e0-4f89-41d3-9a0c-0305e82c3301'
    $metadata = @{ StorageBucketReference = $reference; RetentionDays = 30 }
    $signIn = @{ BaseUri = $emulator.BaseUri; ClientId = $emulator.ClientId; ClientSecret = $emulator.ClientSecret; NoAuditLog = $true }
    $accountKey = ConvertTo-SecureString $azurite.AccountKey -AsPlainText -Force
    $toAzure = @{ AzureBlobServiceUri = $azurite.ServiceUri; AzureStorageAccountKey = $accountKey; AzureBlobContainer = 'dms' }

    $client = Get-AzuriteClient -Azurite $azurite
    foreach ($container in 'dms', 'legal-hold') { $null = $client.GetBlobContainerClient($container).Create() }

    function Get-Sha256([string] $Path) { (Get-FileHash -LiteralPath $Path -Algorithm SHA256).Hash.ToLowerInvariant() }
    function Get-BytesSha256([byte[]] $Bytes) { [Convert]::ToHexString([System.Security.Cryptography.SHA256]::HashData($Bytes)).ToLowerInvariant() }

    function Get-Blob([string] $Container, [string] $Name) { $client.GetBlobContainerClient($Container).GetBlobClient($Name) }

    function Get-BlobNames([string] $Container) {
        @($client.GetBlobContainerClient($Container).GetBlobs() | ForEach-Object Name | Sort-Object)
    }

    function Get-Outbox([string] $JournalPath) {
        $journal = [GenesysFileTransfer.Engine.Journal.Sqlite.SqliteTransferJournal]::Open($JournalPath)
        try { @($journal.Outbox.GetOutbox($null)) } finally { $journal.Dispose() }
    }

    function Send-Delivered([string] $JournalPath, [string] $Name, [int] $SizeBytes = 4096) {
        # The content depends on the size alone: files of one journal need different sizes, or they are one transfer.
        $file = New-TestFile -Kind Pdf -Path (Join-Path $TestDrive "source/$([guid]::NewGuid().ToString('N'))/$Name") -SizeBytes $SizeBytes
        Connect-GcCloud @signIn -JournalPath $JournalPath
        try { Send-GcFile -LiteralPath $file.FullName @target @metadata -Deliver }
        finally { Disconnect-GcCloud }
    }
}

AfterAll {
    Disconnect-GcCloud -ErrorAction SilentlyContinue
    Stop-TestEmulator -Emulator $emulator
    Stop-Azurite -Azurite $azurite -RemoveData
}

Describe 'Sync-GcFileTransferDocument -AzureBlobServiceUri' {
    BeforeAll {
        $journalPath = Join-Path $TestDrive 'azure/journal.db'
        $transfer = Send-Delivered -JournalPath $journalPath -Name 'contract.pdf' -SizeBytes (2MB + 4321)
        $audit = Join-Path $TestDrive 'azure-audit'
        $map = @{ $reference = 'legal-hold' }
        $first = @(Sync-GcFileTransferDocument @toAzure -AzureBlobContainerMap $map -JournalPath $journalPath -AuditLogPath $audit -Verbose 4>&1)
        $blobName = "transfer/$($transfer.TransferId)/contract.pdf"
        $etag = (Get-Blob 'legal-hold' $blobName).GetProperties().Value.ETag
        $second = @(Sync-GcFileTransferDocument @toAzure -AzureBlobContainerMap $map -JournalPath $journalPath -AuditLogPath $audit)
    }

    It 'archives the delivered file as one blob in the mapped container whose bytes read back as sent' {
        $transfer.Status | Should -Be 'Delivered'
        $documents = @($first | Where-Object { $_ -is [GenesysFileTransfer.Engine.Documents.ArchivedDocument] })
        $documents.Count | Should -Be 1
        $documents[0].Location | Should -Be "$($azurite.ServiceUri)/legal-hold/$blobName"
        $documents[0].Sha256 | Should -Be (Get-Sha256 $transfer.Path)
        $documents[0].AlreadyStored | Should -BeFalse
        Get-BlobNames 'legal-hold' | Should -Be @($blobName)
        $bytes = (Get-Blob 'legal-hold' $blobName).DownloadContent().Value.Content.ToArray()
        $bytes.Length | Should -Be (Get-Item -LiteralPath $transfer.Path).Length
        Get-BytesSha256 $bytes | Should -Be (Get-Sha256 $transfer.Path)
    }

    It 'stores the metadata as blob metadata and the verified MD5 as the blob''s Content-MD5' {
        $properties = (Get-Blob 'legal-hold' $blobName).GetProperties().Value
        $properties.Metadata['sha256'] | Should -Be (Get-Sha256 $transfer.Path)
        $properties.Metadata['transfer_id'] | Should -Be "$($transfer.TransferId)"
        $properties.Metadata['conversation_id'] | Should -Be $emulator.ConversationId
        $properties.Metadata['message_id'] | Should -Be $transfer.MessageId
        $properties.Metadata['storage_bucket_reference'] | Should -Be $reference
        $properties.Metadata['retention_days'] | Should -Be '30'
        $properties.Metadata['document_key'] | Should -Be "transfer/$($transfer.TransferId)"
        $properties.ContentType | Should -Be 'application/pdf'
        [Convert]::ToHexString($properties.ContentHash) | Should -Be (Get-FileHash -LiteralPath $transfer.Path -Algorithm MD5).Hash
    }

    It 'writes nothing when run again' {
        $second.Count | Should -Be 0
        (Get-Blob 'legal-hold' $blobName).GetProperties().Value.ETag | Should -Be $etag
        Get-BlobNames 'legal-hold' | Should -Be @($blobName)
        @(Get-Outbox $journalPath | Where-Object State -EQ 'Archived').Count | Should -Be 1
    }

    It 'names the endpoint and the way of signing in, never the key, in what it says and audits' {
        $verbose = @($first | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] } | ForEach-Object Message) -join "`n"
        $verbose | Should -BeLike "*Azure Blob $($azurite.ServiceUri) (account key)*"
        $auditText = (Get-ChildItem -LiteralPath $audit -Recurse -File | Get-Content) -join "`n"
        $auditText | Should -BeLike "*$blobName*"
        foreach ($text in $verbose, $auditText) {
            $text | Should -Not -BeLike "*$($azurite.AccountKey)*"
            $text | Should -Not -BeLike "*$($azurite.AccountKey.Substring(0, 20))*"
        }
    }
}

Describe 'A blob with other bytes under the document''s name' {
    It 'is a DocumentConflict error for the document, and the blob is left as it was' {
        $journalPath = Join-Path $TestDrive 'conflict/journal.db'
        $transfer = Send-Delivered -JournalPath $journalPath -Name 'conflict.pdf'
        $blob = Get-Blob 'dms' "transfer/$($transfer.TransferId)/conflict.pdf"
        $theirs = [System.Text.Encoding]::UTF8.GetBytes('a different document that was here first')
        $null = $blob.Upload([System.IO.MemoryStream]::new($theirs))
        $etag = $blob.GetProperties().Value.ETag
        $map = @{ $reference = 'dms' }

        $output = @(Sync-GcFileTransferDocument @toAzure -AzureBlobContainerMap $map -JournalPath $journalPath -ErrorVariable failures -ErrorAction SilentlyContinue)

        $output.Count | Should -Be 0
        $failures.Count | Should -Be 1
        $failures[0].FullyQualifiedErrorId | Should -BeLike 'DocumentConflict,*'
        $failures[0].CategoryInfo.Category | Should -Be 'ResourceExists'
        $failures[0].TargetObject | Should -Be "transfer/$($transfer.TransferId)"
        "$failures" | Should -Not -BeLike "*$($azurite.AccountKey.Substring(0, 20))*"
        $blob.GetProperties().Value.ETag | Should -Be $etag
        Get-BytesSha256 $blob.DownloadContent().Value.Content.ToArray() | Should -Be (Get-BytesSha256 $theirs)
        $pending = @(Get-Outbox $journalPath | Where-Object State -EQ 'Pending')
        $pending.Count | Should -Be 1
        $pending[0].LastError | Should -BeLike 'DocumentConflict:*'
    }
}

Describe 'Two Sync-GcFileTransferDocument processes racing on the same documents' {
    BeforeAll {
        # Each worker has its own copy of one journal (a restored backup, a lease that ran out): both claim every
        # document, so both try to store each blob at the same moment, and only the service can keep them apart.
        $journalA = Join-Path $TestDrive 'race-a/journal.db'
        $transfers = foreach ($size in 4096, 5000, 6000, 7000, 300KB) { Send-Delivered -JournalPath $journalA -Name "race-$size.pdf" -SizeBytes $size }
        $journalB = Join-Path $TestDrive 'race-b/journal.db'
        $null = New-Item -ItemType Directory -Path (Split-Path $journalB) -Force
        Copy-Item -LiteralPath $journalA -Destination $journalB
        $null = $client.GetBlobContainerClient('race').Create()

        $go = Join-Path $TestDrive 'race-go'
        $child = Join-Path $TestDrive 'race-worker.ps1'
        Set-Content -LiteralPath $child -Value @'
param($ModulePath, $ServiceUri, $AccountKey, $JournalPath, $Go, $Result)
$ErrorActionPreference = 'Stop'
Import-Module $ModulePath
while (-not (Test-Path -LiteralPath $Go)) { Start-Sleep -Milliseconds 20 }
$key = ConvertTo-SecureString $AccountKey -AsPlainText -Force
$archived = @(Sync-GcFileTransferDocument -AzureBlobServiceUri $ServiceUri -AzureStorageAccountKey $key -AzureBlobContainer race -JournalPath $JournalPath -ErrorVariable failures -ErrorAction SilentlyContinue)
[pscustomobject]@{
    Archived = @($archived | ForEach-Object { [pscustomobject]@{ DocumentKey = $_.DocumentKey; AlreadyStored = $_.AlreadyStored; Location = $_.Location } })
    Errors = @($failures | ForEach-Object { "$($_.FullyQualifiedErrorId): $_" })
} | ConvertTo-Json -Depth 4 | Set-Content -LiteralPath $Result
'@
        $executable = [System.Diagnostics.Process]::GetCurrentProcess().MainModule.FileName
        $workers = foreach ($name in 'a', 'b') {
            $journal = if ($name -eq 'a') { $journalA } else { $journalB }
            $arguments = @()
            if ([System.IO.Path]::GetFileNameWithoutExtension($executable) -eq 'dotnet') { $arguments += Join-Path $PSHOME 'pwsh.dll' }
            $arguments += '-NoProfile', '-NonInteractive', '-File', $child, $env:GFT_MODULE_PATH, $azurite.ServiceUri, $azurite.AccountKey,
                $journal, $go, (Join-Path $TestDrive "race-$name.json")
            [pscustomobject]@{
                Name    = $name
                Process = Start-Process -FilePath $executable -ArgumentList ($arguments | ForEach-Object { '"{0}"' -f $_ }) -PassThru -NoNewWindow `
                    -RedirectStandardOutput (Join-Path $TestDrive "race-$name.out") -RedirectStandardError (Join-Path $TestDrive "race-$name.err")
            }
        }
        Start-Sleep -Seconds 3 # both have imported the module and wait for the signal
        Set-Content -LiteralPath $go -Value 'go'
        foreach ($worker in $workers) {
            if (-not $worker.Process.WaitForExit(120000)) { $worker.Process.Kill($true); throw "Worker $($worker.Name) did not finish in 2 minutes." }
        }
        $results = foreach ($name in 'a', 'b') {
            $path = Join-Path $TestDrive "race-$name.json"
            if (-not (Test-Path -LiteralPath $path)) {
                throw "Worker $name wrote no result: $(Get-Content -Raw -LiteralPath (Join-Path $TestDrive "race-$name.err") -ErrorAction Ignore)"
            }
            Get-Content -Raw -LiteralPath $path | ConvertFrom-Json
        }
    }

    It 'ends with one blob per document, each holding its file' {
        @($results | ForEach-Object { $_.Errors }) | Should -BeNullOrEmpty
        Get-BlobNames 'race' | Should -Be @($transfers | ForEach-Object { "transfer/$($_.TransferId)/$(Split-Path $_.Path -Leaf)" } | Sort-Object)
        foreach ($transfer in $transfers) {
            $bytes = (Get-Blob 'race' "transfer/$($transfer.TransferId)/$(Split-Path $transfer.Path -Leaf)").DownloadContent().Value.Content.ToArray()
            Get-BytesSha256 $bytes | Should -Be (Get-Sha256 $transfer.Path)
        }
    }

    It 'has exactly one of the two write each blob; the other finds it stored' {
        $archived = @($results | ForEach-Object { $_.Archived })
        $archived.Count | Should -Be (2 * $transfers.Count)
        foreach ($transfer in $transfers) {
            $both = @($archived | Where-Object DocumentKey -EQ "transfer/$($transfer.TransferId)")
            $both.Count | Should -Be 2
            @($both | Where-Object { -not $_.AlreadyStored }).Count | Should -Be 1 -Because "one worker creates transfer/$($transfer.TransferId), the other must find it"
        }
    }
}

Describe 'Azurite stopped while documents wait, then started again' {
    It 'keeps the document in the outbox while it is down and archives it exactly once after the restart' {
        $journalPath = Join-Path $TestDrive 'outage/journal.db'
        $before = Send-Delivered -JournalPath $journalPath -Name 'before.pdf' -SizeBytes 4096
        $during = Send-Delivered -JournalPath $journalPath -Name 'during.pdf' -SizeBytes 5000
        $null = $client.GetBlobContainerClient('outage').Create()
        $outage = @{ AzureBlobServiceUri = $azurite.ServiceUri; AzureStorageAccountKey = $accountKey; AzureBlobContainer = 'outage'; JournalPath = $journalPath }

        $first = @(Sync-GcFileTransferDocument @outage -MaxItems 1)
        Stop-Azurite -Azurite $azurite
        try {
            $down = @(Sync-GcFileTransferDocument @outage -ErrorVariable failures -ErrorAction SilentlyContinue)
            $waiting = @(Get-Outbox $journalPath | Where-Object State -EQ 'Pending')
        }
        finally {
            $restarted = Start-Azurite -Port $azurite.Port -Folder $azurite.Folder
            $azurite.Process = $restarted.Process
        }
        $null = Get-GcFileTransferDocument -State Pending -JournalPath $journalPath | Reset-GcFileTransferDocument -JournalPath $journalPath -Confirm:$false
        $back = @(Sync-GcFileTransferDocument @outage)
        $again = @(Sync-GcFileTransferDocument @outage)

        $first.Count | Should -Be 1
        $first[0].DocumentKey | Should -Be "transfer/$($before.TransferId)"
        $down.Count | Should -Be 0
        $failures.Count | Should -Be 1
        $failures[0].FullyQualifiedErrorId | Should -BeLike 'DocumentSinkUnavailable,*'
        $failures[0].CategoryInfo.Category | Should -Be 'ResourceUnavailable'
        $failures[0].TargetObject | Should -Be "transfer/$($during.TransferId)"
        $waiting.Count | Should -Be 1
        $waiting[0].LastError | Should -BeLike 'DocumentSinkUnavailable:*'
        $back.Count | Should -Be 1
        $back[0].DocumentKey | Should -Be "transfer/$($during.TransferId)"
        $back[0].AlreadyStored | Should -BeFalse
        $again.Count | Should -Be 0
        Get-BlobNames 'outage' | Should -Be @("transfer/$($before.TransferId)/before.pdf", "transfer/$($during.TransferId)/during.pdf" | Sort-Object)
        Get-BytesSha256 (Get-Blob 'outage' "transfer/$($during.TransferId)/during.pdf").DownloadContent().Value.Content.ToArray() | Should -Be (Get-Sha256 $during.Path)
        @(Get-Outbox $journalPath | Where-Object State -EQ 'Archived').Count | Should -Be 2
    }
}

Describe 'Azure parameters that cannot work' {
    It 'refuses two ways of signing in at once before touching the journal' {
        { Sync-GcFileTransferDocument -AzureBlobServiceUri 'https://contoso.blob.core.windows.net' -AzureManagedIdentity -AzureStorageAccountKey $accountKey -AzureBlobContainer dms -JournalPath (Join-Path $TestDrive 'none.db') -ErrorAction Stop } |
            Should -Throw -ErrorId 'DocumentSinkInvalid,GenesysFileTransfer.Commands.SyncGcFileTransferDocumentCommand'
    }

    It 'refuses Entra ID tokens over plain http, even to this machine' {
        { Sync-GcFileTransferDocument -AzureBlobServiceUri 'http://127.0.0.1:1/devstoreaccount1' -AzureManagedIdentity -AzureBlobContainer dms -JournalPath (Join-Path $TestDrive 'none.db') -ErrorAction Stop } |
            Should -Throw -ErrorId 'DocumentSinkInvalid,GenesysFileTransfer.Commands.SyncGcFileTransferDocumentCommand'
    }

    It 'refuses a SAS URL over plain http to another host, and shows the endpoint without its SAS' {
        $record = $null
        try { Sync-GcFileTransferDocument -AzureBlobServiceUri 'http://contoso.example/?sv=2024-01-01&sig=c2VjcmV0c2lnbmF0dXJl' -AzureBlobContainer dms -JournalPath (Join-Path $TestDrive 'none.db') -ErrorAction Stop }
        catch { $record = $_ }
        $record | Should -Not -BeNullOrEmpty
        $record.FullyQualifiedErrorId | Should -BeLike 'DocumentSinkInvalid,*'
        $record.CategoryInfo.Category | Should -Be 'InvalidArgument'
        "$($record.TargetObject)" | Should -Be 'http://contoso.example/'
        "$record" | Should -Not -BeLike '*c2VjcmV0c2lnbmF0dXJl*'
    }

    It 'refuses a service principal without a tenant, and a container map key that is not a UUID' {
        $principal = [pscredential]::new([guid]::NewGuid().ToString(), (ConvertTo-SecureString 'not-a-real-secret' -AsPlainText -Force))
        { Sync-GcFileTransferDocument -AzureBlobServiceUri 'https://contoso.blob.core.windows.net' -AzureCredential $principal -AzureBlobContainer dms -ErrorAction Stop } |
            Should -Throw -ErrorId 'DocumentSinkInvalid,GenesysFileTransfer.Commands.SyncGcFileTransferDocumentCommand'
        { Sync-GcFileTransferDocument @toAzure -AzureBlobContainerMap @{ 'legal' = 'legal-hold' } -ErrorAction Stop } |
            Should -Throw -ErrorId 'DocumentSinkInvalid,GenesysFileTransfer.Commands.SyncGcFileTransferDocumentCommand'
    }
}
