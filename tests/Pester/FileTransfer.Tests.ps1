# The cmdlets end to end against the emulator: the lifecycle per file type, every validation failure, a
# batch with one bad file, retries (429, 503), a token dying mid-run, URL renewal, media Genesys rejects, and the
# audit trail.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module $env:GFT_MODULE_PATH -Force
    $emulator = Start-TestEmulator
    Invoke-EmulatorControl -Emulator $emulator -Method Patch -Path 'emulator/settings' -Body @{ validationDelayMs = 50 }
    $auditFolder = Join-Path $TestDrive 'audit'
    # No journal: these tests send the same bytes again on purpose, which a journal would resume instead (Journal.Tests.ps1).
    Connect-GcCloud -BaseUri $emulator.BaseUri -ClientId $emulator.ClientId -ClientSecret $emulator.ClientSecret -AuditLogPath $auditFolder -NoJournal

    $target = @{ ConversationId = $emulator.ConversationId; CommunicationId = $emulator.CommunicationId }
    $metadata = @{ StorageBucketReference = '3f2504e0-4f89-41d3-9a0c-0305e82c3301'; RetentionDays = 30; EncryptionStandard = 'AES-256' }

    function Get-EmulatorRequests { @(Invoke-EmulatorControl -Emulator $emulator -Path 'emulator/requests') }
    function Get-AuditRecords {
        Get-ChildItem -LiteralPath $auditFolder -Filter '*.jsonl' | ForEach-Object {
            $stream = [System.IO.FileStream]::new($_.FullName, 'Open', 'Read', 'ReadWrite, Delete')
            try { ([System.IO.StreamReader]::new($stream)).ReadToEnd() -split "`n" | Where-Object { $_ } | ForEach-Object { $_ | ConvertFrom-Json } }
            finally { $stream.Dispose() }
        }
    }
    function Get-AuditText {
        (Get-ChildItem -LiteralPath $auditFolder -Filter '*.jsonl' | ForEach-Object {
            $stream = [System.IO.FileStream]::new($_.FullName, 'Open', 'Read', 'ReadWrite, Delete')
            try { ([System.IO.StreamReader]::new($stream)).ReadToEnd() } finally { $stream.Dispose() }
        }) -join "`n"
    }
}

AfterAll {
    Disconnect-GcCloud
    Stop-TestEmulator -Emulator $emulator
}

Describe 'The lifecycle of one file' {
    It 'delivers a valid <Kind> file into the conversation' -TestCases @(
        @{ Kind = 'Pdf'; Name = 'invoice.pdf'; Type = 'application/pdf' }
        @{ Kind = 'Png'; Name = 'diagram.png'; Type = 'image/png' }
        @{ Kind = 'Jpeg'; Name = 'photo.jpg'; Type = 'image/jpeg' }
        @{ Kind = 'Text'; Name = 'notes.txt'; Type = 'text/plain' }
    ) {
        param($Kind, $Name, $Type)
        $path = Join-Path $TestDrive $Name
        New-TestFile -Kind $Kind -Path $path -SizeBytes 4096

        $transfer = New-GcFileTransfer -Path $path @target @metadata
        $transfer.Status | Should -Be 'Created'
        $transfer.ContentType | Should -Be $Type
        $result = $transfer | Send-GcFile | Wait-GcFileTransferScan | Send-GcFileTransferMessage

        $result.Status | Should -Be 'Delivered'
        $result.TransferId | Should -Be $transfer.TransferId
        $result.MessageId | Should -Not -BeNullOrEmpty
        $messages = @(Invoke-EmulatorControl -Emulator $emulator -Path 'emulator/messages')
        ($messages | ConvertTo-Json -Depth 20) | Should -Match ([regex]::Escape($transfer.MediaId))
    }

    It 'runs the whole lifecycle from a path with Send-GcFile -Deliver' {
        $path = Join-Path $TestDrive 'all-in-one.pdf'
        New-TestFile -Kind Pdf -Path $path -SizeBytes 2048

        $result = Send-GcFile -Path $path @target @metadata -Deliver

        $result.Status | Should -Be 'Delivered'
        $result.Sha256 | Should -Be (Get-FileHash -LiteralPath $path -Algorithm SHA256).Hash.ToLowerInvariant()
    }

    It 'binds Get-ChildItem output literally, even for names with wildcard characters' {
        $folder = New-Item -ItemType Directory -Path (Join-Path $TestDrive 'literal')
        $path = Join-Path $folder 'scan(1).pdf'
        New-TestFile -Kind Pdf -Path $path

        $result = Get-ChildItem -LiteralPath $folder | Send-GcFile @target @metadata

        $result.FileName | Should -Be 'scan(1).pdf'
        $result.Status | Should -Be 'Uploaded'
    }
}

Describe 'Validation before anything is sent' {
    BeforeAll {
        $good = Join-Path $TestDrive 'good.pdf'
        New-TestFile -Kind Pdf -Path $good
    }

    It 'reports <Code> for <Case>' -TestCases @(
        @{ Case = 'an executable renamed to .pdf'; Code = 'ContentMismatch'; Field = 'contentType'; Make = { $p = Join-Path $TestDrive 'setup.pdf'; $null = New-TestFile -Kind Exe -Path $p; $p }; Extra = @{} }
        @{ Case = 'a zero-byte file'; Code = 'FileEmpty'; Field = 'length'; Make = { $p = Join-Path $TestDrive 'empty.txt'; [System.IO.File]::WriteAllBytes($p, [byte[]]@()); $p }; Extra = @{} }
        @{ Case = 'a file over the size limit'; Code = 'FileTooLarge'; Field = 'length'; Make = { $p = Join-Path $TestDrive 'huge.pdf'; $s = [System.IO.File]::Create($p); $s.Write([byte[]][char[]]'%PDF-1.4', 0, 8); $s.SetLength(25MB + 1); $s.Dispose(); $p }; Extra = @{} }
        @{ Case = 'a type outside the allowlist'; Code = 'ContentTypeNotAllowed'; Field = 'contentType'; Make = { $p = Join-Path $TestDrive 'anim.gif'; [System.IO.File]::WriteAllBytes($p, [byte[]][char[]]'GIF89a......'); $p }; Extra = @{} }
        @{ Case = 'a file name with a forbidden character'; Code = 'FileNameForbiddenCharacter'; Field = 'fileName'; Make = { $p = Join-Path $TestDrive 'quote#1.pdf'; $null = New-TestFile -Kind Pdf -Path $p; $p }; Extra = @{} }
        @{ Case = 'a file name starting with a dot'; Code = 'FileNameLeadingDot'; Field = 'fileName'; Make = { $p = Join-Path $TestDrive '.hidden.pdf'; $null = New-TestFile -Kind Pdf -Path $p; $p }; Extra = @{} }
        @{ Case = 'a storage bucket reference that is not a UUID'; Code = 'StorageBucketReferenceNotUuid'; Field = 'metadata.storageBucketReference'; Make = { $good }; Extra = @{ StorageBucketReference = 'bucket-7' } }
        @{ Case = 'a retention of zero days'; Code = 'RetentionDaysNotPositive'; Field = 'metadata.accessPolicy.retentionDays'; Make = { $good }; Extra = @{ RetentionDays = 0 } }
        @{ Case = 'an unsupported encryption standard'; Code = 'EncryptionStandardNotSupported'; Field = 'metadata.accessPolicy.encryptionStandard'; Make = { $good }; Extra = @{ EncryptionStandard = 'DES' } }
    ) {
        param($Case, $Code, $Field, $Make, $Extra)
        $path = & $Make
        $parameters = $metadata.Clone()
        foreach ($key in $Extra.Keys) { $parameters[$key] = $Extra[$key] }
        $before = (Get-EmulatorRequests | Where-Object route -eq 'uploads').Count

        $report = Test-GcFileTransferPayload -LiteralPath $path @parameters
        $report.IsValid | Should -BeFalse
        $failure = $report.Failures | Where-Object ErrorCode -eq $Code
        $failure | Should -Not -BeNullOrEmpty
        $failure.Field | Should -Be $Field

        $created = New-GcFileTransfer -LiteralPath $path @target @parameters -ErrorVariable problems -ErrorAction SilentlyContinue
        $created | Should -BeNullOrEmpty
        $problems.Count | Should -Be 1
        $problems[0].FullyQualifiedErrorId | Should -BeLike 'FileValidationFailed,*'
        $problems[0].CategoryInfo.Category | Should -Be 'InvalidData'
        $problems[0].TargetObject | Should -Be $path
        $problems[0].Exception.Message | Should -Match $Field.Split('.')[-1]
        (Get-EmulatorRequests | Where-Object route -eq 'uploads').Count | Should -Be $before
    }

    It 'reports every failing field at once, not only the first' {
        $path = Join-Path $TestDrive '.bad name.pdf'
        New-TestFile -Kind Exe -Path $path

        $report = Test-GcFileTransferPayload -LiteralPath $path -StorageBucketReference 'nope' -RetentionDays -1

        $codes = $report.Failures.ErrorCode
        $codes | Should -Contain 'FileNameLeadingDot'
        $codes | Should -Contain 'FileNameWhitespace'
        $codes | Should -Contain 'ContentMismatch'
        $codes | Should -Contain 'StorageBucketReferenceNotUuid'
        $codes | Should -Contain 'RetentionDaysNotPositive'
    }

    It 'reports missing metadata fields when none are given' {
        $report = Test-GcFileTransferPayload -LiteralPath $good

        $report.Failures.ErrorCode | Should -Contain 'StorageBucketReferenceMissing'
        $report.Failures.ErrorCode | Should -Contain 'AccessPolicyMissing'
    }

    It 'passes a valid file with its metadata' {
        $report = Test-GcFileTransferPayload -LiteralPath $good @metadata

        $report.IsValid | Should -BeTrue
        $report.ContentType | Should -Be 'application/pdf'
    }

    It 'applies a policy read from a file' {
        $policyFile = Join-Path $TestDrive 'policy.json'
        '{"allowedContentTypes":["text/plain"],"maxFileSizeBytes":1048576}' | Set-Content -LiteralPath $policyFile
        $policy = Get-GcFileUploadPolicy -Path $policyFile

        $report = Test-GcFileTransferPayload -LiteralPath $good @metadata -Policy $policy

        $report.Failures.ErrorCode | Should -Contain 'ContentTypeNotAllowed'
    }

    It 'mirrors the organization''s supported-content profile' {
        $policy = Get-GcFileUploadPolicy -FromOrganization

        $policy.AllowedContentTypes | Should -Contain 'image/png'
        $policy.Source | Should -BeLike 'supportedContent:*'
    }
}

# -WhatIf is pinned in Promises.Tests.ps1 ('-WhatIf'), with the emulator's request log as the witness.

Describe 'A batch with one bad file' {
    It 'delivers the other 19 files and reports the bad one as an error' {
        $folder = New-Item -ItemType Directory -Path (Join-Path $TestDrive 'batch')
        1..19 | ForEach-Object { New-TestFile -Kind Text -Path (Join-Path $folder ('note-{0:d2}.txt' -f $_)) -SizeBytes 512 }
        New-TestFile -Kind Exe -Path (Join-Path $folder 'note-10-installer.txt')

        $results = Get-ChildItem -LiteralPath $folder | Send-GcFile @target @metadata -Deliver -ErrorVariable problems -ErrorAction SilentlyContinue

        @($results).Count | Should -Be 19
        @($results | Where-Object Status -eq 'Delivered').Count | Should -Be 19
        $problems.Count | Should -Be 1
        $problems[0].FullyQualifiedErrorId | Should -BeLike 'FileValidationFailed,*'
        $problems[0].TargetObject | Should -BeLike '*note-10-installer.txt'
    }
}

Describe 'Resilience' {
    BeforeEach { Invoke-EmulatorControl -Emulator $emulator -Method Delete -Path 'emulator/faults' | Out-Null }

    It 'waits as long as a 429 Retry-After asks, then succeeds' {
        $path = Join-Path $TestDrive 'throttled.pdf'
        New-TestFile -Kind Pdf -Path $path
        Invoke-EmulatorControl -Emulator $emulator -Method Post -Path 'emulator/faults' -Body @{ route = 'uploads'; count = 1; action = 'status'; status = 429; retryAfterSeconds = 1 } | Out-Null
        $watch = [System.Diagnostics.Stopwatch]::StartNew()

        $transfer = New-GcFileTransfer -Path $path @target @metadata

        $transfer.MediaId | Should -Not -BeNullOrEmpty
        $watch.Elapsed.TotalMilliseconds | Should -BeGreaterOrEqual 900
        $retry = Get-AuditRecords | Where-Object { $_.outcome -eq 'retry' -and $_.httpStatus -eq 429 } | Select-Object -Last 1
        $retry.retryAfterSeconds | Should -Be 1
    }

    It 'explains a retry in the verbose stream' {
        $path = Join-Path $TestDrive 'verbose-retry.pdf'
        New-TestFile -Kind Pdf -Path $path
        Invoke-EmulatorControl -Emulator $emulator -Method Post -Path 'emulator/faults' -Body @{ route = 'uploads'; count = 1; action = 'status'; status = 503 } | Out-Null

        $verbose = New-GcFileTransfer -Path $path @target @metadata -Verbose 4>&1 | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] }

        ($verbose.Message -join "`n") | Should -Match 'attempt 1 got 503; retrying'
    }

    It 'retries a 503 from the storage host' {
        $path = Join-Path $TestDrive 'unavailable.pdf'
        New-TestFile -Kind Pdf -Path $path
        $transfer = New-GcFileTransfer -Path $path @target @metadata
        Invoke-EmulatorControl -Emulator $emulator -Method Post -Path 'emulator/faults' -Body @{ route = 's3'; count = 2; action = 'status'; status = 503 } | Out-Null

        $result = $transfer | Send-GcFile

        $result.Status | Should -Be 'Uploaded'
        $puts = @(Get-EmulatorRequests | Where-Object { $_.route -eq 's3' -and $_.path -like "*$($transfer.MediaId)*" })
        $puts.Count | Should -Be 3
    }

    It 're-authenticates once when the token dies mid-run' {
        $path = Join-Path $TestDrive 'reauth.pdf'
        New-TestFile -Kind Pdf -Path $path
        $transfer = New-GcFileTransfer -Path $path @target @metadata
        $tokensBefore = @(Get-EmulatorRequests | Where-Object route -eq 'token').Count
        Invoke-EmulatorControl -Emulator $emulator -Method Post -Path 'emulator/tokens/revoke' | Out-Null

        $result = $transfer | Send-GcFile -Deliver

        $result.Status | Should -Be 'Delivered'
        @(Get-EmulatorRequests | Where-Object route -eq 'token').Count | Should -Be ($tokensBefore + 1)
        Get-AuditRecords | Where-Object { $_.operation -eq 'reauthenticate' -and $_.outcome -eq 'success' } | Should -Not -BeNullOrEmpty
    }

    It 'renews an upload URL that is about to expire and completes the upload' {
        Invoke-EmulatorControl -Emulator $emulator -Method Patch -Path 'emulator/settings' -Body @{ uploadUrlLifetimeSeconds = 2 } | Out-Null
        try {
            $path = Join-Path $TestDrive 'renew.pdf'
            New-TestFile -Kind Pdf -Path $path
            $transfer = New-GcFileTransfer -Path $path @target @metadata
            $first = $transfer.MediaId
            Start-Sleep -Milliseconds 2500

            $result = $transfer | Send-GcFile -Wait
        }
        finally {
            Invoke-EmulatorControl -Emulator $emulator -Method Patch -Path 'emulator/settings' -Body @{ uploadUrlLifetimeSeconds = 900 } | Out-Null
        }

        $result.Status | Should -Be 'Valid'
        $result.TransferId | Should -Be $transfer.TransferId
        $result.MediaId | Should -Not -Be $first
        $result.PreviousMediaIds | Should -Contain $first
    }

    It 'renews on request with Update-GcFileTransfer, keeping the transfer id' {
        $path = Join-Path $TestDrive 'update.pdf'
        New-TestFile -Kind Pdf -Path $path
        $transfer = New-GcFileTransfer -Path $path @target @metadata
        $first = $transfer.MediaId

        $kept = $transfer | Update-GcFileTransfer -RenewWithinMinutes 1
        $kept.MediaId | Should -Be $first
        $renewed = $transfer | Update-GcFileTransfer

        $renewed.TransferId | Should -Be $transfer.TransferId
        $renewed.MediaId | Should -Not -Be $first
        $renewed.History.Event | Should -Contain 'renewed'
    }
}

Describe 'Media Genesys rejects' {
    It 'reports the invalid file as an error record naming the reason' {
        $path = Join-Path $TestDrive 'eicar.txt'
        New-TestFile -Kind Eicar -Path $path
        $transfer = New-GcFileTransfer -Path $path @target @metadata

        $result = $transfer | Send-GcFile | Wait-GcFileTransferScan -ErrorVariable problems -ErrorAction SilentlyContinue

        $result | Should -BeNullOrEmpty
        $problems.Count | Should -Be 1
        $problems[0].FullyQualifiedErrorId | Should -BeLike 'FileRejectedByGenesys,*'
        $problems[0].TargetObject.TransferId | Should -Be $transfer.TransferId
        $problems[0].Exception.Message | Should -Match 'invalid'
        $transfer.Status | Should -Be 'Invalid'
    }
}

Describe 'Connecting' {
    It 'reads the client credentials and base URL from environment variables' {
        $runspace = [powershell]::Create()
        try {
            $null = $runspace.AddScript({
                param($module, $uri)
                $env:GENESYS_CLIENT_ID = 'emulator-client'
                $env:GENESYS_CLIENT_SECRET = 'emulator-secret-0123456789'
                $env:GENESYS_REGION = $uri
                try {
                    Import-Module $module
                    Connect-GcCloud -NoAuditLog -NoJournal -PassThru
                }
                finally {
                    Remove-Item Env:GENESYS_CLIENT_ID, Env:GENESYS_CLIENT_SECRET, Env:GENESYS_REGION
                }
            }).AddArgument($env:GFT_MODULE_PATH).AddArgument("$($emulator.BaseUri)")
            $connection = $runspace.Invoke()

            $runspace.Streams.Error | Should -BeNullOrEmpty
            $connection.ClientId | Should -Be 'emulator-client'
        }
        finally { $runspace.Dispose() }
    }

    It 'keeps each runspace''s connection to itself' {
        $runspace = [powershell]::Create()
        try {
            $null = $runspace.AddScript({ param($module) Import-Module $module; Get-GcConnection -ErrorAction SilentlyContinue; $Error.Count }).AddArgument($env:GFT_MODULE_PATH)
            $output = $runspace.Invoke()

            $output | Where-Object { $_ -is [GenesysFileTransfer.Engine.Connection.GenesysConnection] } | Should -BeNullOrEmpty
            (Get-GcConnection).ClientId | Should -Be $emulator.ClientId
        }
        finally { $runspace.Dispose() }
    }

    It 'refuses to work without a connection, with NotConnected' {
        $runspace = [powershell]::Create()
        try {
            $path = Join-Path $TestDrive 'noconn.pdf'
            New-TestFile -Kind Pdf -Path $path
            $null = $runspace.AddScript({
                param($module, $path)
                Import-Module $module
                try { New-GcFileTransfer -Path $path -ConversationId a -CommunicationId b } catch { $_.FullyQualifiedErrorId }
            }).AddArgument($env:GFT_MODULE_PATH).AddArgument($path)

            $runspace.Invoke() | Should -BeLike 'NotConnected,*'
        }
        finally { $runspace.Dispose() }
    }
}

# Ctrl+C during an upload is pinned in Promises.Tests.ps1 ('Ctrl+C during an upload').

Describe 'The audit log' {
    It 'holds every step with its latency and not one byte of the secret, the token or a URL signature' {
        $path = Join-Path $TestDrive 'audited.pdf'
        New-TestFile -Kind Pdf -Path $path
        $result = Send-GcFile -Path $path @target @metadata -Deliver
        $records = @(Get-AuditRecords | Where-Object transferId -eq "$($result.TransferId)")
        $text = Get-AuditText

        foreach ($step in 'create', 'upload', 'scan-poll', 'scan-result', 'deliver') {
            $stepRecords = @($records | Where-Object operation -eq $step)
            $stepRecords.Count | Should -BeGreaterThan 0 -Because "the $step step is audited"
            $stepRecords[0].PSObject.Properties.Name | Should -Contain 'latencyMs'
            [double]$stepRecords[0].latencyMs | Should -BeGreaterOrEqual 0
        }
        Get-AuditRecords | Where-Object operation -eq 'validate' | Should -Not -BeNullOrEmpty
        Get-AuditRecords | Where-Object operation -eq 'connect' | Should -Not -BeNullOrEmpty
        $text | Should -Not -Match 'emulator-secret-0123456789'
        $text | Should -Not -Match 'X-Amz-Signature'
        $text | Should -Not -Match '(?i)bearer\s+[A-Za-z0-9]'
        $token = (Get-GcConnection).GetType().GetProperty('CurrentAccessToken', [System.Reflection.BindingFlags]'NonPublic,Instance').GetValue((Get-GcConnection))
        $token | Should -Not -BeNullOrEmpty
        $text.Contains($token) | Should -BeFalse
    }

    It 'keeps the secret and signatures out of verbose output too' {
        $path = Join-Path $TestDrive 'verbose.pdf'
        New-TestFile -Kind Pdf -Path $path

        $verbose = Send-GcFile -Path $path @target @metadata -Deliver -Verbose 4>&1 | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] } | Out-String

        $verbose | Should -Match 'uploaded'
        $verbose | Should -Not -Match 'X-Amz-Signature'
        $verbose | Should -Not -Match 'emulator-secret-0123456789'
    }
}
