# The staged module as a user receives it: a valid manifest whose promises (exports, editions) hold, a folder with
# nothing PowerShell brings itself, and cmdlets that tell PowerShell what they output.

BeforeDiscovery {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $manifestCmdlets = @((Import-PowerShellDataFile -LiteralPath $env:GFT_MODULE_PATH).CmdletsToExport | ForEach-Object { @{ Name = $_ } })
}

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $manifestPath = $env:GFT_MODULE_PATH
    $manifest = Import-PowerShellDataFile -LiteralPath $manifestPath
    $moduleFolder = Split-Path $manifestPath -Parent
    $module = Import-Module $manifestPath -Force -PassThru
}

Describe 'Module manifest' {
    It 'carries what the PowerShell Gallery shows: project, licence and release notes' {
        $psData = $manifest.PrivateData.PSData
        $psData.ProjectUri | Should -Match '^https://'
        $psData.LicenseUri | Should -Be "$($psData.ProjectUri)/blob/main/LICENSE"
        $psData.ReleaseNotes | Should -Not -BeNullOrEmpty
        Join-Path $moduleFolder 'LICENSE' | Should -Exist
        Get-Content -LiteralPath (Join-Path $moduleFolder 'LICENSE') -Raw | Should -Match 'MIT License[\s\S]*GenesysFileTransfer contributors'
    }

    It 'passes Test-ModuleManifest' {
        { Test-ModuleManifest -Path $manifestPath -ErrorAction Stop } | Should -Not -Throw
    }

    It 'is compatible with Windows PowerShell (Desktop) and PowerShell 7 (Core)' {
        $manifest.CompatiblePSEditions | Should -Contain 'Desktop'
        $manifest.CompatiblePSEditions | Should -Contain 'Core'
    }

    It 'lists its cmdlets explicitly' {
        @($manifest.CmdletsToExport).Count | Should -BeGreaterThan 0
        $manifest.CmdletsToExport | Should -Not -Contain '*'
    }

    It 'exports exactly the cmdlets the manifest lists' {
        @($module.ExportedCmdlets.Keys | Sort-Object) | Should -Be @($manifest.CmdletsToExport | Sort-Object)
    }

    It 'exports no functions, aliases or variables' {
        $module.ExportedFunctions.Count | Should -Be 0
        $module.ExportedAliases.Count | Should -Be 0
        $module.ExportedVariables.Count | Should -Be 0
    }

    It 'imports twice with -Force' {
        {
            Import-Module $manifestPath -Force -ErrorAction Stop
            Import-Module $manifestPath -Force -ErrorAction Stop
        } | Should -Not -Throw
        Get-Module -Name $module.Name | Should -HaveCount 1
    }
}

Describe 'Staged module folder' {
    It 'holds no PowerShell assemblies, symbols or deps.json' {
        $unwanted = Get-ChildItem -LiteralPath $moduleFolder -Recurse -File | Where-Object {
            $_.Name -eq 'System.Management.Automation.dll' -or $_.Name -like 'Microsoft.PowerShell.*.dll' -or
            $_.Extension -eq '.pdb' -or $_.Name -like '*.deps.json'
        }
        $unwanted | Should -BeNullOrEmpty
    }

    It 'holds every file the manifest names' {
        Join-Path $moduleFolder $manifest.RootModule | Should -Exist
        foreach ($nested in @($manifest['NestedModules'] | Where-Object { $_ })) {
            Join-Path $moduleFolder $nested | Should -Exist
        }
        foreach ($format in @($manifest['FormatsToProcess'] | Where-Object { $_ })) {
            Join-Path $moduleFolder $format | Should -Exist
        }
    }
}

Describe '<Name>' -ForEach $manifestCmdlets {
    It 'declares an OutputType' {
        $command = Get-Command -Name $Name -Module $module.Name -ErrorAction SilentlyContinue
        $command | Should -Not -BeNullOrEmpty -Because "the manifest exports $Name"
        $command.OutputType | Should -Not -BeNullOrEmpty -Because 'OutputType feeds tab completion and Get-Help'
    }
}
