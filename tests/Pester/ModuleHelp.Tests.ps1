# Help quality for every exported cmdlet, read through Get-Help from the staged module's MAML (built from
# en-US/*.md). Without MAML, Get-Help still answers, with a synopsis made from the syntax and no descriptions; these
# tests catch that, and help that names parameters the cmdlet no longer has.

BeforeDiscovery {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $module = Import-Module $env:GFT_MODULE_PATH -Force -PassThru
    $common = [System.Management.Automation.PSCmdlet]::CommonParameters + [System.Management.Automation.PSCmdlet]::OptionalCommonParameters
    $cmdlets = @(
        foreach ($command in $module.ExportedCmdlets.Values | Sort-Object Name) {
            @{
                Name       = $command.Name
                Parameters = @($command.Parameters.Keys | Where-Object { $_ -notin $common } | Sort-Object | ForEach-Object { @{ Parameter = $_ } })
            }
        }
    )
}

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $module = Import-Module $env:GFT_MODULE_PATH -Force -PassThru

    function Get-HelpText([object] $Node) {
        # Get-Help hands back paragraphs as objects with a Text property, or nothing at all.
        (@($Node | Where-Object { $_ } | ForEach-Object { $_.Text }) -join "`n").Trim()
    }

    function Get-HelpProperty([object] $Node, [string] $Name) {
        # Help that Get-Help makes up lacks some properties altogether (a parameter's description, for one).
        if ($null -ne $Node -and $Node.PSObject.Properties[$Name]) { $Node.$Name }
    }

    function Get-UnderlyingType([type] $Type) {
        $underlying = [Nullable]::GetUnderlyingType($Type)
        if ($underlying) { $underlying } else { $Type }
    }
}

Describe 'Module help' {
    It 'ships MAML help for the cmdlet assembly' {
        Join-Path $module.ModuleBase 'en-US/GenesysFileTransfer.dll-Help.xml' | Should -Exist
    }

    It 'ships the about_GenesysFileTransfer topic' {
        Join-Path $module.ModuleBase 'en-US/about_GenesysFileTransfer.help.txt' | Should -Exist
    }

    It 'exports cmdlets to check' {
        $module.ExportedCmdlets.Count | Should -BeGreaterThan 0
    }
}

Describe 'Help for <Name>' -ForEach $cmdlets -AllowNullOrEmptyForEach {
    BeforeAll {
        $command = Get-Command -Name $Name -Module $module.Name
        $help = Get-Help -Name $command.Name -Full
        $helpParameters = @(Get-HelpProperty $help 'parameters' | ForEach-Object { Get-HelpProperty $_ 'parameter' } | Where-Object { $_ })
    }

    It 'has a synopsis written by hand' {
        $synopsis = "$($help.Synopsis)".Trim()
        $synopsis | Should -Not -BeNullOrEmpty
        # With no MAML, Get-Help makes up the synopsis from the syntax, which starts with the cmdlet's name.
        $synopsis | Should -Not -BeLike "$Name *" -Because 'a synopsis that repeats the syntax means no MAML was found'
        $synopsis | Should -Not -Match '<CommonParameters>'
    }

    It 'has a HelpUri under the project address, which Get-Help -Online opens' {
        $projectUri = (Import-PowerShellDataFile -LiteralPath $env:GFT_MODULE_PATH).PrivateData.PSData.ProjectUri
        $projectUri | Should -Not -BeNullOrEmpty
        $command.HelpUri | Should -Be "$projectUri/blob/main/en-US/$Name.md"
        # -Online opens the first related link's address when the MAML has one, else the HelpUri: both must agree.
        $online = @(Get-HelpProperty $help 'relatedLinks' | ForEach-Object { Get-HelpProperty $_ 'navigationLink' } | Where-Object { $_.uri })
        $online[0].uri | Should -Be $command.HelpUri
    }

    It 'reads as plain text, without markdown backticks' {
        $text = @(
            Get-HelpText $help.description
            Get-HelpText (Get-HelpProperty $help 'alertSet')
            "$($help.Synopsis)"
            foreach ($parameter in $helpParameters) { Get-HelpText (Get-HelpProperty $parameter 'description') }
        ) -join "`n"
        $text | Should -Not -Match '`[^`\s][^`]*`'
    }

    It 'has a description' {
        Get-HelpText (Get-HelpProperty $help 'description') | Should -Not -BeNullOrEmpty
    }

    It 'has at least one example with code' {
        $examples = @(Get-HelpProperty $help 'examples' | ForEach-Object { Get-HelpProperty $_ 'example' } | Where-Object { $_ })
        $examples.Count | Should -BeGreaterThan 0
        foreach ($example in $examples) {
            "$($example.code)".Trim() | Should -Not -BeNullOrEmpty -Because "example '$($example.title)' needs code"
        }
    }

    It 'describes -<Parameter>' -ForEach $Parameters -AllowNullOrEmptyForEach {
        $documented = $helpParameters | Where-Object name -EQ $Parameter
        $documented | Should -Not -BeNullOrEmpty -Because "en-US/$Name.md needs a '### -$Parameter' section"
        Get-HelpText (Get-HelpProperty $documented 'description') |
            Should -Not -BeNullOrEmpty -Because "en-US/$Name.md needs a description under '### -$Parameter'"
    }

    It 'gives -<Parameter> its real type' -ForEach $Parameters -AllowNullOrEmptyForEach {
        $documented = $helpParameters | Where-Object name -EQ $Parameter
        if (-not (Get-HelpText (Get-HelpProperty $documented 'description'))) {
            # Help Get-Help makes up from the cmdlet itself always has the right type; the test above fails instead.
            Set-ItResult -Skipped -Because "-$Parameter has no written help yet"
            return
        }
        $actual = Get-UnderlyingType $command.Parameters[$Parameter].ParameterType
        $written = "$((Get-HelpProperty $documented 'type').name)"
        # The yaml may spell a type as PowerShell does (int, switch) or as .NET does (Int32, System.Int32).
        $resolved = $written -as [type]
        if ($resolved) {
            Get-UnderlyingType $resolved | Should -Be $actual -Because "the yaml Type of -$Parameter says '$written'"
        }
        else {
            $written | Should -BeIn @($actual.Name, $actual.FullName) -Because "the yaml Type of -$Parameter should match the cmdlet"
        }
    }

    It 'documents no parameter the cmdlet lacks' {
        $documentedNames = @($helpParameters | ForEach-Object { $_.name })
        $stale = @($documentedNames | Where-Object { -not $command.Parameters.ContainsKey($_) })
        $stale | Should -BeNullOrEmpty -Because 'help for a removed or renamed parameter misleads'
    }
}
