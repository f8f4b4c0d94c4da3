# Tab completion for values that come from a fixed set.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module $env:GFT_MODULE_PATH -Force

    function Get-Completions([string] $Line) {
        (TabExpansion2 -inputScript $Line -cursorColumn $Line.Length).CompletionMatches.CompletionText
    }
}

Describe 'Tab completion' {
    It 'completes Genesys Cloud regions for -Region' {
        $completions = Get-Completions 'Connect-GcCloud -Region eu_w'

        $completions | Should -Be @('eu_west_1', 'eu_west_2')
    }

    It 'completes every region when nothing is typed' {
        $completions = Get-Completions 'Connect-GcCloud -Region '

        $completions | Should -Contain 'us_east_1'
        $completions | Should -Contain 'ap_southeast_2'
        @($completions).Count | Should -Be 18
    }

    It 'completes the supported encryption standards' {
        $completions = Get-Completions 'Test-GcFileTransferPayload -Path x.pdf -EncryptionStandard '

        $completions | Should -Be @('AES-256', 'RSA-2048')
    }

    It 'completes content types of the default policy' {
        $completions = Get-Completions 'New-GcFileTransfer -Path x -ContentType image/'

        $completions | Should -Be @('image/png', 'image/jpeg')
    }
}
