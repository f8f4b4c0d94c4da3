using GenesysFileTransfer.Engine.Validation;
using Xunit;

namespace GenesysFileTransfer.Engine.Tests.Validation
{
    public sealed class FileUploadPolicyTests : IDisposable
    {
        private readonly TempFolder _folder = new TempFolder();

        public void Dispose() => _folder.Dispose();

        [Fact]
        public void DefaultAllowsPdfPngJpegAndPlainTextUpTo25MB()
        {
            var policy = FileUploadPolicy.Default;

            Assert.Equal(new[] { "application/pdf", "image/png", "image/jpeg", "text/plain" }, policy.AllowedContentTypes);
            Assert.Equal(26_214_400, policy.MaxFileSizeBytes);
            Assert.Equal(FileUploadPolicy.GenesysPlatformMaxBytes, policy.MaxFileSizeBytes);
            Assert.Equal("default", policy.Source);
            Assert.False(policy.Allows("text/csv"));
        }

        [Theory]
        [InlineData("application/pdf")]
        [InlineData("APPLICATION/PDF")]
        [InlineData("text/plain; charset=utf-8")]
        [InlineData("  image/JPEG ")]
        public void AllowsIsCaseInsensitiveAndIgnoresParameters(string contentType)
        {
            Assert.True(FileUploadPolicy.Default.Allows(contentType));
        }

        [Theory]
        [InlineData("image/webp", true)]
        [InlineData("IMAGE/SVG+XML", true)]
        [InlineData("application/pdf", true)]
        [InlineData("application/zip", false)]
        [InlineData("imagex/png", false)]
        [InlineData("text/image", false)]
        public void TypeWildcardCoversItsSubtypesOnly(string contentType, bool expected)
        {
            var policy = new FileUploadPolicy(new[] { "image/*", "application/pdf" }, 1000, "test");

            Assert.Equal(expected, policy.Allows(contentType));
        }

        [Theory]
        [InlineData("application/x-anything")]
        [InlineData("video/mp4")]
        public void FullWildcardAllowsAnyConcreteType(string contentType)
        {
            Assert.True(new FileUploadPolicy(new[] { "*/*" }, 1000, "test").Allows(contentType));
        }

        [Theory]
        [InlineData(null)]
        [InlineData("")]
        [InlineData("pdf")]
        [InlineData("image/*")]
        [InlineData("*/*")]
        [InlineData("image/png/extra")]
        public void DeclaredTypeThatIsMalformedOrAWildcardIsNeverAllowed(string? contentType)
        {
            Assert.False(new FileUploadPolicy(new[] { "*/*" }, 1000, "test").Allows(contentType!));
        }

        [Fact]
        public void ConstructorNormalizesAndDeduplicatesTheAllowlist()
        {
            var policy = new FileUploadPolicy(new[] { "Image/PNG", "image/png; q=1", "TEXT/*" }, 1000, "test");

            Assert.Equal(new[] { "image/png", "text/*" }, policy.AllowedContentTypes);
        }

        [Theory]
        [InlineData(0)]
        [InlineData(-1)]
        [InlineData(FileUploadPolicy.GenesysPlatformMaxBytes + 1)]
        public void ConstructorRejectsSizesOutsideThePlatformRange(long max)
        {
            Assert.Throws<ArgumentOutOfRangeException>(() => new FileUploadPolicy(new[] { "image/png" }, max, "test"));
        }

        [Theory]
        [InlineData("pdf")]
        [InlineData("*/png")]
        [InlineData("")]
        public void ConstructorRejectsEntriesThatAreNotContentTypes(string entry)
        {
            Assert.Throws<ArgumentException>(() => new FileUploadPolicy(new[] { entry }, 1000, "test"));
        }

        [Fact]
        public void FromJsonReadsTypesAndByteLimit()
        {
            var policy = FileUploadPolicy.FromJson(
                "{\"allowedContentTypes\":[\"application/pdf\",\"image/*\"],\"maxFileSizeBytes\":1048576}",
                "C:/policies/strict.json");

            Assert.Equal(new[] { "application/pdf", "image/*" }, policy.AllowedContentTypes);
            Assert.Equal(1_048_576, policy.MaxFileSizeBytes);
            Assert.Equal("C:/policies/strict.json", policy.Source);
        }

        [Fact]
        public void FromJsonAcceptsKilobytes()
        {
            var policy = FileUploadPolicy.FromJson("{\"allowedContentTypes\":[\"text/plain\"],\"maxFileSizeKB\":512}", "test");

            Assert.Equal(512 * 1024, policy.MaxFileSizeBytes);
        }

        [Fact]
        public void FromJsonWithoutALimitUsesThePlatformMaximum()
        {
            var policy = FileUploadPolicy.FromJson("{ /* size left to Genesys */ \"allowedContentTypes\": [\"text/plain\"], }", "test");

            Assert.Equal(FileUploadPolicy.GenesysPlatformMaxBytes, policy.MaxFileSizeBytes);
        }

        [Theory]
        [InlineData("{\"allowedContentTypes\":[\"text/plain\"]", null)]
        [InlineData("[\"text/plain\"]", null)]
        [InlineData("{\"maxFileSizeBytes\":100}", "allowedContentTypes")]
        [InlineData("{\"allowedContentTypes\":\"text/plain\"}", "allowedContentTypes")]
        [InlineData("{\"allowedContentTypes\":[]}", "allowedContentTypes")]
        [InlineData("{\"allowedContentTypes\":[\"text/plain\",42]}", "allowedContentTypes[1]")]
        [InlineData("{\"allowedContentTypes\":[\"text/plain\",\"pdf\"]}", "allowedContentTypes[1]")]
        [InlineData("{\"allowedContentTypes\":[\"text/plain\"],\"maxFileSizeBytes\":\"10MB\"}", "maxFileSizeBytes")]
        [InlineData("{\"allowedContentTypes\":[\"text/plain\"],\"maxFileSizeBytes\":1.5}", "maxFileSizeBytes")]
        [InlineData("{\"allowedContentTypes\":[\"text/plain\"],\"maxFileSizeBytes\":0}", "maxFileSizeBytes")]
        [InlineData("{\"allowedContentTypes\":[\"text/plain\"],\"maxFileSizeBytes\":26214401}", "maxFileSizeBytes")]
        [InlineData("{\"allowedContentTypes\":[\"text/plain\"],\"maxFileSizeKB\":25601}", "maxFileSizeKB")]
        [InlineData("{\"allowedContentTypes\":[\"text/plain\"],\"maxFileSizeKB\":null}", "maxFileSizeKB")]
        [InlineData("{\"allowedContentTypes\":[\"text/plain\"],\"maxFileSizeBytes\":100,\"maxFileSizeKB\":1}", "maxFileSizeKB")]
        [InlineData("{\"allowedContentTypes\":[\"text/plain\"],\"maxFileSizeMB\":10}", "maxFileSizeMB")]
        public void FromJsonRejectsBadInputNamingTheFieldAndSource(string json, string? expectedField)
        {
            var ex = Assert.Throws<PolicyFormatException>(() => FileUploadPolicy.FromJson(json, "policy.json"));

            Assert.IsAssignableFrom<FormatException>(ex);
            Assert.Equal(expectedField, ex.Field);
            Assert.Equal("policy.json", ex.PolicySource);
            Assert.Contains("policy.json", ex.Message);
            if (expectedField != null)
            {
                Assert.Contains(expectedField, ex.Message);
            }
        }

        [Fact]
        public void FromJsonExplainsOversizedLimitsWithThePlatformMaximum()
        {
            var ex = Assert.Throws<PolicyFormatException>(() => FileUploadPolicy.FromJson(
                "{\"allowedContentTypes\":[\"text/plain\"],\"maxFileSizeBytes\":52428800}", "test"));

            Assert.Contains("52428800", ex.Message);
            Assert.Contains("26214400", ex.Message);
        }

        [Fact]
        public void ToJsonRoundTripsThroughFromJson()
        {
            var original = new FileUploadPolicy(new[] { "image/svg+xml", "text/*", "application/pdf" }, 123_456, "test");

            string json = original.ToJson();
            var copy = FileUploadPolicy.FromJson(json, "copy");

            Assert.Equal(original.AllowedContentTypes, copy.AllowedContentTypes);
            Assert.Equal(original.MaxFileSizeBytes, copy.MaxFileSizeBytes);
            Assert.Contains("\"image/svg+xml\"", json); // readable, not \u002B-escaped
        }

        [Fact]
        public void LoadReadsTheFileAndRecordsItsFullPathAsSource()
        {
            string path = _folder.WriteText("policy.json", "{\"allowedContentTypes\":[\"text/csv\"],\"maxFileSizeKB\":100}");

            var policy = FileUploadPolicy.Load(path);

            Assert.Equal(new[] { "text/csv" }, policy.AllowedContentTypes);
            Assert.Equal(102_400, policy.MaxFileSizeBytes);
            Assert.Equal(Path.GetFullPath(path), policy.Source);
        }

        [Fact]
        public void LoadReportsErrorsWithThePathAsSource()
        {
            string path = _folder.WriteText("broken.json", "{\"allowedContentTypes\":[\"text/csv\"],\"maxFileSizeBytes\":-5}");

            var ex = Assert.Throws<PolicyFormatException>(() => FileUploadPolicy.Load(path));

            Assert.Equal(Path.GetFullPath(path), ex.PolicySource);
        }

        [Fact]
        public void FromSupportedContentDefaultsToThePlatformMaximum()
        {
            var policy = FileUploadPolicy.FromSupportedContent(new[] { "image/*", "Application/PDF" }, null, "supportedContent:abc");

            Assert.Equal(FileUploadPolicy.GenesysPlatformMaxBytes, policy.MaxFileSizeBytes);
            Assert.Equal(new[] { "image/*", "application/pdf" }, policy.AllowedContentTypes);
            Assert.Equal("supportedContent:abc", policy.Source);
        }

        [Fact]
        public void FromSupportedContentNeverExceedsThePlatformMaximum()
        {
            var policy = FileUploadPolicy.FromSupportedContent(new[] { "image/png" }, 100L * 1024 * 1024, "supportedContent:abc");

            Assert.Equal(FileUploadPolicy.GenesysPlatformMaxBytes, policy.MaxFileSizeBytes);
        }

        [Fact]
        public void FromSupportedContentKeepsASmallerLimit()
        {
            var policy = FileUploadPolicy.FromSupportedContent(new[] { "image/png" }, 5_000_000, "supportedContent:abc");

            Assert.Equal(5_000_000, policy.MaxFileSizeBytes);
        }

        [Fact]
        public void FromSupportedContentRejectsANonPositiveLimit()
        {
            Assert.Throws<ArgumentOutOfRangeException>(
                () => FileUploadPolicy.FromSupportedContent(new[] { "image/png" }, 0, "supportedContent:abc"));
        }
    }
}
