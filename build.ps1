<#
.SYNOPSIS
Builds, documents, tests and packages GenesysFileTransfer.
.DESCRIPTION
A small task graph; each task names the tasks it needs, and each runs at most once per invocation.

  Clean       removes out/ and every project's bin/ and obj/.
  Build       publishes the cmdlet assembly and stages an importable module in out/GenesysFileTransfer/ (manifest,
              assemblies, format file, MAML help built from en-US/*.md, about topics), publishes the emulator to
              out/emulator/, and imports the staged module in a fresh PowerShell to prove it loads.
  TestPeers   installs the real servers some tests run against, only when they are missing: PostgreSQL (Debian's
              postgresql package, with apt-get, as root) for the shared journal, ClamAV's daemon (Debian's
              clamav-daemon) for the malware-scanning tests, which start it themselves, and tests/peers (s3rver and
              Azurite, pinned in package-lock.json) with 'npm ci'; Node.js and npm come from apt-get when missing (Debian,
              as root).
  UnitTest    TestPeers, then runs the xunit tests (dotnet test), results in out/TestResults/unit-tests.trx.
  PesterTest  Build and TestPeers, then runs tests/Pester in a fresh PowerShell against the staged module.
  PackageTest Package, then runs tests/Package in a fresh PowerShell: Azure Automation's rules against the .zip, and
              Install-PSResource of the .nupkg from a local file repository, imported by name.
  Test        UnitTest, PesterTest and PackageTest; ends with 'Tests: N passed, M failed'.
  Demo        Build, then runs tools/Demo.ps1 against the staged module and the emulator.
  Package     Build, then out/package/: GenesysFileTransfer.zip (checked against Azure Automation's rules: names,
              paths under 140 characters, under 100 MB) and a .nupkg made through a local PSResourceGet repository.
  BenchJournal Build and TestPeers, then tools/Bench-Journal.ps1: a three-worker PostgreSQL fleet against one SQLite
              worker on the same manifest, rows in docs/benchmarks.md (not part of Test).
  Bench       Build, then runs tools/Bench.ps1: each performance target against its reference on a fresh emulator,
              results in docs/benchmarks.md, then tools/BenchImport.ps1 (import and first-command time before and
              after isolation; about a minute alone) (about six minutes; not part of Test, asserts nothing).

Exit code 1 when a task fails, a test fails, or a test runner could not run.
.EXAMPLE
dotnet tool restore && dotnet pwsh -NoProfile -File build.ps1 -Task Test
.EXAMPLE
dotnet pwsh -NoProfile -Command './build.ps1 -Task Clean, Build -Configuration Debug'

Several tasks need -Command: 'pwsh -File' passes 'Clean,Build' on as one string, which is no task name.
#>
[CmdletBinding()]
param(
    [ValidateSet('Build', 'Test', 'UnitTest', 'PesterTest', 'PackageTest', 'TestPeers', 'Demo', 'Package', 'Bench', 'BenchJournal', 'Clean')]
    [string[]] $Task = 'Build',
    [string] $Configuration = 'Release',
    [string] $OutputPath = "$PSScriptRoot/out"
)

Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'
# Exit codes are checked explicitly (Invoke-Native), so a test runner's 'tests failed' code can be told apart from
# a runner that never ran.
$PSNativeCommandUseErrorActionPreference = $false
$env:DOTNET_NOLOGO = '1'
$env:DOTNET_CLI_TELEMETRY_OPTOUT = '1'

$ModuleName = 'GenesysFileTransfer'
$OutputPath = $ExecutionContext.SessionState.Path.GetUnresolvedProviderPathFromPSPath($OutputPath)
$Paths = @{
    Manifest      = Join-Path $PSScriptRoot "$ModuleName.psd1"
    CmdletProject = Join-Path $PSScriptRoot "src/$ModuleName"
    FormatFile    = Join-Path $PSScriptRoot "src/$ModuleName/$ModuleName.Format.ps1xml"
    Emulator      = Join-Path $PSScriptRoot "src/$ModuleName.Emulator"
    UnitTests     = Join-Path $PSScriptRoot "tests/$ModuleName.Engine.Tests"
    PesterTests   = Join-Path $PSScriptRoot 'tests/Pester'
    PackageTests  = Join-Path $PSScriptRoot 'tests/Package'
    HelpSource    = Join-Path $PSScriptRoot 'en-US'
    Tools         = Join-Path $PSScriptRoot 'tools'
    Publish       = Join-Path $OutputPath "obj/publish/$ModuleName"
    Module        = Join-Path $OutputPath $ModuleName
    EmulatorOut   = Join-Path $OutputPath 'emulator'
    TestResults   = Join-Path $OutputPath 'TestResults'
    Peers         = Join-Path $PSScriptRoot 'tests/peers'
}
$Paths.StagedManifest = Join-Path $Paths.Module "$ModuleName.psd1"
# The assemblies PowerShell loads itself, in its default load context; everything else is staged in dependencies/.
$ModuleRootAssemblies = "$ModuleName.dll", "$ModuleName.Loader.dll"
$DependencyFolder = 'dependencies'
$Paths.EmulatorDll = Join-Path $Paths.EmulatorOut "$ModuleName.Emulator.dll"
$Paths.Zip = Join-Path $OutputPath "package/$ModuleName.zip"

# Counts from each test runner; a runner that could not run records an Error instead of counts.
$TestRuns = [System.Collections.Generic.List[object]]::new()

#region Helpers

function Invoke-Native {
    # Runs a native command with its output on the console and fails on a non-zero exit code unless told not to.
    param(
        [Parameter(Mandatory)] [string] $Command,
        [string[]] $Arguments = @(),
        [switch] $AllowFailure
    )
    Write-Host "> $Command $($Arguments -join ' ')" -ForegroundColor DarkGray
    & $Command @Arguments | Out-Host
    $exitCode = $LASTEXITCODE
    if ($exitCode -ne 0 -and -not $AllowFailure) {
        throw "'$Command $($Arguments -join ' ')' failed with exit code $exitCode."
    }
    $exitCode
}

function Invoke-FreshPowerShell {
    # 'dotnet pwsh' is the repository's pinned PowerShell (.config/dotnet-tools.json); a new process loads the
    # staged module from disk instead of anything this build session has loaded.
    param([Parameter(Mandatory)] [string[]] $Arguments, [switch] $AllowFailure)
    Invoke-Native -Command dotnet -Arguments (@('pwsh', '-NoProfile', '-NonInteractive') + $Arguments) -AllowFailure:$AllowFailure
}

function Remove-Folder([string] $Path) {
    if (Test-Path -LiteralPath $Path) { Remove-Item -LiteralPath $Path -Recurse -Force }
}

function Get-ModuleVersion {
    (Import-PowerShellDataFile -LiteralPath $Paths.Manifest).ModuleVersion
}

function Copy-NativeSqlite {
    # The transfer journal's native SQLite, one build per platform the module supports, from the package the cmdlet
    # project restored: a publish without a runtime identifier carries none, and the engine loads the one for the
    # running platform from runtimes/<rid>/native/ in the module folder (SqliteNativeLibrary.cs).
    param([Parameter(Mandatory)] [string] $Destination)
    $runtimeIds = 'win-x64', 'win-x86', 'win-arm64', 'linux-x64', 'linux-arm64', 'linux-arm', 'linux-musl-x64', 'linux-musl-arm64', 'osx-x64', 'osx-arm64'
    $assets = Get-Content -LiteralPath (Join-Path $Paths.CmdletProject 'obj/project.assets.json') -Raw | ConvertFrom-Json
    $library = $assets.libraries.PSObject.Properties | Where-Object Name -Like 'SQLitePCLRaw.lib.e_sqlite3/*' | Select-Object -First 1
    if (-not $library) { throw 'The cmdlet project restored no SQLitePCLRaw.lib.e_sqlite3; the journal would have no native SQLite.' }
    $package = $assets.packageFolders.PSObject.Properties.Name |
        ForEach-Object { Join-Path $_ $library.Value.path } | Where-Object { Test-Path -LiteralPath $_ } | Select-Object -First 1
    if (-not $package) { throw "$($library.Name) is not in any NuGet package folder; restore the cmdlet project first." }
    foreach ($runtimeId in $runtimeIds) {
        $native = Join-Path $package "runtimes/$runtimeId/native"
        if (-not (Test-Path -LiteralPath $native)) { throw "$($library.Name) has no native SQLite for $runtimeId ($native)." }
        $target = Join-Path $Destination "runtimes/$runtimeId/native"
        $null = New-Item -ItemType Directory -Path $target -Force
        Copy-Item -Path (Join-Path $native '*') -Destination $target
    }
    Write-Host "Native SQLite ($($library.Name)): $($runtimeIds -join ', ')"
}

function Get-MissingTestPeer {
    # Each dependency of tests/peers/package.json that node_modules lacks at the version package-lock.json pins.
    $manifest = Get-Content -LiteralPath (Join-Path $Paths.Peers 'package.json') -Raw | ConvertFrom-Json -AsHashtable
    $lock = Get-Content -LiteralPath (Join-Path $Paths.Peers 'package-lock.json') -Raw | ConvertFrom-Json -AsHashtable
    foreach ($name in $manifest.dependencies.Keys) {
        $pinned = $lock.packages["node_modules/$name"].version
        $installed = Join-Path $Paths.Peers "node_modules/$name/package.json"
        if (-not (Test-Path -LiteralPath $installed) -or (Get-Content -LiteralPath $installed -Raw | ConvertFrom-Json).version -ne $pinned) {
            "$name@$pinned"
        }
    }
}

function Install-NodeJs {
    # The CI machine is a fresh Debian with only the .NET SDK, run as root: Debian's own Node.js and npm are enough.
    $hint = "Node.js and npm are needed to install the test peers in tests/peers (then 'npm ci' there)"
    if (-not $IsLinux -or -not (Get-Command apt-get -ErrorAction Ignore)) {
        throw "$hint; install them (https://nodejs.org) and run again."
    }
    if ((& id -u) -ne '0') {
        throw "$hint; install them with 'sudo apt-get install -y nodejs npm' and run again."
    }
    $env:DEBIAN_FRONTEND = 'noninteractive'
    Invoke-Native apt-get @('update') | Out-Null
    Invoke-Native apt-get @('install', '-y', '--no-install-recommends', 'nodejs', 'npm') | Out-Null
}

function Add-PesterRun([string] $Runner, [string] $Json, [int] $ExitCode) {
    if (-not (Test-Path -LiteralPath $Json)) {
        $TestRuns.Add([pscustomobject]@{ Runner = $Runner; Passed = 0; Failed = 0; Error = "Pester wrote no results (exit code $ExitCode)." })
        return
    }
    $summary = Get-Content -LiteralPath $Json -Raw | ConvertFrom-Json
    $errorText = $null
    if ($ExitCode -ne 0 -and $summary.failed -eq 0) {
        $errorText = "Pester exited with code $ExitCode although its results list no failed test."
    }
    $TestRuns.Add([pscustomobject]@{ Runner = $Runner; Passed = [int]$summary.passed; Failed = [int]$summary.failed; Error = $errorText })
    Write-Host "$Runner tests: $($summary.passed) passed, $($summary.failed) failed, results in $Json"
}

function Install-PostgreSql {
    # The PostgreSQL journal's tests run a real server; Debian's postgresql package brings its binaries to
    # /usr/lib/postgresql/<version>/bin (the tests start their own server from there, as the postgres user).
    if (Get-Item -Path '/usr/lib/postgresql/*/bin/initdb' -ErrorAction Ignore) {
        Write-Host "PostgreSQL: $((Get-Item -Path '/usr/lib/postgresql/*/bin/initdb' | Select-Object -First 1).FullName)"
        return
    }
    $hint = 'PostgreSQL server binaries are needed by the journal tests (/usr/lib/postgresql/<version>/bin/initdb)'
    if (-not $IsLinux -or -not (Get-Command apt-get -ErrorAction Ignore)) {
        throw "$hint; install PostgreSQL 15 or later and run again."
    }
    if ((& id -u) -ne '0') {
        throw "$hint; install them with 'sudo apt-get install -y postgresql' and run again."
    }
    Write-Host 'PostgreSQL missing: installing it with apt-get'
    $env:DEBIAN_FRONTEND = 'noninteractive'
    Invoke-Native apt-get @('update') | Out-Null
    Invoke-Native apt-get @('install', '-y', '--no-install-recommends', 'postgresql') | Out-Null
    if (-not (Get-Item -Path '/usr/lib/postgresql/*/bin/initdb' -ErrorAction Ignore)) {
        throw "'apt-get install postgresql' left no /usr/lib/postgresql/<version>/bin/initdb."
    }
}

function Install-Clamd {
    # The malware-scanning tests start their own clamd (ClamAV's daemon) with a signature database they generate;
    # only the program is needed. Debian's clamav-daemon, as root on the CI machine; nothing is downloaded besides it.
    if (Get-Command clamd -ErrorAction Ignore) { return }
    if (Test-Path -LiteralPath '/usr/sbin/clamd') { return }
    $hint = "clamd (ClamAV's daemon) is needed by the malware-scanning tests"
    if (-not $IsLinux -or -not (Get-Command apt-get -ErrorAction Ignore)) {
        throw "$hint; install ClamAV (https://www.clamav.net/downloads) so that 'clamd' is on PATH, and run again."
    }
    if ((& id -u) -ne '0') {
        throw "$hint; install it with 'sudo apt-get install -y clamav-daemon' and run again."
    }
    $env:DEBIAN_FRONTEND = 'noninteractive'
    Invoke-Native apt-get @('update') | Out-Null
    Invoke-Native apt-get @('install', '-y', '--no-install-recommends', 'clamav-daemon') | Out-Null
    # The package's own service would look for signatures that cannot be downloaded here; the tests run their own.
    if (Get-Command systemctl -ErrorAction Ignore) { & systemctl disable --now clamav-daemon.socket clamav-daemon 2>$null | Out-Null }
}

function Assert-SourceManifest {
    if (-not (Test-Path -LiteralPath $Paths.Manifest -PathType Leaf)) {
        throw "The source manifest '$($Paths.Manifest)' is missing; the module cannot be staged without it."
    }
}

#endregion

#region Tasks

$Tasks = [ordered]@{}

function Add-Task {
    param(
        [Parameter(Mandatory)] [string] $Name,
        [string[]] $DependsOn = @(),
        [Parameter(Mandatory)] [scriptblock] $Action
    )
    $Tasks[$Name] = @{ DependsOn = $DependsOn; Action = $Action }
}

Add-Task -Name Clean -Action {
    Remove-Folder $OutputPath
    $projects = Get-ChildItem -Path (Join-Path $PSScriptRoot 'src'), (Join-Path $PSScriptRoot 'tests'), $Paths.Tools `
        -Recurse -Include '*.csproj', '*.proj' -File
    foreach ($project in $projects) {
        foreach ($folder in 'bin', 'obj') { Remove-Folder (Join-Path $project.DirectoryName $folder) }
    }
}

Add-Task -Name Build -Action {
    Assert-SourceManifest
    $version = Get-ModuleVersion
    # The assemblies take their version from Directory.Build.props; a release whose manifest says otherwise would
    # show one version in Get-Module and another in the files.
    $propsVersion = ([xml](Get-Content -LiteralPath (Join-Path $PSScriptRoot 'Directory.Build.props') -Raw)).Project.PropertyGroup |
        ForEach-Object { $_.SelectSingleNode('Version') } | Where-Object { $_ } | Select-Object -First 1 -ExpandProperty InnerText
    if ($propsVersion -and $propsVersion -ne $version) {
        throw "The manifest says ModuleVersion $version but Directory.Build.props says Version $propsVersion; make them agree."
    }

    Remove-Folder $Paths.Publish
    Invoke-Native dotnet @('publish', $Paths.CmdletProject, '-c', $Configuration, '-o', $Paths.Publish) | Out-Null

    Remove-Folder $Paths.Module
    $null = New-Item -ItemType Directory -Path $Paths.Module
    Copy-Item -LiteralPath $Paths.Manifest -Destination $Paths.Module

    # PowerShell's own assemblies come from the host; a second copy in the module folder is at best dead weight and
    # at worst loaded instead of the host's. Symbols and deps.json are build leftovers PowerShell never reads.
    $publishRoot = (Resolve-Path -LiteralPath $Paths.Publish).ProviderPath
    $files = Get-ChildItem -LiteralPath $publishRoot -Recurse -File | Where-Object {
        $_.Name -ne 'System.Management.Automation.dll' -and
        $_.Name -notlike 'Microsoft.PowerShell.*.dll' -and
        $_.Extension -ne '.pdb' -and
        $_.Name -notlike '*.deps.json'
    }
    # Only the loader and the cmdlet assembly sit in the module folder; the engine and every library it uses go to
    # dependencies/, where the loader serves them from a private load context (PowerShell 7) or to the module's own
    # requests only (Windows PowerShell 5.1). A new package needs no change here or in the loader.
    $dependencies = Join-Path $Paths.Module $DependencyFolder
    foreach ($file in $files) {
        $relative = $file.FullName.Substring($publishRoot.Length).TrimStart('\', '/')
        $target = if ($relative -in $ModuleRootAssemblies) { Join-Path $Paths.Module $relative } else { Join-Path $dependencies $relative }
        $null = New-Item -ItemType Directory -Path (Split-Path $target -Parent) -Force
        Copy-Item -LiteralPath $file.FullName -Destination $target
    }
    foreach ($name in $ModuleRootAssemblies) {
        if (-not (Test-Path -LiteralPath (Join-Path $Paths.Module $name))) { throw "The publish output has no $name." }
    }
    if (Test-Path -LiteralPath $Paths.FormatFile) {
        Copy-Item -LiteralPath $Paths.FormatFile -Destination $Paths.Module -Force
    }
    Copy-Item -LiteralPath (Join-Path $PSScriptRoot 'LICENSE') -Destination $Paths.Module
    # Beside the engine, which loads it from its own folder (SqliteNativeLibrary.cs).
    Copy-NativeSqlite -Destination $dependencies

    $helpOut = Join-Path $Paths.Module 'en-US'
    $null = New-Item -ItemType Directory -Path $helpOut -Force
    Import-Module (Join-Path $Paths.Tools 'HelpBuilder.psm1') -Force
    # The online version of each cmdlet's help is its markdown in the repository, under the manifest's ProjectUri.
    $projectUri = (Import-PowerShellDataFile -LiteralPath $Paths.Manifest).PrivateData.PSData.ProjectUri
    $maml = ConvertTo-MamlHelp -MarkdownPath $Paths.HelpSource -OutputPath (Join-Path $helpOut "$ModuleName.dll-Help.xml") `
        -OnlineUriFormat "$projectUri/blob/main/en-US/{0}.md"
    $exported = @((Import-PowerShellDataFile -LiteralPath $Paths.Manifest).CmdletsToExport)
    $documented = @(Get-ChildItem -LiteralPath $Paths.HelpSource -Filter '*-*.md' -File | ForEach-Object BaseName)
    foreach ($name in $documented | Where-Object { $_ -notin $exported }) {
        Write-Warning "en-US/$name.md documents a cmdlet the manifest does not export."
    }
    Write-Host "Help: $($maml.FullName) ($($documented.Count) of $($exported.Count) cmdlets documented)"
    Copy-Item -Path (Join-Path $Paths.HelpSource 'about_*.help.txt') -Destination $helpOut

    Remove-Folder $Paths.EmulatorOut
    Invoke-Native dotnet @('publish', $Paths.Emulator, '-c', $Configuration, '-o', $Paths.EmulatorOut) | Out-Null

    $quoted = $Paths.StagedManifest -replace "'", "''"
    $check = "`$m = Import-Module -Name '$quoted' -PassThru -ErrorAction Stop; " +
        "Write-Host ('Imported {0} {1} with {2} cmdlets.' -f `$m.Name, `$m.Version, `$m.ExportedCmdlets.Count)"
    $exitCode = Invoke-FreshPowerShell -Arguments @('-Command', $check) -AllowFailure
    if ($exitCode -ne 0) { throw "The staged module '$($Paths.StagedManifest)' does not import (exit code $exitCode)." }

    Write-Host "Module: $($Paths.StagedManifest)"
}

Add-Task -Name TestPeers -Action {
    Install-PostgreSql
    Install-Clamd
    Write-Host "Test peers: clamd at $((Get-Command clamd -ErrorAction Ignore).Source ?? '/usr/sbin/clamd')"
    $missing = @(Get-MissingTestPeer)
    if ($missing.Count -eq 0) {
        Write-Host "Test peers: installed in $($Paths.Peers)/node_modules"
        return
    }
    Write-Host "Test peers missing: $($missing -join ', ')"
    if (-not (Get-Command node -ErrorAction Ignore) -or -not (Get-Command npm -ErrorAction Ignore)) { Install-NodeJs }
    Write-Host "Node.js $(& node --version), npm $(& npm --version)"
    Push-Location -LiteralPath $Paths.Peers
    try {
        # Exactly what package-lock.json pins, never a newer release.
        Invoke-Native npm @('ci', '--no-audit', '--no-fund') | Out-Null
    }
    finally {
        Pop-Location
    }
    $missing = @(Get-MissingTestPeer)
    if ($missing.Count -gt 0) { throw "'npm ci' in $($Paths.Peers) left $($missing -join ', ') missing." }
}

Add-Task -Name UnitTest -DependsOn TestPeers -Action {
    $trx = Join-Path $Paths.TestResults 'unit-tests.trx'
    if (Test-Path -LiteralPath $trx) { Remove-Item -LiteralPath $trx -Force }
    $exitCode = Invoke-Native dotnet @(
        'test', $Paths.UnitTests, '-c', $Configuration,
        '--logger', 'trx;LogFileName=unit-tests.trx', '--results-directory', $Paths.TestResults
    ) -AllowFailure

    if (-not (Test-Path -LiteralPath $trx)) {
        $TestRuns.Add([pscustomobject]@{ Runner = 'xunit'; Passed = 0; Failed = 0; Error = "dotnet test wrote no results (exit code $exitCode)." })
        return
    }
    $counters = ([xml](Get-Content -LiteralPath $trx -Raw)).TestRun.ResultSummary.Counters
    $passed = [int]$counters.passed
    # A test that errored, timed out or was aborted did not pass either.
    $failed = [int]$counters.failed + [int]$counters.error + [int]$counters.timeout + [int]$counters.aborted
    $errorText = $null
    if ($exitCode -ne 0 -and $failed -eq 0) {
        $errorText = "dotnet test exited with code $exitCode although its results list no failed test."
    }
    $TestRuns.Add([pscustomobject]@{ Runner = 'xunit'; Passed = $passed; Failed = $failed; Error = $errorText })
    Write-Host "Unit tests (xunit): $passed passed, $failed failed, results in $trx"
}

Add-Task -Name PesterTest -DependsOn Build, TestPeers -Action {
    $json = Join-Path $Paths.TestResults 'pester.json'
    if (Test-Path -LiteralPath $json) { Remove-Item -LiteralPath $json -Force }
    Invoke-Native dotnet @('restore', (Join-Path $Paths.Tools 'Tools.proj')) | Out-Null
    $exitCode = Invoke-FreshPowerShell -Arguments @(
        '-File', (Join-Path $Paths.Tools 'Invoke-PesterTests.ps1'),
        '-ModulePath', $Paths.StagedManifest,
        '-EmulatorPath', $Paths.EmulatorDll,
        '-ResultPath', $json,
        '-TestPath', $Paths.PesterTests
    ) -AllowFailure

    Add-PesterRun -Runner 'Pester' -Json $json -ExitCode $exitCode
}

Add-Task -Name Test -DependsOn UnitTest, PesterTest, PackageTest -Action {
    # Nothing of its own: the summary line is printed once all requested tasks have run.
}

Add-Task -Name Demo -DependsOn Build -Action {
    $demo = Join-Path $Paths.Tools 'Demo.ps1'
    if (-not (Test-Path -LiteralPath $demo)) {
        throw "There is no demo yet: '$demo' does not exist."
    }
    Invoke-FreshPowerShell -Arguments @('-File', $demo, '-ModulePath', $Paths.StagedManifest, '-EmulatorPath', $Paths.EmulatorDll) | Out-Null
}

Add-Task -Name Bench -DependsOn Build -Action {
    # Measurements want a quiet machine; a failed measurement fails the task, a missed target does not.
    $exitCode = Invoke-FreshPowerShell -Arguments @(
        '-File', (Join-Path $Paths.Tools 'Bench.ps1'),
        '-ModulePath', $Paths.StagedManifest,
        '-EmulatorPath', $Paths.EmulatorDll,
        '-ReportPath', (Join-Path $PSScriptRoot 'docs/benchmarks.md')
    ) -AllowFailure
    if ($exitCode -ne 0) { throw "tools/Bench.ps1 failed with exit code $exitCode." }
    $exitCode = Invoke-FreshPowerShell -Arguments @(
        '-File', (Join-Path $Paths.Tools 'BenchImport.ps1'), '-ModulePath', $Paths.StagedManifest,
        '-ReportPath', (Join-Path $PSScriptRoot 'docs/benchmarks.md')
    ) -AllowFailure
    if ($exitCode -ne 0) { throw "tools/BenchImport.ps1 failed with exit code $exitCode." }
}

Add-Task -Name BenchJournal -DependsOn Build, TestPeers -Action {
    # The shared journal: a three-worker PostgreSQL fleet against one SQLite worker, in one run (tools/Bench-Journal.ps1).
    $exitCode = Invoke-FreshPowerShell -Arguments @(
        '-File', (Join-Path $Paths.Tools 'Bench-Journal.ps1'),
        '-ModulePath', $Paths.StagedManifest,
        '-EmulatorPath', $Paths.EmulatorDll,
        '-ReportPath', (Join-Path $PSScriptRoot 'docs/benchmarks.md')
    ) -AllowFailure
    if ($exitCode -ne 0) { throw "tools/Bench-Journal.ps1 failed with exit code $exitCode." }
}

Add-Task -Name Package -DependsOn Build -Action {
    # Azure Automation imports a .zip named like the module, holding the module's folder (so it also unpacks straight
    # into a Modules folder); the rules it applies are checked here, and a broken one fails the task.
    $zip = $Paths.Zip
    Remove-Folder (Split-Path $zip -Parent)
    $null = New-Item -ItemType Directory -Path (Split-Path $zip -Parent)
    Compress-Archive -Path $Paths.Module -DestinationPath $zip -Force
    Import-Module (Join-Path $Paths.Tools 'PackageRules.psm1') -Force
    $broken = @(Test-AzureAutomationPackage -Path $zip -ModuleName $ModuleName)
    if ($broken.Count -gt 0) { throw "The package breaks Azure Automation's rules:`n  $($broken -join "`n  ")" }
    Write-Host "Package: $zip ($([math]::Round((Get-Item -LiteralPath $zip).Length / 1MB, 1)) MB; Azure Automation's rules hold)"

    # Azure Automation and PSResourceGet install from a .nupkg; publishing to a throwaway file repository makes one
    # without any network. The repository name is unique so a parallel build's registration is never touched.
    $feed = Join-Path $OutputPath 'obj/psresource-feed'
    Remove-Folder $feed
    $null = New-Item -ItemType Directory -Path $feed
    $repository = "GenesysFileTransferBuild-$([guid]::NewGuid().ToString('N'))"
    Register-PSResourceRepository -Name $repository -Uri $feed -Trusted
    try {
        Publish-PSResource -Path $Paths.Module -Repository $repository
    }
    finally {
        Unregister-PSResourceRepository -Name $repository
    }
    $nupkg = Get-ChildItem -LiteralPath $feed -Filter '*.nupkg' | Select-Object -First 1
    if (-not $nupkg) { throw "Publish-PSResource produced no .nupkg in '$feed'." }
    $target = Join-Path (Split-Path $Paths.Zip -Parent) $nupkg.Name
    Move-Item -LiteralPath $nupkg.FullName -Destination $target -Force
    Write-Host "Package: $target"
}

Add-Task -Name PackageTest -DependsOn Package -Action {
    # The packages as users install them: the rule checks, and Install-PSResource from a local file repository.
    $json = Join-Path $Paths.TestResults 'pester-package.json'
    if (Test-Path -LiteralPath $json) { Remove-Item -LiteralPath $json -Force }
    Invoke-Native dotnet @('restore', (Join-Path $Paths.Tools 'Tools.proj')) | Out-Null
    $env:GFT_PACKAGE_FOLDER = Split-Path $Paths.Zip -Parent
    try {
        $exitCode = Invoke-FreshPowerShell -Arguments @(
            '-File', (Join-Path $Paths.Tools 'Invoke-PesterTests.ps1'),
            '-ModulePath', $Paths.StagedManifest,
            '-EmulatorPath', $Paths.EmulatorDll,
            '-ResultPath', $json,
            '-TestPath', $Paths.PackageTests
        ) -AllowFailure
    }
    finally {
        Remove-Item Env:GFT_PACKAGE_FOLDER
    }
    Add-PesterRun -Runner 'Pester (packages)' -Json $json -ExitCode $exitCode
}

#endregion

$Completed = [System.Collections.Generic.HashSet[string]]::new()

function Invoke-Task([string] $Name) {
    if ($Completed.Contains($Name)) { return }
    foreach ($dependency in $Tasks[$Name].DependsOn) { Invoke-Task $dependency }
    Write-Host "==> $Name" -ForegroundColor Cyan
    $watch = [System.Diagnostics.Stopwatch]::StartNew()
    & $Tasks[$Name].Action
    Write-Host "<== $Name ($([int]$watch.Elapsed.TotalSeconds) s)" -ForegroundColor Cyan
    $null = $Completed.Add($Name)
}

$failure = $null
Push-Location $PSScriptRoot
try {
    foreach ($name in $Task) { Invoke-Task $name }
}
catch {
    $failure = $_
}
finally {
    Pop-Location
}

if ($failure) {
    Write-Host "Build failed: $($failure.Exception.Message)" -ForegroundColor Red
    Write-Host $failure.ScriptStackTrace -ForegroundColor DarkGray
}
$exitCode = if ($failure) { 1 } else { 0 }

# A runner stopped by a failed dependency (Build, say) never recorded anything; say so rather than leave it out.
$runnerOf = @{ UnitTest = 'xunit'; PesterTest = 'Pester'; PackageTest = 'Pester (packages)' }
$wanted = [System.Collections.Generic.HashSet[string]]::new()
$pending = [System.Collections.Generic.Stack[string]]::new([string[]]$Task)
while ($pending.Count -gt 0) {
    $name = $pending.Pop()
    if ($wanted.Add($name)) { foreach ($dependency in $Tasks[$name].DependsOn) { $pending.Push($dependency) } }
}
foreach ($name in $runnerOf.Keys | Where-Object { $wanted.Contains($_) }) {
    if (-not ($TestRuns | Where-Object Runner -eq $runnerOf[$name])) {
        $TestRuns.Add([pscustomobject]@{ Runner = $runnerOf[$name]; Passed = 0; Failed = 0; Error = 'stopped by an earlier failure.' })
    }
}

if ($TestRuns.Count -gt 0) {
    foreach ($run in $TestRuns | Where-Object Error) {
        Write-Host "$($run.Runner) did not run: $($run.Error)" -ForegroundColor Red
    }
    $passed = ($TestRuns | Measure-Object -Property Passed -Sum).Sum
    $failed = ($TestRuns | Measure-Object -Property Failed -Sum).Sum
    if ($failed -gt 0 -or ($TestRuns | Where-Object Error)) { $exitCode = 1 }
    Write-Host "Tests: $passed passed, $failed failed"
}
exit $exitCode
