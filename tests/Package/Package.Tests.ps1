# The packages as users receive them (build.ps1 -Task PackageTest, after Package): the .zip against Azure Automation's
# import rules, and the .nupkg installed with Install-PSResource from a local file repository, then imported by name.

BeforeAll {
    $moduleName = 'GenesysFileTransfer'
    $packageFolder = $env:GFT_PACKAGE_FOLDER
    if (-not $packageFolder -or -not (Test-Path -LiteralPath (Join-Path $packageFolder "$moduleName.zip"))) {
        throw "No package to test in '$packageFolder'; run 'build.ps1 -Task PackageTest', which builds the packages first."
    }
    Import-Module (Join-Path $PSScriptRoot '../../tools/PackageRules.psm1') -Force
    $zip = Join-Path $packageFolder "$moduleName.zip"
    $nupkg = @(Get-ChildItem -LiteralPath $packageFolder -Filter "$moduleName.*.nupkg")
    $version = (Import-PowerShellDataFile -LiteralPath $env:GFT_MODULE_PATH).ModuleVersion

    function New-TestZip([string] $Name, [hashtable] $Files) {
        $root = Join-Path $TestDrive ([guid]::NewGuid().ToString('N'))
        foreach ($relative in $Files.Keys) {
            $path = Join-Path $root $relative
            $null = New-Item -ItemType Directory -Path (Split-Path $path -Parent) -Force
            Set-Content -LiteralPath $path -Value $Files[$relative]
        }
        $target = Join-Path $TestDrive $Name
        Compress-Archive -Path (Join-Path $root '*') -DestinationPath $target -Force
        $target
    }
}

Describe "Azure Automation's rules" {
    It 'hold for the built .zip' {
        @(Test-AzureAutomationPackage -Path $zip -ModuleName $moduleName) | Should -BeNullOrEmpty
        (Get-Item -LiteralPath $zip).Length | Should -BeLessThan 100MB
    }

    It 'are broken by a .zip named other than the module' {
        $bad = New-TestZip "$moduleName-1.0.0.zip" @{ "$moduleName/$moduleName.psd1" = '@{}' }
        Test-AzureAutomationPackage -Path $bad -ModuleName $moduleName | Should -Match "needs '$moduleName.zip'"
    }

    It 'are broken by a manifest named other than its folder' {
        $bad = New-TestZip "$moduleName.zip" @{ "$moduleName/Other.psd1" = '@{}' }
        Test-AzureAutomationPackage -Path $bad -ModuleName $moduleName | Should -Match 'manifest must carry'
    }

    It 'are broken by a path of 140 characters or more' {
        $long = "$moduleName/dependencies/" + ('a' * (140 - "$moduleName/dependencies/".Length - 4)) + '.dll'
        $long.Length | Should -Be 140
        $bad = New-TestZip "$moduleName.zip" @{ "$moduleName/$moduleName.psd1" = '@{}'; $long = 'x' }
        Test-AzureAutomationPackage -Path $bad -ModuleName $moduleName | Should -Match 'is 140 characters'
    }
}

Describe 'The .nupkg installed with Install-PSResource' {
    It 'installs from a local repository and imports by name, with its engine in the private context' {
        $nupkg | Should -HaveCount 1
        # A fresh PowerShell whose HOME is a test folder: the user scope, PSResourceGet's repository list and the
        # module path all live there, so nothing of the machine's own setup is touched or used.
        $userHome = Join-Path $TestDrive 'home'
        $null = New-Item -ItemType Directory -Path $userHome -Force
        $script = Join-Path $TestDrive 'install.ps1'
        Set-Content -LiteralPath $script -Value @'
param($Feed, $Name, $Version)
$ErrorActionPreference = 'Stop'
Register-PSResourceRepository -Name LocalFeed -Uri $Feed -Trusted
Install-PSResource -Name $Name -Version $Version -Repository LocalFeed -Scope CurrentUser -Quiet
Import-Module $Name
$module = Get-Module $Name
$probe = Join-Path $HOME 'probe.txt'
Set-Content -LiteralPath $probe -Value ('x' * 100)
$report = Test-GcFileTransferPayload -LiteralPath $probe -StorageBucketReference 3f2504e0-4f89-41d3-9a0c-0305e82c3301 -RetentionDays 30
$engine = $report.GetType().Assembly
[pscustomobject]@{
    ModuleBase = $module.ModuleBase; Version = "$($module.Version)"; Cmdlets = $module.ExportedCmdlets.Count
    HelpUri = (Get-Command Send-GcFile).HelpUri; Valid = $report.IsValid
    EngineLocation = $engine.Location; EngineContext = [System.Runtime.Loader.AssemblyLoadContext]::GetLoadContext($engine).GetType().Name
} | ConvertTo-Json -Compress
'@
        $executable = [System.Diagnostics.Process]::GetCurrentProcess().MainModule.FileName
        $arguments = @()
        if ([System.IO.Path]::GetFileNameWithoutExtension($executable) -eq 'dotnet') { $arguments += Join-Path $PSHOME 'pwsh.dll' }
        $arguments += '-NoProfile', '-NonInteractive', '-File', $script, $packageFolder, $moduleName, $version
        $savedHome = $env:HOME
        $savedModulePath = $env:PSModulePath
        try {
            $env:HOME = $userHome
            # The child builds its own module path from its HOME; this session's path must not leak into it.
            Remove-Item Env:PSModulePath
            $output = & $executable @arguments 2>&1
        }
        finally {
            $env:HOME = $savedHome
            $env:PSModulePath = $savedModulePath
        }
        $LASTEXITCODE | Should -Be 0 -Because (@($output) -join "`n")
        $result = @($output | ForEach-Object { "$_" } | Where-Object { $_.StartsWith('{') })[-1] | ConvertFrom-Json

        $result.ModuleBase | Should -BeLike "$userHome*"
        $result.Version | Should -Be $version
        $result.Cmdlets | Should -Be (Import-PowerShellDataFile -LiteralPath $env:GFT_MODULE_PATH).CmdletsToExport.Count
        $result.Valid | Should -BeTrue
        $result.HelpUri | Should -Match '^https://.+/Send-GcFile\.md$'
        $result.EngineLocation | Should -Be (Join-Path $result.ModuleBase 'dependencies/GenesysFileTransfer.Engine.dll')
        $result.EngineContext | Should -Be 'ModuleLoadContext'
    }
}
