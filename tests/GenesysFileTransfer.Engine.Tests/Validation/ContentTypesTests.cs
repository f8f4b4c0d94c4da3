using GenesysFileTransfer.Engine.Validation;
using Xunit;

namespace GenesysFileTransfer.Engine.Tests.Validation
{
    public class ContentTypesTests
    {
        [Theory]
        [InlineData("a.pdf", "application/pdf")]
        [InlineData("a.png", "image/png")]
        [InlineData("a.jpg", "image/jpeg")]
        [InlineData("a.jpeg", "image/jpeg")]
        [InlineData("a.txt", "text/plain")]
        [InlineData("a.log", "text/plain")]
        [InlineData("a.csv", "text/csv")]
        [InlineData("a.gif", "image/gif")]
        [InlineData("a.json", "application/json")]
        [InlineData("PHOTO.JPG", "image/jpeg")]
        [InlineData("backup.2024.Pdf", "application/pdf")]
        public void MapsKnownExtensionsCaseInsensitively(string fileName, string expected)
        {
            Assert.Equal(expected, ContentTypes.FromFileName(fileName));
        }

        [Theory]
        [InlineData("data.xyz")]
        [InlineData("README")]
        [InlineData("trailing.")]
        [InlineData("")]
        public void UnknownOrMissingExtensionGivesNull(string fileName)
        {
            Assert.Null(ContentTypes.FromFileName(fileName));
        }

        [Fact]
        public void NamesWithCharactersWindowsPathsRejectStillResolve()
        {
            // These names must get as far as FileNameRules instead of failing here.
            Assert.Equal("application/pdf", ContentTypes.FromFileName("a<b>|\"c.pdf"));
        }
    }
}
