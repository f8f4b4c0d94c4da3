<#
.SYNOPSIS
Measures what loading the engine in its own load context costs at start-up, before and after isolation.
.DESCRIPTION
In one session, interleaved, Runs times each: a bare 'pwsh -NoProfile -c exit'; importing the module with the flat
layout it had before isolation (every library beside the cmdlet assembly, no loader: made here from the staged
module); importing the staged, isolated module; and each import followed by the first useful command
(Test-GcFileTransferPayload on a small file, which loads the engine, FluentValidation and the validators). Writes
the rows between the 'bench-import' markers of docs/benchmarks.md. Asserts nothing.
#>
param(
    [Parameter(Mandatory)] [string] $ModulePath,
    [string] $ReportPath = (Join-Path $PSScriptRoot '../docs/benchmarks.md'),
    [int] $Runs = 15
)
$ErrorActionPreference = 'Stop'
$ModulePath = (Resolve-Path -LiteralPath $ModulePath).ProviderPath
$dotnet = (Get-Command dotnet).Source
$work = Join-Path ([IO.Path]::GetTempPath()) "gft-bench-import-$PID"
$null = New-Item -ItemType Directory -Path $work -Force
try {
    # The layout before isolation, from the same build: every assembly flat, native SQLite in runtimes/, no loader.
    $isolated = Split-Path (Resolve-Path -LiteralPath $ModulePath) -Parent
    $flat = Join-Path $work 'flat/GenesysFileTransfer'
    Copy-Item -LiteralPath $isolated -Destination $flat -Recurse
    Get-ChildItem -LiteralPath (Join-Path $flat 'dependencies') | Move-Item -Destination $flat
    Remove-Item -LiteralPath (Join-Path $flat 'dependencies'), (Join-Path $flat 'GenesysFileTransfer.Loader.dll') -Recurse
    $manifest = Join-Path $flat 'GenesysFileTransfer.psd1'
    (Get-Content -LiteralPath $manifest) | Where-Object { $_ -notmatch '^\s*NestedModules\s*=' } | Set-Content -LiteralPath $manifest
    $probe = Join-Path $work 'probe.txt'
    Set-Content -LiteralPath $probe -Value ('x' * 100)
    # A run whose command did not answer fails the bench rather than timing a broken start.
    $useful = "if (-not (Test-GcFileTransferPayload -LiteralPath '$probe' -StorageBucketReference 3f2504e0-4f89-41d3-9a0c-0305e82c3301 -RetentionDays 30).IsValid) { exit 3 }"

    $cases = [ordered]@{
        'bare'            = 'exit'
        'import flat'     = "Import-Module '$manifest' -ErrorAction Stop; exit"
        'import isolated' = "Import-Module '$ModulePath' -ErrorAction Stop; exit"
        'useful flat'     = "Import-Module '$manifest' -ErrorAction Stop; $useful; exit"
        'useful isolated' = "Import-Module '$ModulePath' -ErrorAction Stop; $useful; exit"
    }
    $times = @{}
    foreach ($name in $cases.Keys) { $times[$name] = [System.Collections.Generic.List[double]]::new() }
    foreach ($round in 0..$Runs) {
        foreach ($name in $cases.Keys) {
            $watch = [Diagnostics.Stopwatch]::StartNew()
            & $dotnet pwsh -NoProfile -NonInteractive -Command $cases[$name] | Out-Null
            $watch.Stop()
            if ($LASTEXITCODE -ne 0) { throw "'$($cases[$name])' failed with exit code $LASTEXITCODE." }
            if ($round -gt 0) { $times[$name].Add($watch.Elapsed.TotalMilliseconds) }   # round 0 warms the disk cache
        }
    }
}
finally {
    Remove-Item -LiteralPath $work -Recurse -Force -ErrorAction SilentlyContinue
}

function Get-Statistic([double[]] $Values) {
    $sorted = @($Values | Sort-Object); $n = $sorted.Count
    $median = if ($n % 2) { $sorted[($n - 1) / 2] } else { ($sorted[$n / 2 - 1] + $sorted[$n / 2]) / 2 }
    [pscustomobject]@{ Median = $median; Min = $sorted[0]; Max = $sorted[-1] }
}
$s = @{}; foreach ($name in $times.Keys) { $s[$name] = Get-Statistic $times[$name].ToArray() }
function Row([string] $What, [string] $Subject, $A, [string] $Reference, $B, [string] $Result, [string] $Target, [string] $Met) {
    '| {0} | {1} | {2:0} | {3:0} | {4:0} | {5} | {6:0} | {7:0} | {8:0} | ms | {9} | {10} | {11} |' -f $What, $Subject, $A.Median, $A.Min, $A.Max, $Reference, $B.Median, $B.Min, $B.Max, $Result, $Target, $Met
}
$importFlat = $s['import flat'].Median - $s['bare'].Median
$importIsolated = $s['import isolated'].Median - $s['bare'].Median
$usefulFlat = $s['useful flat'].Median - $s['bare'].Median
$usefulIsolated = $s['useful isolated'].Median - $s['bare'].Median
$added = $usefulIsolated - $usefulFlat
$rows = @(
    '| Measurement | Subject | median | min | max | Reference | median | min | max | Unit | Result | Target | Met? |'
    '|---|---|---:|---:|---:|---|---:|---:|---:|---|---|---|---|'
    Row 'Import-Module, before isolation' 'pwsh -NoProfile -c "Import-Module <flat layout>; exit"' $s['import flat'] 'pwsh -NoProfile -c exit' $s['bare'] ('+{0:0} ms' -f $importFlat) '–' '–'
    Row 'Import-Module, isolated' 'pwsh -NoProfile -c "Import-Module <staged module>; exit"' $s['import isolated'] 'pwsh -NoProfile -c exit' $s['bare'] ('+{0:0} ms ({1:+0;-0;+0} ms against before)' -f $importIsolated, ($importIsolated - $importFlat)) '≤ +100 ms against before' $(if ($importIsolated - $importFlat -le 100) { 'yes' } else { 'no' })
    Row 'First useful command, before isolation' 'Import-Module <flat>; Test-GcFileTransferPayload' $s['useful flat'] 'pwsh -NoProfile -c exit' $s['bare'] ('+{0:0} ms' -f $usefulFlat) '–' '–'
    Row 'First useful command, isolated' 'Import-Module <staged>; Test-GcFileTransferPayload' $s['useful isolated'] 'pwsh -NoProfile -c exit' $s['bare'] ('+{0:0} ms ({1:+0;-0;+0} ms against before)' -f $usefulIsolated, $added) '≤ +100 ms against before' $(if ($added -le 100) { 'yes' } else { 'no' })
)
$pwsh = (& $dotnet pwsh -NoProfile -NonInteractive -Command '"{0} on {1}" -f $PSVersionTable.PSVersion, [System.Runtime.InteropServices.RuntimeInformation]::FrameworkDescription') | Select-Object -First 1
$cpu = "$([Environment]::ProcessorCount) logical cores$(if (Test-Path /proc/cpuinfo) { ', ' + (((Get-Content /proc/cpuinfo) -match '^model name' | Select-Object -First 1) -replace '^model name\s*:\s*', '') })"
$section = @(
    '<!-- bench-import:begin (generated by tools/BenchImport.ps1; edits here are overwritten) -->'
    $rows
    ''
    "$Runs interleaved rounds of the five starts in one session, through ``dotnet pwsh`` (the pinned PowerShell), after one untimed round; each result is a median minus the bare start's median. The layout before isolation is made from the same build (all assemblies flat, no loader), so the rows differ only in how the module loads. Machine: $(Get-Date -AsUTC -Format 'yyyy-MM-dd HH:mm') UTC, $cpu, $pwsh, load average $((Get-Content /proc/loadavg -ErrorAction SilentlyContinue) -split ' ' | Select-Object -First 3)."
    '<!-- bench-import:end -->'
) -join "`n"
$report = Get-Content -LiteralPath $ReportPath -Raw
$pattern = '(?s)<!-- bench-import:begin.*?<!-- bench-import:end -->'
$report = if ($report -match $pattern) { [regex]::Replace($report, $pattern, { $section }) } else { $report.TrimEnd() + "`n`n## Start-up with the isolated engine`n`n" + $section + "`n" }
Set-Content -LiteralPath $ReportPath -Value $report -NoNewline
$section
