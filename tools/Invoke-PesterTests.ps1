<#
.SYNOPSIS
Runs the Pester tests against a staged module, in this (fresh) PowerShell process.
.DESCRIPTION
build.ps1 starts this script in a new process so the tests load the staged module from out/, never an assembly a
build session already holds. The module and emulator paths reach the tests as GFT_MODULE_PATH and GFT_EMULATOR_PATH.
Pester is imported by path from the NuGet cache, at the version tools/Tools.proj downloads.

The result file holds the counts build.ps1 adds up; its absence tells build.ps1 that the run never happened.
Exit code: 0 when every test passed, 1 otherwise.
.EXAMPLE
dotnet pwsh -NoProfile -File tools/Invoke-PesterTests.ps1 -ModulePath out/GenesysFileTransfer/GenesysFileTransfer.psd1 -EmulatorPath out/emulator/GenesysFileTransfer.Emulator.dll -ResultPath out/TestResults/pester.json
.EXAMPLE
dotnet pwsh -NoProfile -File tools/Invoke-PesterTests.ps1 -ModulePath out/GenesysFileTransfer/GenesysFileTransfer.psd1 -EmulatorPath out/emulator/GenesysFileTransfer.Emulator.dll -ResultPath out/TestResults/pester.json -TestPath tests/Pester/Module.Tests.ps1 -Verbosity Detailed

Runs one test file with every test name shown.
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)] [string] $ModulePath,
    [Parameter(Mandatory)] [string] $EmulatorPath,
    [Parameter(Mandatory)] [string] $ResultPath,
    [string[]] $TestPath = @(Join-Path (Split-Path $PSScriptRoot -Parent) 'tests/Pester'),
    [ValidateSet('None', 'Normal', 'Detailed', 'Diagnostic')] [string] $Verbosity = 'Normal',
    # Pester.psd1 to import; by default the one tools/Tools.proj restored into the NuGet cache.
    [string] $PesterPath
)

Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'

function Resolve-FullPath([string] $Path) {
    $ExecutionContext.SessionState.Path.GetUnresolvedProviderPathFromPSPath($Path)
}

function Find-Pester {
    $toolsProject = Join-Path $PSScriptRoot 'Tools.proj'
    $download = ([xml](Get-Content -LiteralPath $toolsProject -Raw)).SelectSingleNode("//PackageDownload[@Include='Pester']")
    if (-not $download) { throw "$toolsProject does not download Pester." }
    # PackageDownload wants an exact version range such as [6.2.0].
    $version = $download.GetAttribute('Version').Trim('[', ']', ' ')

    $packages = $env:NUGET_PACKAGES
    if (-not $packages) {
        # Ask NuGet rather than assume ~/.nuget/packages: a NuGet.Config may move the global packages folder.
        $listing = & dotnet nuget locals global-packages --list
        if ($LASTEXITCODE -ne 0) { throw "'dotnet nuget locals global-packages --list' failed with exit code $LASTEXITCODE." }
        $packages = (@($listing) -join "`n") -replace '(?s)^.*?global-packages:\s*', '' -replace '\s+$', ''
    }
    $manifest = Join-Path $packages "pester/$version/tools/Pester.psd1"
    if (-not (Test-Path -LiteralPath $manifest)) {
        throw "Pester $version is not in the NuGet cache ($manifest); run 'dotnet restore tools/Tools.proj'."
    }
    $manifest
}

$ModulePath = Resolve-FullPath $ModulePath
$EmulatorPath = Resolve-FullPath $EmulatorPath
$ResultPath = Resolve-FullPath $ResultPath
# 'pwsh -File' hands 'a,b' over as one string; a list of test files is still meant.
$TestPath = @($TestPath | ForEach-Object { $_ -split ',' } | Where-Object { $_ } | ForEach-Object { Resolve-FullPath $_ })
foreach ($required in $ModulePath, $EmulatorPath) {
    if (-not (Test-Path -LiteralPath $required -PathType Leaf)) { throw "'$required' does not exist; build first." }
}
if (Test-Path -LiteralPath $ResultPath) { Remove-Item -LiteralPath $ResultPath -Force }
$resultDirectory = Split-Path $ResultPath -Parent
$null = New-Item -ItemType Directory -Path $resultDirectory -Force

$env:GFT_MODULE_PATH = $ModulePath
$env:GFT_EMULATOR_PATH = $EmulatorPath

if (-not $PesterPath) { $PesterPath = Find-Pester }
Import-Module -Name (Resolve-FullPath $PesterPath) -Force

$configuration = New-PesterConfiguration
$configuration.Run.Path = $TestPath
$configuration.Run.PassThru = $true
$configuration.Output.Verbosity = $Verbosity
# Colour codes are noise in a CI log or a file; a terminal still gets them.
if ([Console]::IsOutputRedirected) { $configuration.Output.RenderMode = 'Plaintext' }
$configuration.TestResult.Enabled = $true
$configuration.TestResult.OutputFormat = 'NUnitXml'
$configuration.TestResult.OutputPath = [System.IO.Path]::ChangeExtension($ResultPath, '.xml')

# Test scripts run in scopes below this one and would inherit its strict mode; each test file chooses its own.
$result = & {
    Set-StrictMode -Off
    Invoke-Pester -Configuration $configuration
}
if ($null -eq $result -or -not $result.PSObject.Properties['Failed']) {
    throw 'Pester did not run; see its error above.'
}

# A test file that fails to load fails its container, and a throwing BeforeAll or AfterAll fails its block; Pester
# counts neither as a failed test, so they are listed and counted here.
$failures = [System.Collections.Generic.List[object]]::new()
foreach ($test in $result.Failed) {
    $failures.Add([ordered]@{ name = $test.ExpandedPath; message = (@($test.ErrorRecord | ForEach-Object { "$_" }) -join "`n") })
}
foreach ($block in @($result.FailedBlocks)) {
    $failures.Add([ordered]@{ name = "$($block.Path -join ' ') (block)"; message = (@($block.ErrorRecord | ForEach-Object { "$_" }) -join "`n") })
}
foreach ($container in @($result.FailedContainers)) {
    $failures.Add([ordered]@{ name = "$($container.Item) (file)"; message = (@($container.ErrorRecord | ForEach-Object { "$_" }) -join "`n") })
}
# A block whose BeforeAll threw has already failed its tests; one whose AfterAll threw has not, and counts itself.
$failed = $result.FailedCount + @($result.FailedContainers).Count + @($result.FailedBlocks | Where-Object { $_.FailedCount -eq 0 }).Count

$summary = [ordered]@{
    passed   = $result.PassedCount
    failed   = $failed
    skipped  = $result.SkippedCount
    notRun   = $result.NotRunCount
    duration = $result.Duration.TotalSeconds
    failures = $failures.ToArray()
}
$summary | ConvertTo-Json -Depth 5 | Set-Content -LiteralPath $ResultPath -Encoding utf8

if ($failures.Count -gt 0) {
    Write-Host ''
    Write-Host "Failed Pester tests ($($failures.Count)):"
    foreach ($failure in $failures) {
        Write-Host "  $($failure.name)"
        foreach ($line in ($failure.message -split "`r?`n")) { Write-Host "      $line" }
    }
}
exit $(if ($failed -gt 0) { 1 } else { 0 })
