# Promises about processes, checked in fresh PowerShell processes: the documented per-user journal and audit folders
# (from XDG_STATE_HOME, else HOME, and on Windows LOCALAPPDATA, written as literal paths), and several
# Sync-GcFileTransferDocument processes draining one journal at once.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module $env:GFT_MODULE_PATH -Force
    $emulator = Start-TestEmulator
    $children = [System.Collections.Generic.List[System.Diagnostics.Process]]::new()

    function Start-Child([string] $Script, [hashtable] $Environment = @{}, [string[]] $Arguments = @()) {
        $executable = [System.Diagnostics.Process]::GetCurrentProcess().MainModule.FileName
        $start = [System.Diagnostics.ProcessStartInfo]::new($executable)
        if ([System.IO.Path]::GetFileNameWithoutExtension($executable) -eq 'dotnet') { $start.ArgumentList.Add((Join-Path $PSHOME 'pwsh.dll')) }
        foreach ($argument in @('-NoProfile', '-NonInteractive', '-File', $Script) + $Arguments) { $start.ArgumentList.Add($argument) }
        foreach ($name in $Environment.Keys) {
            if ($null -eq $Environment[$name]) { $null = $start.Environment.Remove($name) } else { $start.Environment[$name] = $Environment[$name] }
        }
        $start.UseShellExecute = $false
        $start.RedirectStandardOutput = $true
        $start.RedirectStandardError = $true
        $process = [System.Diagnostics.Process]::Start($start)
        $children.Add($process)
        [pscustomobject]@{ Process = $process; Output = $process.StandardOutput.ReadToEndAsync(); Errors = $process.StandardError.ReadToEndAsync() }
    }

    # Connects without -JournalPath or -AuditLogPath and prints where the journal and the audit folder went.
    $defaultsScript = Join-Path $TestDrive 'defaults.ps1'
    Set-Content -LiteralPath $defaultsScript -Value @'
param([string] $ModulePath, [string] $BaseUri)
$ErrorActionPreference = 'Stop'
Import-Module $ModulePath
$secret = ConvertTo-SecureString 'emulator-secret-0123456789' -AsPlainText -Force
$connection = Connect-GcCloud -BaseUri $BaseUri -ClientId emulator-client -ClientSecret $secret -PassThru -InformationAction Ignore
[pscustomobject]@{ Audit = $connection.AuditLogDirectory; Journal = $connection.JournalPath } | ConvertTo-Json -Compress
Disconnect-GcCloud
'@

    function Wait-Child([object] $Child) {
        if (-not $Child.Process.WaitForExit(120000)) { $Child.Process.Kill($true); throw "Child $($Child.Process.Id) did not finish." }
        $Child.Process.WaitForExit()
        [pscustomobject]@{ ExitCode = $Child.Process.ExitCode; Output = $Child.Output.Result; Errors = $Child.Errors.Result }
    }
}

AfterAll {
    foreach ($process in $children) { try { if (-not $process.HasExited) { $process.Kill($true) } } catch { } }
    Disconnect-GcCloud -ErrorAction SilentlyContinue
    Stop-TestEmulator -Emulator $emulator
}

Describe 'The per-user journal and audit folder (Linux and macOS)' -Skip:$IsWindows {
    BeforeAll {
        $script = $defaultsScript
        $xdg = Join-Path $TestDrive 'xdg-state'
        $homeWithXdg = Join-Path $TestDrive 'home-a'
        $homeOnly = Join-Path $TestDrive 'home-b'
        $null = New-Item -ItemType Directory -Path $homeWithXdg, $homeOnly
        $arguments = @('-ModulePath', $env:GFT_MODULE_PATH, '-BaseUri', "$($emulator.BaseUri)")
        # Both at once: each is a fresh process with its own environment.
        $withXdg = Start-Child $script @{ XDG_STATE_HOME = $xdg; HOME = $homeWithXdg } $arguments
        $withoutXdg = Start-Child $script @{ XDG_STATE_HOME = $null; HOME = $homeOnly } $arguments
        $withXdg = Wait-Child $withXdg
        $withoutXdg = Wait-Child $withoutXdg
    }

    It 'is $XDG_STATE_HOME/GenesysFileTransfer/audit and …/journal.db when XDG_STATE_HOME is set' {
        $withXdg.ExitCode | Should -Be 0 -Because $withXdg.Errors
        $reported = $withXdg.Output | ConvertFrom-Json
        $reported.Audit | Should -Be "$xdg/GenesysFileTransfer/audit"
        $reported.Journal | Should -Be "$xdg/GenesysFileTransfer/journal.db"
        "$xdg/GenesysFileTransfer/journal.db" | Should -Exist
        @(Get-ChildItem -LiteralPath "$xdg/GenesysFileTransfer/audit" -Filter 'audit-*.jsonl').Count | Should -Be 1
        "$homeWithXdg/.local/state/GenesysFileTransfer" | Should -Not -Exist
    }

    It 'is ~/.local/state/GenesysFileTransfer/audit and …/journal.db when XDG_STATE_HOME is not set' {
        $withoutXdg.ExitCode | Should -Be 0 -Because $withoutXdg.Errors
        $reported = $withoutXdg.Output | ConvertFrom-Json
        $reported.Audit | Should -Be "$homeOnly/.local/state/GenesysFileTransfer/audit"
        $reported.Journal | Should -Be "$homeOnly/.local/state/GenesysFileTransfer/journal.db"
        "$homeOnly/.local/state/GenesysFileTransfer/journal.db" | Should -Exist
        @(Get-ChildItem -LiteralPath "$homeOnly/.local/state/GenesysFileTransfer/audit" -Filter 'audit-*.jsonl').Count | Should -Be 1
    }
}

Describe 'The per-user journal and audit folder (Windows)' -Skip:(-not $IsWindows) {
    BeforeAll {
        # A LOCALAPPDATA of the test's own, so the user's real folder is not touched.
        $localAppData = Join-Path $TestDrive 'LocalAppData'
        $null = New-Item -ItemType Directory -Path $localAppData
        $child = Wait-Child (Start-Child $defaultsScript @{ LOCALAPPDATA = $localAppData } @('-ModulePath', $env:GFT_MODULE_PATH, '-BaseUri', "$($emulator.BaseUri)"))
    }

    It 'is $env:LOCALAPPDATA\GenesysFileTransfer\audit and …\journal.db' {
        $child.ExitCode | Should -Be 0 -Because $child.Errors
        $reported = $child.Output | ConvertFrom-Json
        $reported.Audit | Should -Be "$localAppData\GenesysFileTransfer\audit"
        $reported.Journal | Should -Be "$localAppData\GenesysFileTransfer\journal.db"
        "$localAppData\GenesysFileTransfer\journal.db" | Should -Exist
        @(Get-ChildItem -LiteralPath "$localAppData\GenesysFileTransfer\audit" -Filter 'audit-*.jsonl').Count | Should -Be 1
    }
}

Describe 'Several Sync-GcFileTransferDocument processes on one journal' {
    BeforeAll {
        $journalPath = Join-Path $TestDrive 'shared/journal.db'
        $destination = Join-Path $TestDrive 'dms'
        $null = Invoke-EmulatorControl -Emulator $emulator -Method Patch -Path 'emulator/settings' -Body @{ validationDelayMs = 0 }
        Connect-GcCloud -BaseUri $emulator.BaseUri -ClientId $emulator.ClientId -ClientSecret $emulator.ClientSecret -NoAuditLog -JournalPath $journalPath
        $files = 1..3 | ForEach-Object { New-TestFile -Kind Pdf -Path (Join-Path $TestDrive "shared/files/document-$_.pdf") -SizeBytes (5000 + $_) }
        $delivered = @($files | Send-GcFile -ConversationId $emulator.ConversationId -CommunicationId $emulator.CommunicationId -StorageBucketReference '3f2504e0-4f89-41d3-9a0c-0305e82c3301' -RetentionDays 30 -Deliver)
        Disconnect-GcCloud

        $script = Join-Path $TestDrive 'sync.ps1'
        Set-Content -LiteralPath $script -Value @'
param([string] $ModulePath, [string] $JournalPath, [string] $Destination, [string] $Go)
$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'
Import-Module $ModulePath
# Start together: every process waits for the same go file, so the claims overlap.
while (-not (Test-Path -LiteralPath $Go)) { Start-Sleep -Milliseconds 20 }
$archived = @(Sync-GcFileTransferDocument -Destination $Destination -JournalPath $JournalPath -MaxItems 1 -AuditLogPath (Join-Path $Destination '../sync-audit'))
ConvertTo-Json -InputObject @($archived | ForEach-Object { "$($_.DocumentKey)" }) -Compress
'@
        $go = Join-Path $TestDrive 'go'
        $workers = 1..3 | ForEach-Object { Start-Child $script @{} @('-ModulePath', $env:GFT_MODULE_PATH, '-JournalPath', $journalPath, '-Destination', $destination, '-Go', $go) }
        Start-Sleep -Milliseconds 500
        Set-Content -LiteralPath $go -Value 'go'
        $results = @($workers | ForEach-Object { Wait-Child $_ })
    }

    It 'archives one different document in each process (one claim each, -MaxItems 1)' {
        foreach ($result in $results) { $result.ExitCode | Should -Be 0 -Because $result.Errors }
        $keys = @($results | ForEach-Object { @($_.Output | ConvertFrom-Json) })
        $keys.Count | Should -Be 3
        @($keys | Sort-Object -Unique) | Should -Be @($delivered | ForEach-Object { "transfer/$($_.TransferId)" } | Sort-Object)
    }

    It 'leaves each document stored once and the outbox with nothing pending' {
        $stored = @(Get-ChildItem -LiteralPath (Join-Path $destination 'transfer') -Recurse -File -Filter '*.pdf')
        $stored.Count | Should -Be 3
        @(Get-GcFileTransferDocument -JournalPath $journalPath -State Pending).Count | Should -Be 0
        @(Get-GcFileTransferDocument -JournalPath $journalPath -State Archived).Count | Should -Be 3
    }
}
