using System.Text;
using GenesysFileTransfer.Engine.Validation;
using Xunit;

namespace GenesysFileTransfer.Engine.Tests.Validation
{
    public sealed class ContentSnifferTests : IDisposable
    {
        private const int Boundary = 64 * 1024;

        private readonly TempFolder _folder = new TempFolder();

        public void Dispose() => _folder.Dispose();

        public static TheoryData<byte[], string> KnownHeaders => new TheoryData<byte[], string>
        {
            { Samples.Pdf, "application/pdf" },
            { Samples.Png, "image/png" },
            { Samples.Jpeg, "image/jpeg" },
            { Samples.Gif87, "image/gif" },
            { Samples.Gif89, "image/gif" },
            { Samples.WindowsExe(), "application/x-msdownload" },
            { Samples.Elf, "application/x-elf" },
            { Samples.Zip, "application/zip" },
        };

        [Theory]
        [MemberData(nameof(KnownHeaders))]
        public void DetectsEachKnownSignature(byte[] head, string expected)
        {
            Assert.Equal(expected, ContentSniffer.DetectFromHeader(head, head.Length));
        }

        [Fact]
        public void OnlyTheCountedBytesAreLookedAt()
        {
            // A signature beyond `count` is stale buffer content, not the file's.
            Assert.Null(ContentSniffer.DetectFromHeader(Samples.Png, 7));
        }

        [Theory]
        [InlineData("plain words")]
        [InlineData("%PD")]
        [InlineData("MZ,Mozambique,Maputo\r\nMW,Malawi,Lilongwe\r\n")]
        public void TextIsNotMistakenForASignature(string text)
        {
            byte[] bytes = Encoding.UTF8.GetBytes(text);

            Assert.Null(ContentSniffer.DetectFromHeader(bytes, bytes.Length));
        }

        [Fact]
        public void PngDeclaredAsPngMatches()
        {
            string path = _folder.Write("logo.png", Samples.Png);

            var match = ContentSniffer.Check(path, "image/png");

            Assert.True(match.Matches, match.Reason);
            Assert.Equal("image/png", match.DetectedContentType);
            Assert.Null(match.Reason);
        }

        [Theory]
        [InlineData("image/gif")]
        [InlineData("IMAGE/GIF; name=x")]
        public void BothGifVersionsMatchGif(string declared)
        {
            Assert.True(ContentSniffer.Check(_folder.Write("a.gif", Samples.Gif87), declared).Matches);
            Assert.True(ContentSniffer.Check(_folder.Write("b.gif", Samples.Gif89), declared).Matches);
        }

        [Fact]
        public void JpegUnderTheCommonMisspellingImageJpgIsStillChecked()
        {
            Assert.True(ContentSniffer.Check(_folder.Write("a.jpg", Samples.Jpeg), "image/jpg").Matches);
            Assert.False(ContentSniffer.Check(_folder.Write("b.jpg", Samples.Png), "image/jpg").Matches);
        }

        [Fact]
        public void JpegDeclaredAsPngIsAMismatchNamingWhatItIs()
        {
            string path = _folder.Write("photo.png", Samples.Jpeg);

            var match = ContentSniffer.Check(path, "image/png");

            Assert.False(match.Matches);
            Assert.Equal("image/jpeg", match.DetectedContentType);
            Assert.Contains("PNG signature", match.Reason);
            Assert.Contains("image/jpeg", match.Reason);
        }

        [Fact]
        public void PdfMustStartWithTheSignatureNotMerelyContainIt()
        {
            string path = _folder.Write("late.pdf", Samples.Concat(new byte[] { 0x20, 0x0A }, Samples.Pdf));

            var match = ContentSniffer.Check(path, "application/pdf");

            Assert.False(match.Matches);
            Assert.Null(match.DetectedContentType);
            Assert.Contains("%PDF-", match.Reason);
        }

        [Theory]
        [InlineData("application/pdf")]
        [InlineData("text/plain")]
        [InlineData("application/octet-stream")]
        [InlineData("application/zip")]
        public void WindowsExecutableUnderAnyOtherTypeIsAMismatch(string declared)
        {
            string path = _folder.Write("setup.bin", Samples.WindowsExe());

            var match = ContentSniffer.Check(path, declared);

            Assert.False(match.Matches);
            Assert.Equal("application/x-msdownload", match.DetectedContentType);
            Assert.Contains("Windows executable", match.Reason);
        }

        [Fact]
        public void ElfExecutableUnderAnotherTypeIsAMismatch()
        {
            string path = _folder.Write("tool.json", Samples.Elf);

            var match = ContentSniffer.Check(path, "application/json");

            Assert.False(match.Matches);
            Assert.Contains("ELF", match.Reason);
        }

        [Fact]
        public void ExecutableDeclaredAsAnExecutableIsHonest()
        {
            string path = _folder.Write("setup.exe", Samples.WindowsExe());

            Assert.True(ContentSniffer.Check(path, "application/vnd.microsoft.portable-executable").Matches);
        }

        [Fact]
        public void TypeWithoutAKnownSignatureIsAcceptedAndTheDetectionReported()
        {
            // A .docx is a ZIP: the detection is information, not a verdict.
            string path = _folder.Write("letter.docx", Samples.Zip);

            var match = ContentSniffer.Check(path, "application/vnd.openxmlformats-officedocument.wordprocessingml.document");

            Assert.True(match.Matches);
            Assert.Equal("application/zip", match.DetectedContentType);
        }

        [Theory]
        [InlineData(3)] // the euro sign: E2 82 AC
        [InlineData(4)] // an emoji: F0 9F 98 80
        public void MultiByteCharactersCutByTheReadBoundaryAreValid(int sequenceLength)
        {
            string character = sequenceLength == 3 ? "\u20AC" : "\U0001F600";
            Assert.Equal(sequenceLength, Encoding.UTF8.GetByteCount(character));

            for (int bytesBeforeBoundary = 1; bytesBeforeBoundary < sequenceLength; bytesBeforeBoundary++)
            {
                string text = new string('a', Boundary - bytesBeforeBoundary) + character + "tail\n";
                string path = _folder.WriteText("split-" + bytesBeforeBoundary + ".txt", text);

                var match = ContentSniffer.Check(path, "text/plain");

                Assert.True(match.Matches, "split after " + bytesBeforeBoundary + " byte(s): " + match.Reason);
            }
        }

        [Fact]
        public void MultiLanguageTextWithABomIsValid()
        {
            byte[] bom = { 0xEF, 0xBB, 0xBF };
            string path = _folder.Write("notes.csv", Samples.Concat(bom, Encoding.UTF8.GetBytes("name,city\nZoë,Kraków\n李,北京\n")));

            Assert.True(ContentSniffer.Check(path, "text/csv").Matches);
        }

        [Fact]
        public void InvalidUtf8IsAMismatchWithItsOffset()
        {
            string path = _folder.Write("latin1.txt", Encoding.Latin1.GetBytes("caf\u00E9 au lait"));

            var match = ContentSniffer.Check(path, "text/plain");

            Assert.False(match.Matches);
            Assert.Contains("not valid UTF-8", match.Reason);
            Assert.Contains("offset 3", match.Reason);
        }

        [Fact]
        public void InvalidUtf8FarPastTheFirstReadIsStillFound()
        {
            // Proves the whole file is decoded, not only the head.
            int offset = 3 * Boundary + 17;
            byte[] bytes = Encoding.ASCII.GetBytes(new string('x', offset + 100));
            bytes[offset] = 0xC3;
            bytes[offset + 1] = 0x28; // not a continuation byte
            string path = _folder.Write("big.txt", bytes);

            var match = ContentSniffer.Check(path, "text/plain");

            Assert.False(match.Matches);
            Assert.Contains("offset " + offset, match.Reason);
        }

        [Fact]
        public void TextEndingInsideAMultiByteCharacterIsAMismatch()
        {
            byte[] bytes = Samples.Concat(Encoding.UTF8.GetBytes("price: "), new byte[] { 0xE2, 0x82 });
            string path = _folder.Write("cut.txt", bytes);

            var match = ContentSniffer.Check(path, "text/plain");

            Assert.False(match.Matches);
            Assert.Contains("ends in the middle", match.Reason);
        }

        [Fact]
        public void Utf16TextIsNamedAsSuch()
        {
            string path = _folder.Write("unicode.txt", Encoding.Unicode.GetPreamble().Concat(Encoding.Unicode.GetBytes("hello")).ToArray());

            var match = ContentSniffer.Check(path, "text/plain");

            Assert.False(match.Matches);
            Assert.Contains("UTF-16", match.Reason);
        }

        [Fact]
        public void NulByteAfterTheFirstReadIsAMismatch()
        {
            byte[] bytes = Encoding.ASCII.GetBytes(new string('y', Boundary + 500));
            bytes[Boundary + 10] = 0;
            string path = _folder.Write("nul.log", bytes);

            var match = ContentSniffer.Check(path, "text/plain");

            Assert.False(match.Matches);
            Assert.Contains("NUL byte at offset " + (Boundary + 10), match.Reason);
        }

        [Fact]
        public void ReasonNeverQuotesTheFileContents()
        {
            string path = _folder.Write("secret.txt", Encoding.UTF8.GetBytes("password=Hunter2Secret\0trailer"));

            var match = ContentSniffer.Check(path, "text/plain");

            Assert.False(match.Matches);
            Assert.DoesNotContain("Hunter2", match.Reason);
        }

        [Fact]
        public void CancelledTokenStopsTheCheck()
        {
            string path = _folder.WriteText("a.txt", "hello");
            using var cts = new CancellationTokenSource();
            cts.Cancel();

            Assert.ThrowsAny<OperationCanceledException>(() => ContentSniffer.Check(path, "text/plain", cts.Token));
        }
    }
}
