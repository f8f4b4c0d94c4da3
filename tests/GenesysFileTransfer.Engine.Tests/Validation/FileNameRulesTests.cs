using GenesysFileTransfer.Engine.Validation;
using Xunit;

namespace GenesysFileTransfer.Engine.Tests.Validation
{
    public class FileNameRulesTests
    {
        [Theory]
        [InlineData("report.pdf")]
        [InlineData("Invoice_2024-03_v2.PDF")]
        [InlineData("r\u00E9sum\u00E9-na\u00EFve.txt")]
        [InlineData("no-extension")]
        [InlineData("archive.tar.gz")]
        [InlineData("CONSOLE.txt")] // only the exact device names are reserved
        [InlineData("COM10.log")]
        [InlineData("NULL.txt")]
        [InlineData("a")]
        public void AcceptsOrdinaryNames(string name)
        {
            Assert.Empty(FileNameRules.Check(name));
        }

        [Theory]
        [InlineData("")]
        [InlineData(null)]
        public void EmptyNameIsReportedOnceAndNothingElse(string? name)
        {
            var failure = Assert.Single(FileNameRules.Check(name!));
            Assert.Equal(ValidationErrorCodes.FileNameEmpty, failure.ErrorCode);
            Assert.Equal(ValidationFields.FileName, failure.Field);
        }

        [Fact]
        public void NameOf255CharactersIsAcceptedAnd256IsTooLong()
        {
            Assert.Empty(FileNameRules.Check(new string('a', 251) + ".pdf"));

            var failure = Assert.Single(FileNameRules.Check(new string('a', 252) + ".pdf"));
            Assert.Equal(ValidationErrorCodes.FileNameTooLong, failure.ErrorCode);
            Assert.Contains("256", failure.Message);
            Assert.Contains("255", failure.Message);
        }

        [Theory]
        [InlineData(".env", ValidationErrorCodes.FileNameLeadingDot)]
        [InlineData("folder/", ValidationErrorCodes.FileNameTrailingSlash)]
        [InlineData("my report.pdf", ValidationErrorCodes.FileNameWhitespace)]
        [InlineData("tab\there.txt", ValidationErrorCodes.FileNameWhitespace)]
        [InlineData("bell\u0007.txt", ValidationErrorCodes.FileNameControlCharacter)]
        [InlineData("del\u007F.txt", ValidationErrorCodes.FileNameControlCharacter)]
        [InlineData("invoice\u202Efdp.exe", ValidationErrorCodes.FileNameControlCharacter)]
        [InlineData("CON", ValidationErrorCodes.FileNameReservedDeviceName)]
        [InlineData("nul.txt", ValidationErrorCodes.FileNameReservedDeviceName)]
        [InlineData("Com1.tar.gz", ValidationErrorCodes.FileNameReservedDeviceName)]
        [InlineData("LPT9.pdf", ValidationErrorCodes.FileNameReservedDeviceName)]
        [InlineData("aux", ValidationErrorCodes.FileNameReservedDeviceName)]
        [InlineData("report.", ValidationErrorCodes.FileNameTrailingDotOrSpace)]
        [InlineData("report.pdf ", ValidationErrorCodes.FileNameTrailingDotOrSpace)]
        public void ReportsTheBrokenRule(string name, string expectedCode)
        {
            var failures = FileNameRules.Check(name);

            Assert.Contains(failures, f => f.ErrorCode == expectedCode);
            Assert.All(failures, f => Assert.Equal(ValidationFields.FileName, f.Field));
        }

        [Theory]
        [InlineData('\\')]
        [InlineData('{')]
        [InlineData('^')]
        [InlineData('}')]
        [InlineData('%')]
        [InlineData('`')]
        [InlineData(']')]
        [InlineData('"')]
        [InlineData('>')]
        [InlineData('[')]
        [InlineData('~')]
        [InlineData('<')]
        [InlineData('#')]
        [InlineData('|')]
        [InlineData('/')]
        [InlineData(':')]
        [InlineData('*')]
        [InlineData('?')]
        public void EachForbiddenCharacterIsReported(char forbidden)
        {
            var failure = Assert.Single(FileNameRules.Check("a" + forbidden + "b.pdf"));

            Assert.Equal(ValidationErrorCodes.FileNameForbiddenCharacter, failure.ErrorCode);
            Assert.Equal("a" + forbidden + "b.pdf", failure.AttemptedValue);
        }

        [Fact]
        public void ForbiddenCharacterMessageNamesOnlyTheOffendersFoundThenTheWholeList()
        {
            var failure = Assert.Single(FileNameRules.Check("q1#final%v2#.pdf"));

            // Offenders first, once each, then the full list for reference.
            Assert.StartsWith("The file name 'q1#final%v2#.pdf' contains # %;", failure.Message);
            Assert.Contains("none of \\ { ^ } % ` ] \" > [ ~ < # | / : * ? are allowed", failure.Message);
        }

        [Fact]
        public void TrailingSlashIsNotAlsoCountedAsAForbiddenSeparator()
        {
            var failure = Assert.Single(FileNameRules.Check("name/"));
            Assert.Equal(ValidationErrorCodes.FileNameTrailingSlash, failure.ErrorCode);
        }

        [Fact]
        public void ControlCharacterMessageShowsCodePointsNotTheInvisibleCharacters()
        {
            var failure = Assert.Single(FileNameRules.Check("invoice\u202Efdp.exe"));

            Assert.Contains("U+202E", failure.Message);
            // Ordinal: culture-aware search treats U+202E as ignorable and "finds" it anywhere.
            Assert.DoesNotContain('\u202E', failure.Message.ToCharArray());
        }

        [Fact]
        public void ReservedNameIsDetectedDespiteSpacesBeforeTheExtension()
        {
            var codes = FileNameRules.Check("nul .txt").Select(f => f.ErrorCode).ToList();

            Assert.Contains(ValidationErrorCodes.FileNameReservedDeviceName, codes);
            Assert.Contains(ValidationErrorCodes.FileNameWhitespace, codes);
        }

        [Fact]
        public void EveryBrokenRuleIsReportedSeparately()
        {
            string name = ".CON" + new string('x', 260) + "#\u0001 .";
            // ".CON..." has a leading dot, so its stem is empty and it is not a device name.
            var codes = FileNameRules.Check(name).Select(f => f.ErrorCode).ToList();

            Assert.Equal(
                new[]
                {
                    ValidationErrorCodes.FileNameTooLong,
                    ValidationErrorCodes.FileNameLeadingDot,
                    ValidationErrorCodes.FileNameWhitespace,
                    ValidationErrorCodes.FileNameForbiddenCharacter,
                    ValidationErrorCodes.FileNameControlCharacter,
                    ValidationErrorCodes.FileNameTrailingDotOrSpace,
                },
                codes);
        }
    }
}
