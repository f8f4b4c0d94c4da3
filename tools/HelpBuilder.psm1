# Builds MAML (the XML help PowerShell reads for binary cmdlets) from platyPS-style markdown.
# platyPS is not on this project's package source, so this is a small stand-in for its New-ExternalHelp. It relies
# on the fixed platyPS layout: one file per cmdlet, H2 sections in a fixed order, one H3 per example, parameter,
# input or output type, and a yaml block per parameter (one per parameter set when they differ between sets).

Set-StrictMode -Version Latest

$script:SectionOrder = @(
    'SYNOPSIS', 'SYNTAX', 'DESCRIPTION', 'EXAMPLES', 'PARAMETERS', 'INPUTS', 'OUTPUTS', 'NOTES', 'RELATED LINKS'
)

$script:YamlKeys = @(
    'Type', 'Parameter Sets', 'Aliases', 'Required', 'Position', 'Default value', 'Accept pipeline input',
    'Accept wildcard characters', 'Accepted values', 'Applicable'
)

$script:CodeLanguages = @('', 'powershell', 'pwsh', 'ps', 'ps1')

$script:Ns = @{
    msh     = 'http://msh'
    maml    = 'http://schemas.microsoft.com/maml/2004/10'
    command = 'http://schemas.microsoft.com/maml/dev/command/2004/10'
    dev     = 'http://schemas.microsoft.com/maml/dev/2004/10'
}

function ConvertTo-MamlHelp {
    <#
    .SYNOPSIS
    Converts a folder of platyPS-style cmdlet markdown into one MAML help file.
    .DESCRIPTION
    Reads every Verb-Noun.md file in MarkdownPath and writes OutputPath, which PowerShell finds automatically for
    binary cmdlets when it is named '<AssemblyName>.dll-Help.xml' and sits in the culture folder beside the dll.
    Any structural mistake in the markdown stops the conversion with the file and line, so the build fails instead
    of shipping help that silently lost a section.
    #>
    [CmdletBinding()]
    [OutputType([System.IO.FileInfo])]
    param(
        [Parameter(Mandatory)] [string] $MarkdownPath,
        [Parameter(Mandatory)] [string] $OutputPath,
        # The online version of a cmdlet whose markdown names none; {0} is the cmdlet name.
        [string] $OnlineUriFormat
    )

    $files = @(Get-ChildItem -LiteralPath $MarkdownPath -Filter '*.md' -File | Sort-Object Name)
    $commands = [System.Collections.Generic.List[object]]::new()
    foreach ($file in $files) {
        if ($file.BaseName -notmatch '^[A-Za-z]+-[A-Za-z0-9]+$') {
            Write-Warning "Skipping '$($file.FullName)': cmdlet help files are named Verb-Noun.md."
            continue
        }
        $commands.Add((Read-CommandMarkdown -Path $file.FullName -OnlineUriFormat $OnlineUriFormat))
    }

    $fullOutput = [System.IO.Path]::GetFullPath($OutputPath)
    $directory = [System.IO.Path]::GetDirectoryName($fullOutput)
    if (-not (Test-Path -LiteralPath $directory)) {
        $null = New-Item -ItemType Directory -Path $directory -Force
    }
    Write-MamlDocument -Commands $commands -Path $fullOutput
    Get-Item -LiteralPath $fullOutput
}

function Read-CommandMarkdown {
    <#
    .SYNOPSIS
    Parses one cmdlet markdown file into a plain object model (no XML yet).
    #>
    [CmdletBinding()]
    param([Parameter(Mandatory)] [string] $Path, [string] $OnlineUriFormat)

    $lines = [System.IO.File]::ReadAllLines($Path, [System.Text.Encoding]::UTF8)
    $context = @{ Path = $Path }
    $parsed = Split-MarkdownBlocks -Lines $lines -Context $context

    $title = @($parsed.Blocks | Where-Object { $_.Kind -eq 'Heading' -and $_.Level -eq 1 })
    $name = [System.IO.Path]::GetFileNameWithoutExtension($Path)
    if ($title.Count -gt 1) { Stop-Markdown $context $title[1].Line 'more than one H1 heading.' }
    if ($title.Count -eq 1 -and $title[0].Text -ne $name) {
        Stop-Markdown $context $title[0].Line "the H1 '$($title[0].Text)' does not match the file name '$name'."
    }
    if ($parsed.FrontMatter.Contains('title') -and $parsed.FrontMatter['title'] -ne $name) {
        Stop-Markdown $context 1 "front matter title '$($parsed.FrontMatter['title'])' does not match the file name '$name'."
    }

    $sections = Split-Sections -Blocks $parsed.Blocks -Context $context
    if (-not $sections.Contains('SYNOPSIS')) { Stop-Markdown $context 1 'missing ## SYNOPSIS.' }

    $verb, $noun = $name -split '-', 2
    $command = [ordered]@{
        Name         = $name
        Verb         = $verb
        Noun         = $noun
        Synopsis     = @(ConvertTo-Paragraphs -Blocks $sections['SYNOPSIS'] -Context $context)
        Description  = @()
        Examples     = @()
        Parameters   = @()
        Inputs       = @()
        Outputs      = @()
        Notes        = @()
        Links        = @()
    }
    if ($command.Synopsis.Count -eq 0) { Stop-Markdown $context 1 '## SYNOPSIS is empty.' }
    if ($sections.Contains('DESCRIPTION')) {
        $command.Description = @(ConvertTo-Paragraphs -Blocks $sections['DESCRIPTION'] -Context $context)
    }
    if ($sections.Contains('EXAMPLES')) {
        $command.Examples = @(Read-Examples -Blocks $sections['EXAMPLES'] -Context $context)
    }
    if ($sections.Contains('PARAMETERS')) {
        $command.Parameters = @(Read-Parameters -Blocks $sections['PARAMETERS'] -Context $context)
    }
    if ($sections.Contains('INPUTS')) {
        $command.Inputs = @(Read-TypeList -Blocks $sections['INPUTS'] -Context $context -Section 'INPUTS')
    }
    if ($sections.Contains('OUTPUTS')) {
        $command.Outputs = @(Read-TypeList -Blocks $sections['OUTPUTS'] -Context $context -Section 'OUTPUTS')
    }
    if ($sections.Contains('NOTES')) {
        $command.Notes = @(ConvertTo-Paragraphs -Blocks $sections['NOTES'] -Context $context)
    }
    $links = [System.Collections.Generic.List[object]]::new()
    if ($parsed.FrontMatter.Contains('online version') -and $parsed.FrontMatter['online version']) {
        $links.Add([pscustomobject]@{ Text = 'Online Version:'; Uri = $parsed.FrontMatter['online version'] })
    }
    elseif ($OnlineUriFormat) {
        $links.Add([pscustomobject]@{ Text = 'Online Version:'; Uri = $OnlineUriFormat -f $name })
    }
    if ($sections.Contains('RELATED LINKS')) {
        foreach ($link in Read-Links -Blocks $sections['RELATED LINKS'] -Context $context) { $links.Add($link) }
    }
    $command.Links = $links.ToArray()
    [pscustomobject]$command
}

function Split-MarkdownBlocks {
    # Turns lines into front matter plus a flat list of headings, paragraphs and fenced code blocks; headings inside
    # code fences stay code, which is why this is a small state machine rather than a regex over the whole file.
    param([string[]] $Lines, [hashtable] $Context)

    $frontMatter = [ordered]@{}
    $i = 0
    if ($Lines.Count -gt 0 -and $Lines[0].Trim() -eq '---') {
        $i = 1
        while ($i -lt $Lines.Count -and $Lines[$i].Trim() -ne '---') {
            if ($Lines[$i] -match '^\s*([^:#]+?)\s*:\s*(.*?)\s*$') {
                $frontMatter[$Matches[1].ToLowerInvariant()] = $Matches[2].Trim('"', "'")
            }
            $i++
        }
        if ($i -ge $Lines.Count) { Stop-Markdown $Context 1 'front matter opened with --- is never closed.' }
        $i++
    }

    $blocks = [System.Collections.Generic.List[object]]::new()
    $paragraph = $null
    while ($i -lt $Lines.Count) {
        $line = $Lines[$i]
        $lineNumber = $i + 1
        if ($line -match '^\s{0,3}(`{3,}|~{3,})\s*([^\s`]*)') {
            $paragraph = $null
            $fence = $Matches[1]
            $language = $Matches[2].ToLowerInvariant()
            $code = [System.Collections.Generic.List[string]]::new()
            $i++
            while ($i -lt $Lines.Count -and -not ($Lines[$i] -match "^\s{0,3}$([regex]::Escape($fence[0]))" + "{$($fence.Length),}\s*$")) {
                $code.Add($Lines[$i])
                $i++
            }
            if ($i -ge $Lines.Count) { Stop-Markdown $Context $lineNumber 'code fence is never closed.' }
            $blocks.Add([pscustomobject]@{ Kind = 'Code'; Language = $language; Text = ($code -join "`n"); Line = $lineNumber })
            $i++
            continue
        }
        if ($line -match '^(#{1,6})\s+(.*?)\s*#*\s*$') {
            $paragraph = $null
            $blocks.Add([pscustomobject]@{ Kind = 'Heading'; Level = $Matches[1].Length; Text = $Matches[2]; Line = $lineNumber })
        }
        elseif ($line.Trim() -eq '') {
            $paragraph = $null
        }
        else {
            if ($null -eq $paragraph) {
                $paragraph = [pscustomobject]@{ Kind = 'Paragraph'; Lines = [System.Collections.Generic.List[string]]::new(); Line = $lineNumber }
                $blocks.Add($paragraph)
            }
            $paragraph.Lines.Add($line)
        }
        $i++
    }
    [pscustomobject]@{ FrontMatter = $frontMatter; Blocks = $blocks.ToArray() }
}

function Split-Sections {
    param([object[]] $Blocks, [hashtable] $Context)

    $sections = [ordered]@{}
    $current = $null
    $lastIndex = -1
    foreach ($block in $Blocks) {
        if ($block.Kind -eq 'Heading' -and $block.Level -eq 1) { continue }
        if ($block.Kind -eq 'Heading' -and $block.Level -eq 2) {
            $name = $block.Text.Trim().ToUpperInvariant()
            $index = [array]::IndexOf($script:SectionOrder, $name)
            if ($index -lt 0) {
                Stop-Markdown $Context $block.Line "unknown section '## $($block.Text)'; expected one of: $($script:SectionOrder -join ', ')."
            }
            if ($sections.Contains($name)) { Stop-Markdown $Context $block.Line "section '## $name' appears twice." }
            if ($index -lt $lastIndex) {
                Stop-Markdown $Context $block.Line "section '## $name' is out of order; the order is: $($script:SectionOrder -join ', ')."
            }
            $lastIndex = $index
            $current = [System.Collections.Generic.List[object]]::new()
            $sections[$name] = $current
            continue
        }
        if ($null -eq $current) {
            Stop-Markdown $Context $block.Line 'content before the first ## section.'
        }
        $current.Add($block)
    }
    # Lists, not arrays, are stored; callers want plain arrays.
    $result = [ordered]@{}
    foreach ($key in $sections.Keys) { $result[$key] = $sections[$key].ToArray() }
    $result
}

function Split-BySubheading {
    # Groups a section's blocks under its H3 headings; text before the first H3 is an error in sections that are
    # lists of H3 items, because it would otherwise be dropped from the MAML without anyone noticing.
    param([object[]] $Blocks, [hashtable] $Context, [string] $Section)

    $items = [System.Collections.Generic.List[object]]::new()
    $current = $null
    foreach ($block in $Blocks) {
        if ($block.Kind -eq 'Heading' -and $block.Level -eq 3) {
            $current = [pscustomobject]@{ Title = $block.Text.Trim(); Line = $block.Line; Blocks = [System.Collections.Generic.List[object]]::new() }
            $items.Add($current)
            continue
        }
        if ($block.Kind -eq 'Heading') {
            Stop-Markdown $Context $block.Line "unexpected heading level $($block.Level) in ## $Section (items are ### headings)."
        }
        if ($null -eq $current) {
            Stop-Markdown $Context $block.Line "text in ## $Section before its first ### heading."
        }
        $current.Blocks.Add($block)
    }
    $items.ToArray()
}

function Read-Examples {
    param([object[]] $Blocks, [hashtable] $Context)

    foreach ($item in Split-BySubheading -Blocks $Blocks -Context $Context -Section 'EXAMPLES') {
        $introduction = [System.Collections.Generic.List[object]]::new()
        $code = [System.Collections.Generic.List[string]]::new()
        $remarks = [System.Collections.Generic.List[object]]::new()
        foreach ($block in $item.Blocks) {
            if ($block.Kind -eq 'Code' -and $script:CodeLanguages -contains $block.Language -and $remarks.Count -eq 0) {
                $code.Add($block.Text)
            }
            elseif ($code.Count -eq 0 -and $block.Kind -eq 'Paragraph') {
                $introduction.Add($block)
            }
            else {
                $remarks.Add($block)
            }
        }
        if ($code.Count -eq 0) {
            Stop-Markdown $Context $item.Line "example '$($item.Title)' has no ``````powershell code block."
        }
        [pscustomobject]@{
            Title        = $item.Title
            Introduction = @(ConvertTo-Paragraphs -Blocks $introduction.ToArray() -Context $Context)
            Code         = ($code -join "`n`n")
            Remarks      = @(ConvertTo-Paragraphs -Blocks $remarks.ToArray() -Context $Context)
        }
    }
}

function Read-Parameters {
    param([object[]] $Blocks, [hashtable] $Context)

    foreach ($item in Split-BySubheading -Blocks $Blocks -Context $Context -Section 'PARAMETERS') {
        # platyPS lists the common parameters under this heading with a boilerplate sentence; PowerShell adds them.
        if ($item.Title -eq 'CommonParameters') { continue }
        if ($item.Title -notmatch '^-([A-Za-z_][A-Za-z0-9_]*)$') {
            Stop-Markdown $Context $item.Line "parameter heading '### $($item.Title)' must be '### -Name'."
        }
        $name = $Matches[1]
        $descriptionBlocks = @($item.Blocks | Where-Object { -not ($_.Kind -eq 'Code' -and $_.Language -eq 'yaml') })
        $yamlBlocks = @($item.Blocks | Where-Object { $_.Kind -eq 'Code' -and $_.Language -eq 'yaml' })
        if ($yamlBlocks.Count -eq 0) {
            Stop-Markdown $Context $item.Line "parameter -$name has no ``````yaml block."
        }

        $sets = foreach ($yamlBlock in $yamlBlocks) { Read-ParameterYaml -Block $yamlBlock -Context $Context -Name $name }
        $sets = @($sets)
        $first = $sets[0]
        [pscustomobject]@{
            Name           = $name
            Description    = @(ConvertTo-Paragraphs -Blocks $descriptionBlocks -Context $Context)
            Type           = $first.Type
            Aliases        = $first.Aliases
            Globbing       = $first.Globbing
            PipelineInput  = $first.PipelineInput
            DefaultValue   = $first.DefaultValue
            AcceptedValues = $first.AcceptedValues
            Required       = [bool]($sets | Where-Object Required)
            Position       = $first.Position
            Sets           = $sets
        }
    }
}

function Read-ParameterYaml {
    param([object] $Block, [hashtable] $Context, [string] $Name)

    $values = @{}
    $lineNumber = $Block.Line
    foreach ($line in $Block.Text -split "`n") {
        $lineNumber++
        if ($line.Trim() -eq '') { continue }
        if ($line -notmatch '^\s*([^:]+?)\s*:\s*(.*?)\s*$') {
            Stop-Markdown $Context $lineNumber "parameter -${Name}: yaml line '$line' is not 'Key: value'."
        }
        $key = $script:YamlKeys | Where-Object { $_ -eq $Matches[1] } | Select-Object -First 1
        if (-not $key) {
            Stop-Markdown $Context $lineNumber "parameter -${Name}: unknown yaml key '$($Matches[1])'; known keys: $($script:YamlKeys -join ', ')."
        }
        $values[$key] = $Matches[2]
    }
    if (-not $values['Type']) { Stop-Markdown $Context $Block.Line "parameter -${Name}: yaml has no Type." }

    $setText = if ($values['Parameter Sets']) { $values['Parameter Sets'] } else { '(All)' }
    $setNames = @($setText -split ',' | ForEach-Object Trim | Where-Object { $_ })
    $required = if ($values.ContainsKey('Required')) { ConvertTo-YamlBool $values['Required'] $Context $Block.Line $Name 'Required' } else { $false }
    $globbing = if ($values.ContainsKey('Accept wildcard characters')) {
        ConvertTo-YamlBool $values['Accept wildcard characters'] $Context $Block.Line $Name 'Accept wildcard characters'
    }
    else { $false }
    $position = if ($values['Position'] -and $values['Position'] -ne 'Named') { $values['Position'] } else { 'named' }
    if ($position -ne 'named' -and $position -notmatch '^\d+$') {
        Stop-Markdown $Context $Block.Line "parameter -${Name}: Position '$position' is neither Named nor a number."
    }
    $aliases = @(if ($values['Aliases'] -and $values['Aliases'] -ne 'None') { $values['Aliases'] -split ',' | ForEach-Object Trim | Where-Object { $_ } })
    $accepted = @(if ($values['Accepted values']) { $values['Accepted values'] -split ',' | ForEach-Object Trim | Where-Object { $_ } })

    [pscustomobject]@{
        Type           = $values['Type']
        Names          = $setNames
        Required       = $required
        Position       = $position
        Aliases        = $aliases
        Globbing       = $globbing
        PipelineInput  = if ($values['Accept pipeline input']) { $values['Accept pipeline input'] } else { 'False' }
        DefaultValue   = if ($values['Default value']) { $values['Default value'] } else { 'None' }
        AcceptedValues = $accepted
    }
}

function ConvertTo-YamlBool {
    param([string] $Text, [hashtable] $Context, [int] $Line, [string] $Name, [string] $Key)
    switch -Regex ($Text) {
        '^(?i:true)$' { return $true }
        '^(?i:false)$' { return $false }
        default { Stop-Markdown $Context $Line "parameter -${Name}: '$Key' must be True or False, not '$Text'." }
    }
}

function Read-TypeList {
    param([object[]] $Blocks, [hashtable] $Context, [string] $Section)

    foreach ($item in Split-BySubheading -Blocks $Blocks -Context $Context -Section $Section) {
        [pscustomobject]@{
            Type        = $item.Title
            Description = @(ConvertTo-Paragraphs -Blocks $item.Blocks.ToArray() -Context $Context)
        }
    }
}

function Read-Links {
    param([object[]] $Blocks, [hashtable] $Context)

    foreach ($block in $Blocks) {
        if ($block.Kind -ne 'Paragraph') {
            Stop-Markdown $Context $block.Line '## RELATED LINKS holds only links, one a line.'
        }
        foreach ($line in $block.Lines) {
            $text = $line.Trim() -replace '^([-*+]|\d+\.)\s+', ''
            if ($text -match '^\[([^\]]*)\]\(([^)\s]*)\)$') {
                [pscustomobject]@{ Text = $Matches[1]; Uri = $Matches[2] }
            }
            elseif ($text -match '^<?(https?://\S+?)>?$') {
                [pscustomobject]@{ Text = $Matches[1]; Uri = $Matches[1] }
            }
            elseif ($text) {
                [pscustomobject]@{ Text = (ConvertFrom-Inline $text); Uri = '' }
            }
        }
    }
}

function ConvertTo-Paragraphs {
    # One string per MAML paragraph. Markdown joins wrapped lines with spaces, but list items and hard breaks keep
    # their own line; code blocks keep their layout, indented so Get-Help shows them apart from prose.
    param([object[]] $Blocks, [hashtable] $Context)

    foreach ($block in $Blocks) {
        switch ($block.Kind) {
            'Paragraph' {
                $builder = [System.Text.StringBuilder]::new()
                $breakNext = $false
                foreach ($raw in $block.Lines) {
                    $isListItem = $raw -match '^\s*([-*+]|\d+\.)\s+'
                    $hardBreak = $raw -match '(\s{2,}|\\)$'
                    $line = $raw.Trim()
                    if ($hardBreak) { $line = $line.TrimEnd('\').TrimEnd() }
                    if ($builder.Length -gt 0) {
                        if ($isListItem -or $breakNext) { [void]$builder.Append("`n") } else { [void]$builder.Append(' ') }
                    }
                    [void]$builder.Append($line)
                    $breakNext = $hardBreak
                }
                ConvertFrom-Inline $builder.ToString()
            }
            'Code' {
                (($block.Text -split "`n") | ForEach-Object { if ($_) { "    $_" } else { '' } }) -join "`n"
            }
            'Heading' {
                Stop-Markdown $Context $block.Line "unexpected heading '$($block.Text)' here."
            }
        }
    }
}

function ConvertFrom-Inline {
    # Get-Help prints plain text: links become 'text (url)', code spans lose their backticks, emphasis markers go,
    # markdown escapes are undone (an escaped backtick stays a backtick).
    param([string] $Text)
    $Text = [regex]::Replace($Text, '(?<![\\`])(`+)(?!`)(.+?)(?<!`)\1(?!`)', { param($m) $m.Groups[2].Value.Trim() })
    $Text = [regex]::Replace($Text, '\[([^\]]+)\]\(([^)\s]+)\)', {
            param($m)
            if ($m.Groups[1].Value -eq $m.Groups[2].Value) { $m.Groups[2].Value } else { "$($m.Groups[1].Value) ($($m.Groups[2].Value))" }
        })
    $Text = $Text -replace '\*\*(.+?)\*\*', '$1' -replace '(?<![\w])__(.+?)__(?![\w])', '$1'
    $Text -replace '\\([\\`*_{}\[\]()#+\-.!<>|])', '$1'
}

function Stop-Markdown {
    param([hashtable] $Context, [int] $Line, [string] $Message)
    throw "$($Context.Path):${Line}: $Message"
}

function Write-MamlDocument {
    param([object[]] $Commands, [string] $Path)

    $settings = [System.Xml.XmlWriterSettings]::new()
    $settings.Indent = $true
    $settings.IndentChars = '  '
    $settings.Encoding = [System.Text.UTF8Encoding]::new($false)
    $settings.NewLineChars = "`n"
    $writer = [System.Xml.XmlWriter]::Create($Path, $settings)
    try {
        $writer.WriteStartDocument()
        $writer.WriteStartElement('helpItems', $script:Ns.msh)
        $writer.WriteAttributeString('schema', 'maml')
        $writer.WriteAttributeString('xmlns', 'maml', $null, $script:Ns.maml)
        $writer.WriteAttributeString('xmlns', 'command', $null, $script:Ns.command)
        $writer.WriteAttributeString('xmlns', 'dev', $null, $script:Ns.dev)
        foreach ($command in $Commands) { Write-MamlCommand -Writer $writer -Command $command }
        $writer.WriteEndElement()
        $writer.WriteEndDocument()
    }
    finally {
        $writer.Dispose()
    }
}

function Write-MamlCommand {
    param([System.Xml.XmlWriter] $Writer, [object] $Command)

    $Writer.WriteStartElement('command', 'command', $script:Ns.command)

    $Writer.WriteStartElement('command', 'details', $script:Ns.command)
    Write-Element $Writer 'command' 'name' $Command.Name
    Write-Element $Writer 'command' 'verb' $Command.Verb
    Write-Element $Writer 'command' 'noun' $Command.Noun
    Write-Description $Writer $Command.Synopsis
    $Writer.WriteEndElement()

    Write-Description $Writer $Command.Description

    $Writer.WriteStartElement('command', 'syntax', $script:Ns.command)
    foreach ($syntaxItem in Get-SyntaxItems -Parameters $Command.Parameters) {
        $Writer.WriteStartElement('command', 'syntaxItem', $script:Ns.command)
        Write-Element $Writer 'maml' 'name' $Command.Name
        foreach ($entry in $syntaxItem) {
            Write-MamlParameter -Writer $Writer -Parameter $entry.Parameter -Required $entry.Required -Position $entry.Position -InSyntax
        }
        $Writer.WriteEndElement()
    }
    $Writer.WriteEndElement()

    $Writer.WriteStartElement('command', 'parameters', $script:Ns.command)
    foreach ($parameter in $Command.Parameters) {
        Write-MamlParameter -Writer $Writer -Parameter $parameter -Required $parameter.Required -Position $parameter.Position
    }
    $Writer.WriteEndElement()

    Write-TypeList $Writer 'inputTypes' 'inputType' $Command.Inputs
    Write-TypeList $Writer 'returnValues' 'returnValue' $Command.Outputs

    if ($Command.Notes.Count -gt 0) {
        $Writer.WriteStartElement('maml', 'alertSet', $script:Ns.maml)
        $Writer.WriteStartElement('maml', 'alert', $script:Ns.maml)
        foreach ($para in $Command.Notes) { Write-Element $Writer 'maml' 'para' $para }
        $Writer.WriteEndElement()
        $Writer.WriteEndElement()
    }

    $Writer.WriteStartElement('command', 'examples', $script:Ns.command)
    foreach ($example in $Command.Examples) {
        $Writer.WriteStartElement('command', 'example', $script:Ns.command)
        # Get-Help prints the title verbatim; the dashes are how every PowerShell help file sets examples apart.
        Write-Element $Writer 'maml' 'title' "-------------------------- $($example.Title) --------------------------"
        # maml:introduction is the prompt Get-Help prints on the code's first line, so text written above the code in
        # markdown opens the remarks instead.
        Write-Element $Writer 'dev' 'code' $example.Code
        $Writer.WriteStartElement('dev', 'remarks', $script:Ns.dev)
        foreach ($para in @($example.Introduction) + @($example.Remarks)) { Write-Element $Writer 'maml' 'para' $para }
        # An empty last paragraph leaves a blank line before the next example's title.
        Write-Element $Writer 'maml' 'para' ''
        $Writer.WriteEndElement()
        $Writer.WriteEndElement()
    }
    $Writer.WriteEndElement()

    $Writer.WriteStartElement('maml', 'relatedLinks', $script:Ns.maml)
    foreach ($link in $Command.Links) {
        $Writer.WriteStartElement('maml', 'navigationLink', $script:Ns.maml)
        Write-Element $Writer 'maml' 'linkText' $link.Text
        Write-Element $Writer 'maml' 'uri' $link.Uri
        $Writer.WriteEndElement()
    }
    $Writer.WriteEndElement()

    $Writer.WriteEndElement()
}

function Get-SyntaxItems {
    # One syntax item per parameter set named in the yaml blocks (in order of first mention); '(All)' parameters
    # join every set. Positional parameters come first by position, the rest in document order, as PowerShell
    # orders its own generated syntax.
    param([object[]] $Parameters)

    $setNames = [System.Collections.Generic.List[string]]::new()
    foreach ($parameter in $Parameters) {
        foreach ($set in $parameter.Sets) {
            foreach ($setName in $set.Names) {
                if ($setName -ne '(All)' -and -not $setNames.Contains($setName)) { $setNames.Add($setName) }
            }
        }
    }
    if ($setNames.Count -eq 0) { $setNames.Add('(All)') }

    foreach ($setName in $setNames) {
        $entries = [System.Collections.Generic.List[object]]::new()
        $order = 0
        foreach ($parameter in $Parameters) {
            $set = $parameter.Sets | Where-Object { $_.Names -contains $setName -or $_.Names -contains '(All)' } | Select-Object -First 1
            if (-not $set) { continue }
            $entries.Add([pscustomobject]@{
                    Parameter = $parameter
                    Required  = $set.Required
                    Position  = $set.Position
                    SortKey   = if ($set.Position -eq 'named') { [int]::MaxValue } else { [int]$set.Position }
                    Order     = $order++
                })
        }
        # The comma keeps each set's entries together as one pipeline item.
        , @($entries | Sort-Object SortKey, Order)
    }
}

function Write-MamlParameter {
    param(
        [System.Xml.XmlWriter] $Writer,
        [object] $Parameter,
        [bool] $Required,
        [string] $Position,
        [switch] $InSyntax
    )

    $isSwitch = $Parameter.Type -match '^(System\.Management\.Automation\.)?SwitchParameter$'
    $Writer.WriteStartElement('command', 'parameter', $script:Ns.command)
    $Writer.WriteAttributeString('required', $Required.ToString().ToLowerInvariant())
    $Writer.WriteAttributeString('variableLength', ($Parameter.Type -like '*[[]]').ToString().ToLowerInvariant())
    $Writer.WriteAttributeString('globbing', $Parameter.Globbing.ToString().ToLowerInvariant())
    $Writer.WriteAttributeString('pipelineInput', $Parameter.PipelineInput)
    $Writer.WriteAttributeString('position', $Position)
    $Writer.WriteAttributeString('aliases', $(if ($Parameter.Aliases.Count -gt 0) { $Parameter.Aliases -join ', ' } else { 'none' }))
    Write-Element $Writer 'maml' 'name' $Parameter.Name
    Write-Description $Writer $Parameter.Description
    # Switches carry no value: without a parameterValue Get-Help shows '[-Force]' rather than '[-Force <SwitchParameter>]'.
    if (-not $isSwitch) {
        if ($InSyntax -and $Parameter.AcceptedValues.Count -gt 0) {
            $Writer.WriteStartElement('command', 'parameterValueGroup', $script:Ns.command)
            foreach ($value in $Parameter.AcceptedValues) {
                $Writer.WriteStartElement('command', 'parameterValue', $script:Ns.command)
                $Writer.WriteAttributeString('required', 'false')
                $Writer.WriteAttributeString('variableLength', 'false')
                $Writer.WriteString($value)
                $Writer.WriteEndElement()
            }
            $Writer.WriteEndElement()
        }
        else {
            $Writer.WriteStartElement('command', 'parameterValue', $script:Ns.command)
            $Writer.WriteAttributeString('required', 'true')
            $Writer.WriteAttributeString('variableLength', 'false')
            $Writer.WriteString($Parameter.Type)
            $Writer.WriteEndElement()
        }
    }
    $Writer.WriteStartElement('dev', 'type', $script:Ns.dev)
    Write-Element $Writer 'maml' 'name' $Parameter.Type
    Write-Element $Writer 'maml' 'uri' ''
    $Writer.WriteEndElement()
    Write-Element $Writer 'dev' 'defaultValue' $Parameter.DefaultValue
    $Writer.WriteEndElement()
}

function Write-TypeList {
    param([System.Xml.XmlWriter] $Writer, [string] $ListName, [string] $ItemName, [object[]] $Items)

    $Writer.WriteStartElement('command', $ListName, $script:Ns.command)
    foreach ($item in $Items) {
        $Writer.WriteStartElement('command', $ItemName, $script:Ns.command)
        $Writer.WriteStartElement('dev', 'type', $script:Ns.dev)
        Write-Element $Writer 'maml' 'name' $item.Type
        $Writer.WriteEndElement()
        Write-Description $Writer $item.Description
        $Writer.WriteEndElement()
    }
    $Writer.WriteEndElement()
}

function Write-Description {
    param([System.Xml.XmlWriter] $Writer, [string[]] $Paragraphs)
    $Writer.WriteStartElement('maml', 'description', $script:Ns.maml)
    foreach ($para in $Paragraphs) { Write-Element $Writer 'maml' 'para' $para }
    $Writer.WriteEndElement()
}

function Write-Element {
    # WriteElementString escapes &, < and > in text, so markdown content needs no escaping of its own.
    param([System.Xml.XmlWriter] $Writer, [string] $Prefix, [string] $LocalName, [string] $Text)
    $Writer.WriteElementString($Prefix, $LocalName, $script:Ns[$Prefix], $Text)
}

Export-ModuleMember -Function ConvertTo-MamlHelp, Read-CommandMarkdown
