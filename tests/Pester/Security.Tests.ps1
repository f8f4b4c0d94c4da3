# Malware scanning with a real clamd, the tamper-evident audit log across processes, and refused links, through the
# cmdlets against the staged module.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module $env:GFT_MODULE_PATH -Force
    $emulator = Start-TestEmulator
    $clamd = Start-TestClamd
    $target = @{ ConversationId = $emulator.ConversationId; CommunicationId = $emulator.CommunicationId }
    $metadata = @{ StorageBucketReference = '3f2504e0-4f89-41d3-9a0c-0305e82c3301'; RetentionDays = 30 }
    function Get-UploadCount { @(Invoke-EmulatorControl -Emulator $emulator -Path 'emulator/requests' | Where-Object { $_.route -eq 'uploads' }).Count }
}

AfterAll {
    Disconnect-GcCloud -ErrorAction Ignore
    Stop-TestClamd $clamd
    Stop-TestEmulator -Emulator $emulator
}

Describe 'Send-GcFile with a malware scanner' {
    BeforeAll {
        Connect-GcCloud -BaseUri $emulator.BaseUri -ClientId $emulator.ClientId -ClientSecret $emulator.ClientSecret -AuditLogPath (Join-Path $TestDrive 'audit') -NoJournal -MalwareScanner $clamd.Address
    }

    It 'delivers a clean file and records its verdict' {
        $path = Join-Path $TestDrive 'clean.pdf'
        Set-Content -LiteralPath $path -Value "%PDF-1.4`n1 0 obj<<>>endobj`n%%EOF" -NoNewline
        $sent = Send-GcFile -LiteralPath $path @target @metadata -Deliver
        $sent.Status | Should -Be 'Delivered'
        $sent.History.Event | Should -Contain 'malware-scan-clean'
    }

    It 'refuses EICAR inside a file that passes content sniffing as FileInfected, creating nothing at Genesys' {
        $path = Join-Path $TestDrive 'infected.pdf'
        Set-Content -LiteralPath $path -Value "%PDF-1.4`n1 0 obj<<>>endobj`n$($clamd.Eicar)`n%%EOF" -NoNewline
        $before = Get-UploadCount
        $out = @(Send-GcFile -LiteralPath $path @target @metadata -Deliver -ErrorVariable failures -ErrorAction SilentlyContinue)
        $out.Count | Should -Be 0
        $failures.Count | Should -Be 1
        $failures[0].FullyQualifiedErrorId | Should -BeLike 'FileInfected*'
        $failures[0].CategoryInfo.Category | Should -Be 'SecurityError'
        $failures[0].TargetObject | Should -Be $path
        $failures[0].Exception.Message | Should -Match 'Eicar-Test-Signature'
        (Get-UploadCount) | Should -Be $before
    }

    It 'reports MalwareScannerUnavailable when clamd is stopped, and sends nothing' {
        $probe = [System.Net.Sockets.TcpListener]::new([System.Net.IPAddress]::Loopback, 0); $probe.Start(); $dead = $probe.LocalEndpoint.Port; $probe.Stop()
        $connection = Connect-GcCloud -BaseUri $emulator.BaseUri -ClientId $emulator.ClientId -ClientSecret $emulator.ClientSecret -NoAuditLog -NoJournal -MalwareScanner "tcp://127.0.0.1:$dead" -PassThru
        $path = Join-Path $TestDrive 'waiting.pdf'
        Set-Content -LiteralPath $path -Value "%PDF-1.4`nwaiting`n%%EOF" -NoNewline
        $before = Get-UploadCount
        Send-GcFile -LiteralPath $path @target @metadata -Connection $connection -ErrorVariable failures -ErrorAction SilentlyContinue
        $failures[0].FullyQualifiedErrorId | Should -BeLike 'MalwareScannerUnavailable*'
        $failures[0].CategoryInfo.Category | Should -Be 'ResourceUnavailable'
        (Get-UploadCount) | Should -Be $before
        Connect-GcCloud -BaseUri $emulator.BaseUri -ClientId $emulator.ClientId -ClientSecret $emulator.ClientSecret -AuditLogPath (Join-Path $TestDrive 'audit') -NoJournal -MalwareScanner $clamd.Address
    }

    It 'refuses -VirusScanEnabled $true on a connection without a scanner' {
        $connection = Connect-GcCloud -BaseUri $emulator.BaseUri -ClientId $emulator.ClientId -ClientSecret $emulator.ClientSecret -NoAuditLog -NoJournal -PassThru
        $path = Join-Path $TestDrive 'asks.pdf'
        Set-Content -LiteralPath $path -Value "%PDF-1.4`nasks`n%%EOF" -NoNewline
        Send-GcFile -LiteralPath $path @target @metadata -VirusScanEnabled $true -Connection $connection -ErrorVariable failures -ErrorAction SilentlyContinue
        $failures[0].FullyQualifiedErrorId | Should -BeLike 'MalwareScannerNotConfigured*'
    }

    It 'refuses a symbolic link with FileIsLink and sends the other files' {
        $secret = Join-Path $TestDrive 'secret.pdf'
        Set-Content -LiteralPath $secret -Value "%PDF-1.4`nsecret`n%%EOF" -NoNewline
        $link = Join-Path $TestDrive 'link.pdf'
        $null = New-Item -ItemType SymbolicLink -Path $link -Target $secret
        $good = Join-Path $TestDrive 'good.pdf'
        Set-Content -LiteralPath $good -Value "%PDF-1.4`ngood`n%%EOF" -NoNewline
        $out = @(Send-GcFile -LiteralPath $link, $good @target @metadata -ErrorVariable failures -ErrorAction SilentlyContinue)
        $out.Count | Should -Be 1
        $failures[0].FullyQualifiedErrorId | Should -BeLike 'FileValidationFailed*'
        $failures[0].Exception.Report.Failures.ErrorCode | Should -Contain 'FileIsLink'
    }
}

Describe 'Test-GcAuditLog' {
    It 'finds the log of two processes writing at once intact, and a changed line Modified' {
        $folder = Join-Path $TestDrive 'shared-audit'
        $script = {
            param($module, $baseUri, $id, $secret, $folder)
            Import-Module $module
            foreach ($i in 1..10) {
                Connect-GcCloud -BaseUri $baseUri -ClientId $id -ClientSecret (ConvertTo-SecureString $secret -AsPlainText -Force) -AuditLogPath $folder -NoJournal
                Disconnect-GcCloud
            }
        }
        $arguments = $env:GFT_MODULE_PATH, $emulator.BaseUri, $emulator.ClientId, ([System.Net.NetworkCredential]::new('', $emulator.ClientSecret).Password), $folder
        $jobs = 1..2 | ForEach-Object { Start-Job -ScriptBlock $script -ArgumentList $arguments }
        $null = $jobs | Wait-Job -Timeout 120 | Receive-Job
        $jobs | Remove-Job -Force

        $result = @(Test-GcAuditLog -Path $folder)
        $result.Count | Should -Be 1
        $result[0].Status | Should -Be 'Intact'
        $result[0].CheckpointVerified | Should -BeTrue
        $lines = @(Get-Content -LiteralPath $result[0].Path | Where-Object { $_ })
        $result[0].Records | Should -Be $lines.Count
        $result[0].Records | Should -BeGreaterOrEqual 40

        $lines[5] = $lines[5] -replace '"outcome":"success"', '"outcome":"failure"'
        Set-Content -LiteralPath $result[0].Path -Value $lines
        $tampered = Test-GcAuditLog -LiteralPath $result[0].Path
        $tampered.Status | Should -Be 'Modified'
        $tampered.FirstBadLine | Should -Be 6
    }

    It 'reports a missing path as AuditLogNotFound' {
        Test-GcAuditLog -Path (Join-Path $TestDrive 'nothing-here') -ErrorVariable failures -ErrorAction SilentlyContinue
        $failures[0].FullyQualifiedErrorId | Should -BeLike 'AuditLogNotFound*'
    }
}
