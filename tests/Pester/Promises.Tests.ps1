# The README's and docs/usage.md's promises, each checked from the user's side: error ids and numbers as a script
# would match them (literals, never the module's own constants), and the emulator's request log and stats as the
# witness of what was or was not sent. No test here asserts how long something took.
#
# docs/usage.md "Which test pins which promise" maps each promise to its test.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module $env:GFT_MODULE_PATH -Force
    $emulator = Start-TestEmulator
    $secretText = 'emulator-secret-0123456789'
    $credential = [pscredential]::new($emulator.ClientId, $emulator.ClientSecret)
    $target = @{ ConversationId = $emulator.ConversationId; CommunicationId = $emulator.CommunicationId }
    $metadata = @{ StorageBucketReference = '3f2504e0-4f89-41d3-9a0c-0305e82c3301'; RetentionDays = 30 }
    $script:fileNumber = 0

    function Reset-Emulator([int] $ValidationDelayMs = 0) {
        # Media, messages, faults, stats and the request log cleared; tokens issued earlier stay valid.
        $null = Invoke-EmulatorControl -Emulator $emulator -Method Post -Path 'emulator/reset'
        $null = Invoke-EmulatorControl -Emulator $emulator -Method Delete -Path 'emulator/stats'
        $null = Invoke-EmulatorControl -Emulator $emulator -Method Patch -Path 'emulator/settings' -Body @{ validationDelayMs = $ValidationDelayMs }
    }
    function Add-Fault([hashtable] $Fault) { $null = Invoke-EmulatorControl -Emulator $emulator -Method Post -Path 'emulator/faults' -Body $Fault }
    function Get-Requests([string] $Route, [string] $Method) {
        @(Invoke-EmulatorControl -Emulator $emulator -Path "emulator/requests?route=$Route" | Where-Object { -not $Method -or $_.method -eq $Method })
    }
    function Get-RouteStats([string] $Route) {
        $stats = Invoke-EmulatorControl -Emulator $emulator -Path 'emulator/stats'
        $entry = $stats.routes.PSObject.Properties[$Route]
        if ($entry) { $entry.Value } else { [pscustomobject]@{ requests = 0; inFlight = 0; maxInFlight = 0 } }
    }
    function New-Pdf([string] $Name) {
        # Each file its own size, so its own bytes: no two tests ever share a transfer.
        $script:fileNumber++
        New-TestFile -Kind Pdf -Path (Join-Path $TestDrive $Name) -SizeBytes (3000 + $script:fileNumber)
    }
    function Read-AuditRecords([string] $Folder) {
        Get-ChildItem -LiteralPath $Folder -Filter 'audit-*.jsonl' | ForEach-Object {
            $stream = [System.IO.FileStream]::new($_.FullName, 'Open', 'Read', 'ReadWrite, Delete')
            try { [System.IO.StreamReader]::new($stream).ReadToEnd() } finally { $stream.Dispose() }
        }
    }
    function Connect-Emulator([hashtable] $Extra = @{}) {
        Connect-GcCloud -BaseUri $emulator.BaseUri -Credential $credential -NoJournal -NoAuditLog @Extra
    }
}

AfterAll {
    Disconnect-GcCloud -ErrorAction SilentlyContinue
    Stop-TestEmulator -Emulator $emulator
}

Describe 'Connecting with -Credential (user name = client id, password = client secret)' {
    BeforeEach { Reset-Emulator }

    It 'signs in with one token request and holds the connection in $GcDefaultConnection' {
        Connect-GcCloud -BaseUri $emulator.BaseUri -Credential $credential -NoJournal -NoAuditLog

        $GcDefaultConnection.ClientId | Should -Be 'emulator-client'
        (Get-GcConnection).ClientId | Should -Be 'emulator-client'
        (Get-Requests 'token').Count | Should -Be 1
    }

    It 'fails with AuthenticationFailed for a wrong secret, and neither $error nor the audit log holds the secret' {
        $auditFolder = Join-Path $TestDrive 'failed-login-audit'
        $wrong = [pscredential]::new('emulator-client', (ConvertTo-SecureString 'wrong-secret-7f3a9c' -AsPlainText -Force))
        $error.Clear()

        { Connect-GcCloud -BaseUri $emulator.BaseUri -Credential $wrong -AuditLogPath $auditFolder -NoJournal } |
            Should -Throw -ErrorId 'AuthenticationFailed,GenesysFileTransfer.Commands.ConnectGcCloudCommand'

        # $error really holds the failure, so not finding the secret in it means something.
        @($error | Where-Object { $_ -is [System.Management.Automation.ErrorRecord] -and $_.FullyQualifiedErrorId -eq 'AuthenticationFailed,GenesysFileTransfer.Commands.ConnectGcCloudCommand' }).Count | Should -BeGreaterOrEqual 1
        ($error | Format-List * -Force | Out-String) | Should -Not -Match 'wrong-secret-7f3a9c'
        $audit = (Read-AuditRecords $auditFolder) -join "`n"
        $records = @($audit -split "`n" | Where-Object { $_ } | ConvertFrom-Json)
        @($records | Where-Object { $_.operation -eq 'connect' -and $_.outcome -eq 'failure' }).Count | Should -Be 1
        @($records | Where-Object { $_.operation -eq 'authenticate' -and $_.httpStatus -eq 401 }).Count | Should -BeGreaterOrEqual 1
        $audit | Should -Not -Match 'wrong-secret-7f3a9c'
        (Get-Requests 'token').Count | Should -Be 1 -Because 'a refused client is not retried'
    }

    It 'fails with MissingCredentials when no client is given' {
        $saved = $env:GENESYS_CLIENT_ID, $env:GENESYS_CLIENT_SECRET
        $env:GENESYS_CLIENT_ID = $null; $env:GENESYS_CLIENT_SECRET = $null
        try {
            { Connect-GcCloud -BaseUri $emulator.BaseUri -NoJournal -NoAuditLog } |
                Should -Throw -ErrorId 'MissingCredentials,GenesysFileTransfer.Commands.ConnectGcCloudCommand'
        }
        finally { $env:GENESYS_CLIENT_ID, $env:GENESYS_CLIENT_SECRET = $saved }
        (Get-Requests 'token').Count | Should -Be 0
    }

    It 'refuses -TransferLeaseWaitSec <Value>, outside 0 to 3600, with ParameterArgumentValidationError before signing in' -TestCases @(
        @{ Value = -1 }
        @{ Value = 3601 }
    ) {
        param($Value)
        { Connect-GcCloud -BaseUri $emulator.BaseUri -Credential $credential -NoJournal -NoAuditLog -TransferLeaseWaitSec $Value } |
            Should -Throw -ErrorId 'ParameterArgumentValidationError,GenesysFileTransfer.Commands.ConnectGcCloudCommand'
        (Get-Requests 'token').Count | Should -Be 0
    }

    It 'takes -TransferLeaseWaitSec 0 (do not wait) and 3600, the ends of the range' {
        Connect-GcCloud -BaseUri $emulator.BaseUri -Credential $credential -NoJournal -NoAuditLog -TransferLeaseWaitSec 0
        Connect-GcCloud -BaseUri $emulator.BaseUri -Credential $credential -NoJournal -NoAuditLog -TransferLeaseWaitSec 3600

        (Get-Requests 'token').Count | Should -Be 2
    }

    It 'refuses -JournalPath together with -JournalConnectionString with JournalParameterConflict' {
        { Connect-GcCloud -BaseUri $emulator.BaseUri -Credential $credential -NoAuditLog -JournalPath (Join-Path $TestDrive 'j.db') -JournalConnectionString 'Host=127.0.0.1;Database=gft' } |
            Should -Throw -ErrorId 'JournalParameterConflict,GenesysFileTransfer.Commands.ConnectGcCloudCommand'
    }
}

Describe 'Tokens' {
    BeforeAll { Connect-Emulator }
    BeforeEach { Reset-Emulator }

    It 'fetches a new token once after a 401 and ends in an error on a second 401' {
        $file = New-Pdf 'second-401.pdf'
        $tokensBefore = (Get-Requests 'token').Count
        Add-Fault @{ route = 'uploads'; count = 2; action = 'status'; status = 401 }

        $created = New-GcFileTransfer -LiteralPath $file.FullName @target @metadata -ErrorVariable problems -ErrorAction SilentlyContinue

        $created | Should -BeNullOrEmpty
        $problems.Count | Should -Be 1
        $problems[0].FullyQualifiedErrorId | Should -BeLike 'GenesysApiError,*'
        "$($problems[0].CategoryInfo.Category)" | Should -Be 'AuthenticationError'
        (Get-Requests 'uploads' 'POST').Count | Should -Be 2 -Because 'the call is repeated once, not more'
        (Get-Requests 'token').Count | Should -Be ($tokensBefore + 1) -Because 'one new token, not one per 401'
    }

    It 'has one token request in flight at a time while a parallel batch finds its token revoked' {
        $folder = Join-Path $TestDrive 'token-batch'
        1..8 | ForEach-Object { $null = New-Pdf "token-batch/statement-$_.pdf" }
        $null = Invoke-EmulatorControl -Emulator $emulator -Method Post -Path 'emulator/tokens/revoke'
        # A slow login service: without single-flight, the other seven files would ask for tokens meanwhile.
        Add-Fault @{ route = 'token'; count = 8; action = 'hang'; hangMs = 400 }

        $sent = @(Get-ChildItem -LiteralPath $folder | Send-GcFile @target @metadata -ThrottleLimit 8)

        $sent.Count | Should -Be 8
        @($sent | Where-Object Status -NE 'Uploaded') | Should -BeNullOrEmpty
        (Get-RouteStats 'uploads').maxInFlight | Should -BeGreaterThan 1 -Because 'the files did run in parallel'
        (Get-RouteStats 'token').maxInFlight | Should -Be 1
        (Get-Requests 'token').Count | Should -Be 1 -Because 'the files that found the token refused take the one that replaced it, instead of queueing for a token each'
    }
}

Describe 'Retries' {
    AfterEach { Disconnect-GcCloud -ErrorAction SilentlyContinue }
    BeforeEach { Reset-Emulator }

    It 'ends the call with RateLimited at once when Retry-After is over 180 seconds' {
        Connect-Emulator
        $file = New-Pdf 'retry-after-181.pdf'
        Add-Fault @{ route = 'uploads'; count = 1; action = 'status'; status = 429; retryAfterSeconds = 181 }

        $created = New-GcFileTransfer -LiteralPath $file.FullName @target @metadata -ErrorVariable problems -ErrorAction SilentlyContinue

        $created | Should -BeNullOrEmpty
        $problems.Count | Should -Be 1
        $problems[0].FullyQualifiedErrorId | Should -BeLike 'RateLimited,*'
        "$($problems[0].CategoryInfo.Category)" | Should -Be 'LimitsExceeded'
        (Get-Requests 'uploads' 'POST').Count | Should -Be 1
    }

    It 'makes exactly one attempt with -MaxRetries 0 and reports a dropped connection as TransportFailed' {
        Connect-Emulator @{ MaxRetries = 0 }
        $file = New-Pdf 'max-retries-0.pdf'
        Add-Fault @{ route = 'uploads'; count = 5; action = 'drop' }

        $created = New-GcFileTransfer -LiteralPath $file.FullName @target @metadata -ErrorVariable problems -ErrorAction SilentlyContinue

        $created | Should -BeNullOrEmpty
        $problems.Count | Should -Be 1
        $problems[0].FullyQualifiedErrorId | Should -BeLike 'TransportFailed,*'
        "$($problems[0].CategoryInfo.Category)" | Should -Be 'ConnectionError'
        (Get-Requests 'uploads' 'POST').Count | Should -Be 1
    }

    It 'makes at most 1 + -MaxRetries attempts (<Retries> retries) and then reports GenesysApiError' -TestCases @(
        @{ Retries = 1 }
        @{ Retries = 2 }
    ) {
        param($Retries)
        Connect-Emulator @{ MaxRetries = $Retries }
        $file = New-Pdf "max-retries-$Retries.pdf"
        Add-Fault @{ route = 'uploads'; count = 10; action = 'status'; status = 503 }

        $created = New-GcFileTransfer -LiteralPath $file.FullName @target @metadata -ErrorVariable problems -ErrorAction SilentlyContinue

        $created | Should -BeNullOrEmpty
        $problems[0].FullyQualifiedErrorId | Should -BeLike 'GenesysApiError,*'
        "$($problems[0].CategoryInfo.Category)" | Should -Be 'ResourceUnavailable'
        (Get-Requests 'uploads' 'POST').Count | Should -Be (1 + $Retries)
    }
}

Describe 'Expired upload URLs, validation that never comes, media Genesys forgets' {
    BeforeAll { Connect-Emulator }
    AfterAll { Disconnect-GcCloud -ErrorAction SilentlyContinue }
    BeforeEach { Reset-Emulator }

    It 'renews an expired URL at most twice per upload, then reports UploadUrlExpired' {
        $file = New-Pdf 'expired-thrice.pdf'
        $transfer = New-GcFileTransfer -LiteralPath $file.FullName @target @metadata
        $expired = '<?xml version="1.0" encoding="UTF-8"?><Error><Code>AccessDenied</Code><Message>Request has expired</Message></Error>'
        Add-Fault @{ route = 's3'; count = 10; action = 'status'; status = 403; body = $expired }

        $sent = $transfer | Send-GcFile -ErrorVariable problems -ErrorAction SilentlyContinue

        $sent | Should -BeNullOrEmpty
        $problems.Count | Should -Be 1
        $problems[0].FullyQualifiedErrorId | Should -BeLike 'UploadUrlExpired,*'
        "$($problems[0].CategoryInfo.Category)" | Should -Be 'OperationTimeout'
        (Get-Requests 's3' 'PUT').Count | Should -Be 3 -Because 'the first URL and two renewed ones'
        (Get-Requests 'uploads' 'POST').Count | Should -Be 3 -Because 'the create and two renewals'
    }

    It 'reports ScanTimeout when Genesys has not validated the media within -TimeoutSec, and the upload stays done' {
        Reset-Emulator -ValidationDelayMs 600000
        $file = New-Pdf 'never-validated.pdf'
        $uploaded = Send-GcFile -LiteralPath $file.FullName @target @metadata

        $result = $uploaded | Wait-GcFileTransferScan -TimeoutSec 1 -ErrorVariable problems -ErrorAction SilentlyContinue

        $result | Should -BeNullOrEmpty
        $problems.Count | Should -Be 1
        $problems[0].FullyQualifiedErrorId | Should -BeLike 'ScanTimeout,*'
        "$($problems[0].CategoryInfo.Category)" | Should -Be 'OperationTimeout'
        "$($uploaded.Status)" | Should -Be 'Uploaded'
        (Get-Requests 'media' 'GET').Count | Should -BeGreaterOrEqual 1
    }

    It 'reports MediaNotFound from Wait-GcFileTransferScan for media Genesys forgot' {
        Reset-Emulator -ValidationDelayMs 600000
        $file = New-Pdf 'forgotten.pdf'
        $uploaded = Send-GcFile -LiteralPath $file.FullName @target @metadata
        $null = Invoke-EmulatorControl -Emulator $emulator -Method Delete -Path "emulator/media/$($uploaded.MediaId)"

        $result = $uploaded | Wait-GcFileTransferScan -ErrorVariable problems -ErrorAction SilentlyContinue

        $result | Should -BeNullOrEmpty
        $problems[0].FullyQualifiedErrorId | Should -BeLike 'MediaNotFound,*'
        "$($uploaded.Status)" | Should -Be 'Failed'
    }

    It 'refuses to deliver media that is not validated yet with InvalidTransferState, and sends nothing' {
        Reset-Emulator -ValidationDelayMs 600000
        $file = New-Pdf 'not-yet-valid.pdf'
        $uploaded = Send-GcFile -LiteralPath $file.FullName @target @metadata

        $result = $uploaded | Send-GcFileTransferMessage -ErrorVariable problems -ErrorAction SilentlyContinue

        $result | Should -BeNullOrEmpty
        $problems[0].FullyQualifiedErrorId | Should -BeLike 'InvalidTransferState,*'
        (Get-Requests 'messages' 'POST').Count | Should -Be 0
    }
}

Describe 'A send whose answer does not come' {
    BeforeAll {
        # A connection with a 1 s attempt timeout, built from the engine's own options, so a timeout costs a second
        # instead of the documented 100 s; the cmdlets take it through -Connection like any other.
        $options = [GenesysFileTransfer.Engine.Connection.ConnectionOptions]::new(
            [GenesysFileTransfer.Engine.Connection.GenesysEnvironment]::FromBaseUri($emulator.BaseUri),
            [GenesysFileTransfer.Engine.Connection.ClientCredentials]::new($emulator.ClientId, $emulator.ClientSecret))
        $options.DisableAuditLog = $true
        $options.JournalPath = Join-Path $TestDrive 'lost-answers.db'
        $options.Retry.AttemptTimeout = [TimeSpan]::FromSeconds(1)
        $options.Retry.BaseDelay = [TimeSpan]::FromMilliseconds(10)
        $quick = [GenesysFileTransfer.Engine.Connection.GenesysConnection]::ConnectAsync($options, $null, [System.Threading.CancellationToken]::None).GetAwaiter().GetResult()
    }
    AfterAll { $quick.Dispose() }

    It 'reports DeliveryOutcomeUnknown after <Case>, with exactly one send in the emulator''s log and none in the conversation' -TestCases @(
        @{ Case = 'a 502'; Fault = @{ route = 'messages'; method = 'POST'; count = 1; action = 'status'; status = 502 } }
        @{ Case = 'a 504'; Fault = @{ route = 'messages'; method = 'POST'; count = 1; action = 'status'; status = 504 } }
        @{ Case = 'a dropped connection'; Fault = @{ route = 'messages'; method = 'POST'; count = 1; action = 'drop' } }
        @{ Case = 'no answer within the attempt timeout'; Fault = @{ route = 'messages'; method = 'POST'; count = 1; action = 'hang'; hangMs = 5000 } }
    ) {
        param($Case, $Fault)
        Reset-Emulator
        $file = New-Pdf "lost-answer-$($Case -replace '\W', '-').pdf"
        $valid = Send-GcFile -LiteralPath $file.FullName @target @metadata -Wait -Connection $quick
        "$($valid.Status)" | Should -Be 'Valid'
        Add-Fault $Fault

        $result = $valid | Send-GcFileTransferMessage -Connection $quick -ErrorVariable problems -ErrorAction SilentlyContinue

        $result | Should -BeNullOrEmpty
        $problems.Count | Should -Be 1
        $problems[0].FullyQualifiedErrorId | Should -Be 'DeliveryOutcomeUnknown,GenesysFileTransfer.Commands.SendGcFileTransferMessageCommand'
        "$($problems[0].CategoryInfo.Category)" | Should -Be 'OperationStopped'
        (Get-Requests 'messages' 'POST').Count | Should -Be 1 -Because 'a send whose outcome is unknown is never repeated in the same run'
        @(Invoke-EmulatorControl -Emulator $emulator -Path 'emulator/messages').Count | Should -Be 0
        (Get-Requests 'conversations').Count | Should -BeGreaterOrEqual 1 -Because 'the conversation is read back before the error'
        @(Get-GcFileTransfer -Connection $quick -TransferId $valid.TransferId).Status | Should -Be 'DeliveryUnknown'
    }
}

Describe '-WhatIf' {
    BeforeAll { Connect-Emulator }
    AfterAll { Disconnect-GcCloud -ErrorAction SilentlyContinue }
    BeforeEach { Reset-Emulator }

    It 'sends no request at all for New-GcFileTransfer and Send-GcFile -Deliver' {
        $file = New-Pdf 'whatif-create.pdf'

        $created = New-GcFileTransfer -LiteralPath $file.FullName @target @metadata -WhatIf
        $sent = Send-GcFile -LiteralPath $file.FullName @target @metadata -Deliver -WhatIf

        $created | Should -BeNullOrEmpty
        $sent | Should -BeNullOrEmpty
        foreach ($route in 'uploads', 's3', 'media', 'messages') { (Get-Requests $route).Count | Should -Be 0 -Because "nothing reaches the $route route" }
        @(Invoke-EmulatorControl -Emulator $emulator -Path 'emulator/media').Count | Should -Be 0
    }

    It 'neither renews (Update-GcFileTransfer) nor delivers (Send-GcFileTransferMessage)' {
        $file = New-Pdf 'whatif-deliver.pdf'
        $valid = Send-GcFile -LiteralPath $file.FullName @target @metadata -Wait
        $renewable = New-GcFileTransfer -LiteralPath (New-Pdf 'whatif-renew.pdf').FullName @target @metadata
        $null = Invoke-EmulatorControl -Emulator $emulator -Method Delete -Path 'emulator/requests'

        $null = $renewable | Update-GcFileTransfer -WhatIf
        $delivered = $valid | Send-GcFileTransferMessage -WhatIf

        $delivered | Should -BeNullOrEmpty
        (Get-Requests 'uploads').Count | Should -Be 0
        (Get-Requests 'messages').Count | Should -Be 0
        @(Invoke-EmulatorControl -Emulator $emulator -Path 'emulator/messages').Count | Should -Be 0
        "$($valid.Status)" | Should -Be 'Valid'
    }
}

Describe 'Ctrl+C during an upload' {
    BeforeAll {
        $auditFolder = Join-Path $TestDrive 'stop-audit'
        Connect-GcCloud -BaseUri $emulator.BaseUri -Credential $credential -NoJournal -AuditLogPath $auditFolder
    }
    AfterAll { Disconnect-GcCloud -ErrorAction SilentlyContinue }

    It 'stops a pipeline whose upload is in flight, gives the prompt back, aborts the upload and closes the file' {
        Reset-Emulator
        $file = New-Pdf 'in-flight.pdf'
        $transfer = New-GcFileTransfer -LiteralPath $file.FullName @target @metadata
        Add-Fault @{ route = 's3'; count = 1; action = 'hang'; hangMs = 300000 }
        $shell = [powershell]::Create()
        try {
            $null = $shell.AddScript({ param($module, $connection, $transfer) Import-Module $module; $transfer | Send-GcFile -Connection $connection }).
                AddArgument($env:GFT_MODULE_PATH).AddArgument((Get-GcConnection)).AddArgument($transfer)
            $running = $shell.BeginInvoke()
            # Proof the upload is under way: the storage host holds one PUT open (the hang), not a sleep and a hope.
            $deadline = [DateTime]::UtcNow.AddSeconds(60)
            while ((Get-RouteStats 's3').inFlight -lt 1) {
                if ($running.IsCompleted -or [DateTime]::UtcNow -gt $deadline) { throw "The upload never reached the storage host: $($shell.Streams.Error)" }
                Start-Sleep -Milliseconds 50
            }

            $shell.Stop()

            $running.IsCompleted | Should -BeTrue -Because 'Stop() returned, so the prompt is back'
            "$($shell.InvocationStateInfo.State)" | Should -Be 'Stopped'
            # The client cut its PUT: the emulator sees the request aborted long before the 300 s hang ends.
            $deadline = [DateTime]::UtcNow.AddSeconds(60)
            while ((Get-RouteStats 's3').inFlight -gt 0 -and [DateTime]::UtcNow -lt $deadline) { Start-Sleep -Milliseconds 50 }
            (Get-RouteStats 's3').inFlight | Should -Be 0
            $put = @(Get-Requests 's3' 'PUT')
            $put.Count | Should -Be 1
            $put[0].status | Should -Be 0 -Because 'it was never answered'
            $records = @((Read-AuditRecords $auditFolder) -split "`n" | Where-Object { $_ } | ConvertFrom-Json)
            @($records | Where-Object { $_.operation -eq 'upload' -and $_.outcome -eq 'cancelled' -and $_.transferId -eq "$($transfer.TransferId)" }).Count | Should -Be 1
            { [System.IO.File]::Open($file.FullName, 'Open', 'ReadWrite', 'None').Dispose() } | Should -Not -Throw -Because 'the file was closed'
        }
        finally {
            $shell.Dispose()
            $null = Invoke-EmulatorControl -Emulator $emulator -Method Delete -Path 'emulator/faults'
        }
    }
}

Describe 'Policies, CSV manifests and -SkipMetadata' {
    BeforeAll { Connect-Emulator }
    AfterAll { Disconnect-GcCloud -ErrorAction SilentlyContinue }
    BeforeEach { Reset-Emulator }

    It 'reads a Messenger deployment''s policy with Get-GcFileUploadPolicy -DeploymentId' {
        $policy = Get-GcFileUploadPolicy -DeploymentId '0d8f3c1a-5e2b-4f7d-9a6c-3b1e8d2f4a70'

        $policy.AllowedContentTypes.Count | Should -BeGreaterThan 0
        $policy.MaxFileSizeBytes | Should -BeLessOrEqual 26214400 -Because 'no policy exceeds 25 MB'
        $policy.Source | Should -BeLike '*0d8f3c1a-5e2b-4f7d-9a6c-3b1e8d2f4a70*'
        $reads = @(Get-Requests 'deployments' 'GET')
        $reads.Count | Should -Be 1
        $reads[0].path | Should -Be '/api/v2/webdeployments/deployments/0d8f3c1a-5e2b-4f7d-9a6c-3b1e8d2f4a70/configurations'
    }

    It 'fails with PolicyInvalid for a policy file with a misspelt field' {
        $policyFile = Join-Path $TestDrive 'misspelt.json'
        '{"allowedContentTypes":["application/pdf"],"maxFileSize":10240}' | Set-Content -LiteralPath $policyFile

        $policy = Get-GcFileUploadPolicy -Path $policyFile -ErrorVariable problems -ErrorAction SilentlyContinue

        $policy | Should -BeNullOrEmpty
        $problems[0].FullyQualifiedErrorId | Should -BeLike 'PolicyInvalid,*'
    }

    It 'delivers every row of Import-Csv manifest.csv | Send-GcFile -Deliver, each to the row''s conversation' {
        $second = Invoke-EmulatorControl -Emulator $emulator -Method Post -Path 'emulator/conversations'
        $rows = @(
            [pscustomobject]@{ Path = (New-Pdf 'manifest/a.pdf').FullName; ConversationId = $emulator.ConversationId; CommunicationId = $emulator.CommunicationId; ContentType = 'application/pdf'; StorageBucketReference = '3f2504e0-4f89-41d3-9a0c-0305e82c3301'; RetentionDays = '30'; EncryptionStandard = 'AES-256' }
            [pscustomobject]@{ Path = (New-Pdf 'manifest/b.pdf').FullName; ConversationId = $second.conversationId; CommunicationId = $second.communicationId; ContentType = 'application/pdf'; StorageBucketReference = '3f2504e0-4f89-41d3-9a0c-0305e82c3301'; RetentionDays = '365'; EncryptionStandard = 'RSA-2048' }
        )
        $manifest = Join-Path $TestDrive 'manifest.csv'
        $rows | Export-Csv -LiteralPath $manifest -NoTypeInformation

        $sent = @(Import-Csv -LiteralPath $manifest | Send-GcFile -Deliver)

        $sent.Count | Should -Be 2
        @($sent | Where-Object Status -NE 'Delivered') | Should -BeNullOrEmpty
        $b = $sent | Where-Object FileName -EQ 'b.pdf'
        $b.ConversationId | Should -Be $second.conversationId
        $b.Metadata.AccessPolicy.RetentionDays | Should -Be 365
        $b.Metadata.AccessPolicy.EncryptionStandard | Should -Be 'RSA-2048'
        $sends = @(Get-Requests 'messages' 'POST')
        $sends.Count | Should -Be 2
        @($sends | Where-Object path -Like "*/$($second.conversationId)/*").Count | Should -Be 1
    }

    It 'does not require the metadata with -SkipMetadata, but still checks what is given' {
        $file = New-Pdf 'skip-metadata.pdf'

        $without = Test-GcFileTransferPayload -LiteralPath $file.FullName -SkipMetadata
        $badGiven = Test-GcFileTransferPayload -LiteralPath $file.FullName -SkipMetadata -RetentionDays 36501
        $required = Test-GcFileTransferPayload -LiteralPath $file.FullName

        $without.IsValid | Should -BeTrue
        $badGiven.IsValid | Should -BeFalse
        @($badGiven.Failures.ErrorCode) | Should -Be @('RetentionDaysTooLarge')
        @($required.Failures.ErrorCode | Sort-Object) | Should -Be @('AccessPolicyMissing', 'StorageBucketReferenceMissing')
        @(Invoke-EmulatorControl -Emulator $emulator -Path 'emulator/requests').Count | Should -Be 0 -Because 'checking sends nothing'
    }
}
