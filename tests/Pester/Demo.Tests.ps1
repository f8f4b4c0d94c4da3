# The README's first command runs tools/Demo.ps1; this keeps it working at every commit. The demo checks its own
# outcome (exit code 0 only when every file ended as expected); here that is checked from the outside, in a fresh
# PowerShell, together with what it printed and what it left in its DMS folder.

Describe 'The demo' {
    BeforeAll {
        $work = Join-Path $TestDrive 'demo'
        $executable = [System.Diagnostics.Process]::GetCurrentProcess().MainModule.FileName
        $start = [System.Diagnostics.ProcessStartInfo]::new($executable)
        if ([System.IO.Path]::GetFileNameWithoutExtension($executable) -eq 'dotnet') { $start.ArgumentList.Add((Join-Path $PSHOME 'pwsh.dll')) }
        $demo = Join-Path (Split-Path (Split-Path $PSScriptRoot -Parent) -Parent) 'tools/Demo.ps1'
        foreach ($argument in @('-NoProfile', '-NonInteractive', '-File', $demo, '-ModulePath', $env:GFT_MODULE_PATH, '-EmulatorPath', $env:GFT_EMULATOR_PATH, '-WorkPath', $work)) {
            $start.ArgumentList.Add($argument)
        }
        $start.UseShellExecute = $false
        $start.RedirectStandardOutput = $true
        $start.RedirectStandardError = $true
        $process = [System.Diagnostics.Process]::Start($start)
        $stdout = $process.StandardOutput.ReadToEndAsync()
        $stderr = $process.StandardError.ReadToEndAsync()
        if (-not $process.WaitForExit(180000)) { $process.Kill($true); throw 'The demo did not finish within 180 s.' }
        $output = $stdout.Result
    }

    It 'ends with exit code 0 and its success line' {
        $process.ExitCode | Should -Be 0 -Because $stderr.Result
        $output | Should -Match 'Every file ended as expected: 4 delivered, 1 refused by local validation, 1 rejected by Genesys \(sent without a local scan\)'
    }

    It 'names clamd as the one that refused the test file when clamd is installed, and Genesys only for the run without it' {
        $clamdInstalled = [bool](Get-Command clamd -ErrorAction Ignore) -or (Test-Path -LiteralPath '/usr/sbin/clamd')
        if ($clamdInstalled) {
            $output | Should -Match 'scan-test\.txt: FileInfected'
            $output | Should -Match 'With clamd scanning, the same test file was refused on this machine \(FileInfected\) before anything was sent\.'
        }
        else {
            $output | Should -Match 'clamd \(ClamAV''s daemon\) is not installed'
            $output | Should -Not -Match 'With clamd scanning'
        }
    }

    It 'archives each delivered file once, with a metadata sidecar' {
        $documents = @(Get-ChildItem -LiteralPath (Join-Path $work 'dms') -Recurse -File | Where-Object Name -NotLike '*.metadata.json')
        $sidecars = @(Get-ChildItem -LiteralPath (Join-Path $work 'dms') -Recurse -File -Filter '*.metadata.json')
        $documents.Count | Should -Be 4
        $sidecars.Count | Should -Be 4
        $documents.Name | Sort-Object | Should -Be @('case-notes.txt', 'invoice-2026-118.pdf', 'network-diagram.png', 'signed-form.jpg')
    }
}
