<#
.SYNOPSIS
Measures the shared PostgreSQL journal against the SQLite journal, side by side in one run, and writes the rows to
docs/benchmarks.md.
.DESCRIPTION
The same manifest of small files goes through create, upload, wait and deliver on a fresh emulator each time:

  PostgreSQL  3 worker processes at once, each with its own copy of the files, sharing one journal database on a
              throwaway local server (tools/PostgresProcess.psm1): they race for every file, the journal decides
  SQLite      1 worker process with a journal file of its own

For each: wall time from the first worker's start to the last one's exit, files delivered (on the emulator), API
requests per file (every request the emulator received, token and storage PUTs included, divided by the files), and
journal round trips per file (statements and commits each worker's journal made, summed, divided by the files; for
SQLite these are in-process calls, not network round trips). The generated part of the report sits between two marker
comments; text outside them is kept. Asserts nothing.
.EXAMPLE
dotnet pwsh -NoProfile -File tools/Bench-Journal.ps1 -ModulePath out/GenesysFileTransfer/GenesysFileTransfer.psd1 -EmulatorPath out/emulator/GenesysFileTransfer.Emulator.dll -Files 200
#>
[CmdletBinding(DefaultParameterSetName = 'Run')]
param(
    [Parameter(Mandatory, ParameterSetName = 'Run')] [string] $ModulePath,
    [Parameter(Mandatory, ParameterSetName = 'Run')] [string] $EmulatorPath,
    [Parameter(ParameterSetName = 'Run')] [string] $ReportPath = (Join-Path (Split-Path $PSScriptRoot -Parent) 'docs/benchmarks.md'),
    [Parameter(ParameterSetName = 'Run')] [ValidateRange(10, 10000)] [int] $Files = 1000,

    [Parameter(Mandatory, ParameterSetName = 'Worker')] [switch] $Worker,
    [Parameter(Mandatory, ParameterSetName = 'Worker')] [string] $SpecPath
)

Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'

if ($Worker) {
    $spec = Get-Content -LiteralPath $SpecPath -Raw | ConvertFrom-Json
    $ProgressPreference = 'SilentlyContinue'
    Import-Module $spec.ModulePath
    $secret = ConvertTo-SecureString 'emulator-secret-0123456789' -AsPlainText -Force
    $journal = if ($spec.PSObject.Properties['ConnectionString']) { @{ JournalConnectionString = $spec.ConnectionString } } else { @{ JournalPath = $spec.JournalPath } }
    Connect-GcCloud -BaseUri $spec.BaseUri -ClientId emulator-client -ClientSecret $secret @journal -AuditLogPath $spec.AuditPath
    $sent = @(Get-ChildItem -LiteralPath $spec.Folder -File | Send-GcFile -ConversationId $spec.ConversationId -CommunicationId $spec.CommunicationId `
            -StorageBucketReference 3f2504e0-4f89-41d3-9a0c-0305e82c3301 -RetentionDays 30 -Deliver -ErrorAction Continue)
    $roundTrips = [GenesysFileTransfer.Engine.Journal.TransferJournals]::RoundTrips((Get-GcConnection).Journal)
    Disconnect-GcCloud
    [pscustomobject]@{ Delivered = @($sent | Where-Object { "$($_.Status)" -eq 'Delivered' }).Count; RoundTrips = $roundTrips } |
        ConvertTo-Json | Set-Content -LiteralPath $spec.ResultPath
    return
}

Import-Module (Join-Path $PSScriptRoot 'EmulatorProcess.psm1') -Force
Import-Module (Join-Path $PSScriptRoot 'PostgresProcess.psm1') -Force
$ModulePath = (Resolve-Path -LiteralPath $ModulePath).ProviderPath
$EmulatorPath = (Resolve-Path -LiteralPath $EmulatorPath).ProviderPath
$work = Join-Path ([System.IO.Path]::GetTempPath()) ('gft-bench-journal-' + [guid]::NewGuid().ToString('N'))
$null = New-Item -ItemType Directory -Path $work

function New-Manifest([string] $Folder, [int] $Count) {
    $null = New-Item -ItemType Directory -Path $Folder -Force
    $ascii = [System.Text.Encoding]::ASCII
    foreach ($i in 1..$Count) {
        $name = 'doc-{0:D4}.pdf' -f $i
        $body = "%PDF-1.4`n%$name`n1 0 obj`n<< /Type /Catalog >>`nendobj`n" + ('%' + ('x' * 78) + "`n") * 120 + "trailer`n<< /Root 1 0 R >>`n%%EOF`n"
        [System.IO.File]::WriteAllBytes((Join-Path $Folder $name), $ascii.GetBytes($body))
    }
}

function Start-Worker([hashtable] $Spec, [string] $Name, [hashtable] $Environment = @{}) {
    $Spec.ResultPath = Join-Path $work "result-$Name.json"
    $specPath = Join-Path $work "spec-$Name.json"
    $Spec | ConvertTo-Json | Set-Content -LiteralPath $specPath
    $start = [System.Diagnostics.ProcessStartInfo]::new((Get-Process -Id $PID).Path)
    if ([System.IO.Path]::GetFileNameWithoutExtension($start.FileName) -eq 'dotnet') { $start.ArgumentList.Add((Join-Path $PSHOME 'pwsh.dll')) }
    foreach ($argument in '-NoProfile', '-NonInteractive', '-File', $PSCommandPath, '-Worker', '-SpecPath', $specPath) { $start.ArgumentList.Add($argument) }
    foreach ($key in $Environment.Keys) { $start.Environment[$key] = $Environment[$key] }
    $start.UseShellExecute = $false
    $start.RedirectStandardError = $true
    $start.RedirectStandardOutput = $true
    $process = [System.Diagnostics.Process]::Start($start)
    [pscustomobject]@{ Process = $process; Errors = $process.StandardError.ReadToEndAsync(); Output = $process.StandardOutput.ReadToEndAsync(); Result = $Spec.ResultPath }
}

function Measure-Configuration([string] $Label, [int] $Workers, [scriptblock] $Journal) {
    $emulator = Start-EmulatorProcess -EmulatorPath $EmulatorPath
    try {
        Invoke-RestMethod -Method Patch -Uri "$($emulator.BaseUri.ToString().TrimEnd('/'))/emulator/settings" -ContentType 'application/json' -Body '{"validationDelayMs":50}' | Out-Null
        $source = Join-Path $work "$Label/source"
        New-Manifest -Folder $source -Count $Files
        $children = @()
        $watch = [System.Diagnostics.Stopwatch]::StartNew()
        foreach ($i in 1..$Workers) {
            $folder = Join-Path $work "$Label/worker-$i"
            $null = New-Item -ItemType Directory -Path $folder -Force
            Copy-Item -Path (Join-Path $source '*') -Destination $folder
            $spec = @{ ModulePath = $ModulePath; BaseUri = "$($emulator.BaseUri)"; Folder = $folder; ConversationId = $emulator.ConversationId
                CommunicationId = $emulator.CommunicationId; AuditPath = (Join-Path $work "$Label/audit-$i") } + (& $Journal $i)
            $children += Start-Worker -Spec $spec -Name "$Label-$i" -Environment @{ PGPASSWORD = $script:pgPassword }
        }
        if ($Workers -gt 1) { $watch.Restart() }
        foreach ($child in $children) { $child.Process.WaitForExit() }
        $elapsed = $watch.Elapsed.TotalSeconds
        $results = @($children | ForEach-Object {
                if ($_.Process.ExitCode -ne 0 -or -not (Test-Path $_.Result)) { throw "A $Label worker failed: $($_.Errors.Result)" }
                Get-Content -LiteralPath $_.Result -Raw | ConvertFrom-Json })
        $requests = @((Invoke-RestMethod -Uri "$($emulator.BaseUri.ToString().TrimEnd('/'))/emulator/requests") | ForEach-Object { $_ }).Count
        $messages = @((Invoke-RestMethod -Uri "$($emulator.BaseUri.ToString().TrimEnd('/'))/emulator/messages") | ForEach-Object { $_ })
        $unique = @($messages | ForEach-Object { $_.media } | ForEach-Object { $_.id } | Sort-Object -Unique).Count
        [pscustomobject]@{
            Configuration     = $Label
            Workers           = $Workers
            Files             = $Files
            WallSeconds       = [math]::Round($elapsed, 1)
            FilesPerSecond    = [math]::Round($Files / $elapsed, 1)
            Delivered         = $messages.Count
            UniqueDelivered   = $unique
            RequestsPerFile   = [math]::Round($requests / $Files, 2)
            RoundTripsPerFile = [math]::Round((($results | Measure-Object RoundTrips -Sum).Sum) / $Files, 1)
        }
    }
    finally { Stop-EmulatorProcess -Emulator $emulator }
}

$postgres = Start-PostgresProcess
$script:pgPassword = $postgres.AppPassword
try {
    $database = New-PostgresDatabase -Server $postgres
    $rows = @(
        Measure-Configuration -Label 'postgres' -Workers 3 -Journal { param($i) @{ ConnectionString = $database } }
        Measure-Configuration -Label 'sqlite' -Workers 1 -Journal { param($i) @{ JournalPath = (Join-Path $work "sqlite/journal-$i.db") } }
    )
}
finally {
    Stop-PostgresProcess -Server $postgres
    Remove-Item -LiteralPath $work -Recurse -Force -ErrorAction SilentlyContinue
}
$rows | Format-Table | Out-Host

$pgVersion = (& (Join-Path (Find-PostgresBinaries) 'postgres') --version) -replace '^.*\) ', ''
$cpu = (Get-Content /proc/cpuinfo -ErrorAction Ignore | Where-Object { $_ -like 'model name*' } | Select-Object -First 1) -replace '^model name\s*:\s*', ''
$lines = @(
    '<!-- journal-bench:start -->'
    "Run $(Get-Date -Format 'yyyy-MM-dd HH:mm') UTC$((Get-Date).ToString('zzz')), $([Environment]::ProcessorCount) cores ($cpu), PostgreSQL $pgVersion on loopback (fsync off), emulator validation delay 50 ms, $Files files of 10 KB, audit log on."
    ''
    '| Journal | Workers | Files | Wall time | Files/s | Messages (unique) | API requests per file | Journal round trips per file |'
    '|---|---|---|---|---|---|---|---|'
    foreach ($row in $rows) { "| $($row.Configuration) | $($row.Workers) | $($row.Files) | $($row.WallSeconds) s | $($row.FilesPerSecond) | $($row.Delivered) ($($row.UniqueDelivered)) | $($row.RequestsPerFile) | $($row.RoundTripsPerFile) |" }
    '<!-- journal-bench:end -->'
)
$report = if (Test-Path -LiteralPath $ReportPath) { Get-Content -LiteralPath $ReportPath -Raw } else { '' }
$block = $lines -join "`n"
if ($report -match '(?s)<!-- journal-bench:start -->.*<!-- journal-bench:end -->') {
    $report = [regex]::Replace($report, '(?s)<!-- journal-bench:start -->.*<!-- journal-bench:end -->', [System.Text.RegularExpressions.MatchEvaluator] { param($m) $block })
}
else {
    $report = $report.TrimEnd() + "`n`n## Shared journal: PostgreSQL fleet vs SQLite (tools/Bench-Journal.ps1)`n`n" + $block + "`n"
}
Set-Content -LiteralPath $ReportPath -Value $report -NoNewline
Write-Host "Report: $ReportPath"
