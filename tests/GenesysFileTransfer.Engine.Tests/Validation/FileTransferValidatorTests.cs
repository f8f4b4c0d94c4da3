using System.Text;
using GenesysFileTransfer.Engine.Validation;
using Xunit;

namespace GenesysFileTransfer.Engine.Tests.Validation
{
    public sealed class FileTransferValidatorTests : IDisposable
    {
        private const string BucketId = "3f2504e0-4f89-41d3-9a0c-0305e82c3301";

        private readonly TempFolder _folder = new TempFolder();

        public void Dispose() => _folder.Dispose();

        private static TransferMetadata CompleteMetadata() => new TransferMetadata
        {
            StorageBucketReference = BucketId,
            AccessPolicy = new AccessPolicy { RetentionDays = 30, EncryptionStandard = EncryptionStandards.Aes256, DownloadAllowed = true },
        };

        private static FileValidationReport Validate(
            string path,
            string? declaredType = null,
            TransferMetadata? metadata = null,
            FileUploadPolicy? policy = null,
            bool requireMetadata = true)
        {
            var validator = new FileTransferValidator(policy ?? FileUploadPolicy.Default, requireMetadata);
            return validator.Validate(new FileCandidate(path, declaredType, metadata ?? CompleteMetadata()));
        }

        private static ValidationFailure SingleFailure(FileValidationReport report)
        {
            Assert.False(report.IsValid);
            return Assert.Single(report.Failures);
        }

        [Fact]
        public void GenuinePdfWithCompleteMetadataIsValid()
        {
            string path = _folder.Write("contract.pdf", Samples.Pdf);

            var report = Validate(path);

            Assert.True(report.IsValid, report.Summary);
            Assert.Empty(report.Failures);
            Assert.Equal("valid", report.Summary);
            Assert.Equal(Path.GetFullPath(path), report.Path);
            Assert.Equal("contract.pdf", report.FileName);
            Assert.Equal(Samples.Pdf.Length, report.Length);
            Assert.Equal("application/pdf", report.ContentType);
            Assert.Equal("application/pdf", report.DetectedContentType);
        }

        [Fact]
        public void PngDeclaredAsImagePngIsValid()
        {
            string path = _folder.Write("screenshot.bin", Samples.Png);

            var report = Validate(path, "image/png");

            Assert.True(report.IsValid, report.Summary);
            Assert.Equal("image/png", report.ContentType);
            Assert.Equal("image/png", report.DetectedContentType);
        }

        [Fact]
        public void MissingFileIsReportedWithoutContentChecks()
        {
            var report = Validate(_folder.PathOf("gone.pdf"));

            var failure = SingleFailure(report);
            Assert.Equal(ValidationFields.Path, failure.Field);
            Assert.Equal(ValidationErrorCodes.FileNotFound, failure.ErrorCode);
            Assert.Contains("gone.pdf", failure.Message);
            Assert.Equal(-1, report.Length);
            Assert.Null(report.DetectedContentType);
        }

        [Fact]
        public void DirectoryIsNotAFile()
        {
            string path = _folder.PathOf("folder.pdf");
            Directory.CreateDirectory(path);

            var failure = SingleFailure(Validate(path));

            Assert.Equal(ValidationErrorCodes.NotAFile, failure.ErrorCode);
            Assert.Equal(ValidationFields.Path, failure.Field);
        }

        [Fact]
        public void FileLockedByAnotherWriterIsUnreadable()
        {
            string path = _folder.Write("busy.pdf", Samples.Pdf);
            using var exclusive = new FileStream(path, FileMode.Open, FileAccess.ReadWrite, FileShare.None);

            var failure = SingleFailure(Validate(path));

            Assert.Equal(ValidationErrorCodes.FileUnreadable, failure.ErrorCode);
            Assert.Equal(ValidationFields.Path, failure.Field);
        }

        [Fact]
        public void EmptyFileIsReported()
        {
            string path = _folder.Write("empty.txt", Array.Empty<byte>());

            var report = Validate(path);

            var failure = SingleFailure(report);
            Assert.Equal(ValidationErrorCodes.FileEmpty, failure.ErrorCode);
            Assert.Equal(ValidationFields.Length, failure.Field);
            Assert.Equal(0, report.Length);
        }

        [Fact]
        public void OneByteOverTheGenesysLimitIsTooLarge()
        {
            string path = _folder.WriteSparse("huge.pdf", FileUploadPolicy.GenesysPlatformMaxBytes + 1, Samples.Pdf);

            var report = Validate(path);

            var failure = SingleFailure(report);
            Assert.Equal(ValidationErrorCodes.FileTooLarge, failure.ErrorCode);
            Assert.Equal(ValidationFields.Length, failure.Field);
            Assert.Contains("26,214,401 bytes", failure.Message);
            Assert.Contains("26,214,400 bytes (25 MB", failure.Message);
            Assert.Equal(FileUploadPolicy.GenesysPlatformMaxBytes + 1, report.Length);
        }

        [Fact]
        public void ExactlyTheLimitIsAccepted()
        {
            string path = _folder.WriteSparse("limit.pdf", FileUploadPolicy.GenesysPlatformMaxBytes, Samples.Pdf);

            Assert.True(Validate(path).IsValid);
        }

        [Fact]
        public void PolicyLimitBelowThePlatformLimitAppliesAndIsNamed()
        {
            var policy = new FileUploadPolicy(new[] { "text/plain" }, 10, "team-policy.json");
            string path = _folder.WriteText("eleven.txt", "0123456789\n");

            var failure = SingleFailure(Validate(path, policy: policy));

            Assert.Equal(ValidationErrorCodes.FileTooLarge, failure.ErrorCode);
            Assert.Contains("team-policy.json", failure.Message);
        }

        [Fact]
        public void UnknownExtensionWithoutDeclaredTypeIsUnknownAndNotAlsoDisallowed()
        {
            string path = _folder.WriteText("data.xyz", "hello");

            var failure = SingleFailure(Validate(path));

            Assert.Equal(ValidationErrorCodes.ContentTypeUnknown, failure.ErrorCode);
            Assert.Equal(ValidationFields.ContentType, failure.Field);
            Assert.Null(Validate(path).ContentType);
        }

        [Fact]
        public void TypeOutsideTheAllowlistNamesTheAllowlistAndItsSource()
        {
            string path = _folder.WriteText("export.csv", "a,b\n1,2\n");

            var failure = SingleFailure(Validate(path));

            Assert.Equal(ValidationErrorCodes.ContentTypeNotAllowed, failure.ErrorCode);
            Assert.Equal("text/csv", failure.AttemptedValue);
            Assert.Contains("'text/csv'", failure.Message);
            Assert.Contains("application/pdf, image/png, image/jpeg, text/plain", failure.Message);
            Assert.Contains("'default'", failure.Message);
        }

        [Fact]
        public void DeclaredTypeWinsOverTheExtension()
        {
            string path = _folder.WriteText("export.csv", "a,b\n");

            var report = Validate(path, "text/plain");

            Assert.True(report.IsValid, report.Summary);
            Assert.Equal("text/plain", report.ContentType);
        }

        [Fact]
        public void ExecutableRenamedToPdfIsAContentMismatch()
        {
            string path = _folder.Write("invoice.pdf", Samples.WindowsExe());

            var report = Validate(path);

            var failure = SingleFailure(report);
            Assert.Equal(ValidationErrorCodes.ContentMismatch, failure.ErrorCode);
            Assert.Equal(ValidationFields.ContentType, failure.Field);
            Assert.Equal("application/pdf", failure.AttemptedValue);
            Assert.Contains("Windows executable", failure.Message);
            Assert.Equal("application/x-msdownload", report.DetectedContentType);
        }

        [Fact]
        public void ExecutableBehindADisallowedTypeIsReportedBothWays()
        {
            string path = _folder.Write("tool.zip", Samples.Elf);

            var codes = Validate(path).Failures.Select(f => f.ErrorCode).ToList();

            Assert.Equal(new[] { ValidationErrorCodes.ContentTypeNotAllowed, ValidationErrorCodes.ContentMismatch }, codes);
        }

        [Fact]
        public void TextWithANulByteIsAContentMismatch()
        {
            string path = _folder.Write("dump.txt", Encoding.ASCII.GetBytes("abc\0def"));

            var failure = SingleFailure(Validate(path));

            Assert.Equal(ValidationErrorCodes.ContentMismatch, failure.ErrorCode);
            Assert.Contains("NUL", failure.Message);
        }

        [Fact]
        public void WildcardPolicyAcceptsAnUnsignedTypeAndReportsWhatWasDetected()
        {
            var policy = new FileUploadPolicy(new[] { "application/*" }, FileUploadPolicy.GenesysPlatformMaxBytes, "test");
            string path = _folder.Write("bundle.zip", Samples.Zip);

            var report = Validate(path, policy: policy);

            Assert.True(report.IsValid, report.Summary);
            Assert.Equal("application/zip", report.DetectedContentType);
        }

        [Fact]
        public void FileNameFailuresComeThroughTheValidator()
        {
            string path = _folder.Write("bad#name.pdf", Samples.Pdf);

            var failure = SingleFailure(Validate(path));

            Assert.Equal(ValidationErrorCodes.FileNameForbiddenCharacter, failure.ErrorCode);
            Assert.Equal(ValidationFields.FileName, failure.Field);
        }

        [Fact]
        public void MessagesKeepBracesInNamesLiterally()
        {
            // FluentValidation substitutes {PropertyName}-style placeholders; a file name must not be rewritten by it.
            string path = _folder.Write("{PropertyName}.pdf", Samples.WindowsExe());

            var report = Validate(path);

            Assert.All(report.Failures, f => Assert.DoesNotContain("'Content Type'", f.Message));
            Assert.Contains(report.Failures, f => f.ErrorCode == ValidationErrorCodes.ContentMismatch && f.Message.Contains("{PropertyName}.pdf"));
        }

        [Fact]
        public void BadNameBadBucketAndBadRetentionAreAllReportedTogether()
        {
            string path = _folder.Write("quarterly report.pdf", Samples.Pdf);
            var metadata = CompleteMetadata();
            metadata.StorageBucketReference = "bucket-7";
            metadata.AccessPolicy!.RetentionDays = 0;

            var report = Validate(path, metadata: metadata);

            Assert.Equal(
                new[]
                {
                    (ValidationFields.FileName, ValidationErrorCodes.FileNameWhitespace),
                    (ValidationFields.StorageBucketReference, ValidationErrorCodes.StorageBucketReferenceNotUuid),
                    (ValidationFields.RetentionDays, ValidationErrorCodes.RetentionDaysNotPositive),
                },
                report.Failures.Select(f => (f.Field, f.ErrorCode)));
            int name = report.Summary.IndexOf("fileName: ", StringComparison.Ordinal);
            int bucket = report.Summary.IndexOf("; metadata.storageBucketReference: ", StringComparison.Ordinal);
            int retention = report.Summary.IndexOf("; metadata.accessPolicy.retentionDays: ", StringComparison.Ordinal);
            Assert.True(name == 0 && bucket > name && retention > bucket, report.Summary);
        }

        [Fact]
        public void MissingMetadataIsReportedWhenRequired()
        {
            string path = _folder.Write("a.pdf", Samples.Pdf);

            var report = Validate(path, metadata: new TransferMetadata());

            Assert.Equal(
                new[] { ValidationErrorCodes.StorageBucketReferenceMissing, ValidationErrorCodes.AccessPolicyMissing },
                report.Failures.Select(f => f.ErrorCode));
        }

        [Fact]
        public void MissingMetadataIsFineWhenNotRequired()
        {
            string path = _folder.Write("a.pdf", Samples.Pdf);

            Assert.True(Validate(path, metadata: new TransferMetadata(), requireMetadata: false).IsValid);
        }

        [Fact]
        public void MetadataGivenIsCheckedEvenWhenNotRequired()
        {
            string path = _folder.Write("a.pdf", Samples.Pdf);
            var metadata = new TransferMetadata { StorageBucketReference = "nope", AccessPolicy = new AccessPolicy { RetentionDays = 0 } };

            var codes = Validate(path, metadata: metadata, requireMetadata: false).Failures.Select(f => f.ErrorCode);

            Assert.Equal(new[] { ValidationErrorCodes.StorageBucketReferenceNotUuid, ValidationErrorCodes.RetentionDaysNotPositive }, codes);
        }

        [Theory]
        [InlineData("3F2504E0-4F89-41D3-9A0C-0305E82C3301", true)]
        [InlineData("3f2504e04f8941d39a0c0305e82c3301", false)]
        [InlineData("{3f2504e0-4f89-41d3-9a0c-0305e82c3301}", false)]
        [InlineData(" 3f2504e0-4f89-41d3-9a0c-0305e82c3301", false)]
        [InlineData("3f2504e0-4f89-41d3-9a0c-0305e82c3301\n", false)]
        [InlineData("3f2504e0-4f89-41d3-9a0c-0305e82c330g", false)]
        public void StorageBucketReferenceMustBeAHyphenatedUuid(string value, bool valid)
        {
            string path = _folder.Write("a.pdf", Samples.Pdf);
            var metadata = CompleteMetadata();
            metadata.StorageBucketReference = value;

            var report = Validate(path, metadata: metadata);

            if (valid)
            {
                Assert.True(report.IsValid, report.Summary);
            }
            else
            {
                var failure = SingleFailure(report);
                Assert.Equal(ValidationErrorCodes.StorageBucketReferenceNotUuid, failure.ErrorCode);
                Assert.Equal(ValidationFields.StorageBucketReference, failure.Field);
                Assert.Equal(value, failure.AttemptedValue);
            }
        }

        [Theory]
        [InlineData(null)]
        [InlineData("")]
        [InlineData("   ")]
        public void BlankStorageBucketReferenceIsMissingNotMalformed(string? value)
        {
            string path = _folder.Write("a.pdf", Samples.Pdf);
            var metadata = CompleteMetadata();
            metadata.StorageBucketReference = value;

            var failure = SingleFailure(Validate(path, metadata: metadata));

            Assert.Equal(ValidationErrorCodes.StorageBucketReferenceMissing, failure.ErrorCode);
        }

        [Theory]
        [InlineData(0, ValidationErrorCodes.RetentionDaysNotPositive)]
        [InlineData(-5, ValidationErrorCodes.RetentionDaysNotPositive)]
        [InlineData(36501, ValidationErrorCodes.RetentionDaysTooLarge)]
        [InlineData(int.MaxValue, ValidationErrorCodes.RetentionDaysTooLarge)]
        public void RetentionOutsideOneDayToAHundredYearsIsReported(int days, string expectedCode)
        {
            string path = _folder.Write("a.pdf", Samples.Pdf);
            var metadata = CompleteMetadata();
            metadata.AccessPolicy!.RetentionDays = days;

            var failure = SingleFailure(Validate(path, metadata: metadata));

            Assert.Equal(expectedCode, failure.ErrorCode);
            Assert.Equal(ValidationFields.RetentionDays, failure.Field);
            Assert.Contains(days.ToString(System.Globalization.CultureInfo.InvariantCulture), failure.Message);
        }

        [Theory]
        [InlineData(1)]
        [InlineData(36500)]
        public void RetentionBoundsAreInclusive(int days)
        {
            string path = _folder.Write("a.pdf", Samples.Pdf);
            var metadata = CompleteMetadata();
            metadata.AccessPolicy!.RetentionDays = days;

            Assert.True(Validate(path, metadata: metadata).IsValid);
        }

        [Theory]
        [InlineData("AES-256", true)]
        [InlineData("aes-256", true)]
        [InlineData("Rsa-2048", true)]
        [InlineData("AES256", false)]
        [InlineData("DES", false)]
        [InlineData("", false)]
        [InlineData(null, false)]
        public void EncryptionStandardMustBeAes256OrRsa2048(string? standard, bool valid)
        {
            string path = _folder.Write("a.pdf", Samples.Pdf);
            var metadata = CompleteMetadata();
            metadata.AccessPolicy!.EncryptionStandard = standard!;

            var report = Validate(path, metadata: metadata);

            if (valid)
            {
                Assert.True(report.IsValid, report.Summary);
            }
            else
            {
                var failure = SingleFailure(report);
                Assert.Equal(ValidationErrorCodes.EncryptionStandardNotSupported, failure.ErrorCode);
                Assert.Equal(ValidationFields.EncryptionStandard, failure.Field);
                Assert.Contains("AES-256, RSA-2048", failure.Message);
            }
        }

        [Fact]
        public void TurningVirusScanOffIsNotAFailure()
        {
            string path = _folder.Write("a.pdf", Samples.Pdf);
            var metadata = CompleteMetadata();
            metadata.VirusScanEnabled = false;

            Assert.True(Validate(path, metadata: metadata).IsValid);
            Assert.True(new TransferMetadata().VirusScanEnabled);
        }

        [Fact]
        public void CancelledTokenStopsValidation()
        {
            string path = _folder.Write("a.pdf", Samples.Pdf);
            using var cts = new CancellationTokenSource();
            cts.Cancel();
            var validator = new FileTransferValidator(FileUploadPolicy.Default);

            Assert.ThrowsAny<OperationCanceledException>(
                () => validator.Validate(new FileCandidate(path, null, CompleteMetadata()), cts.Token));
        }

        [Fact]
        public void CandidateDerivesFullPathAndFileNameAndTreatsBlankTypeAsNone()
        {
            string relative = Path.Combine("sub", "..", "x.pdf");

            var candidate = new FileCandidate(relative, "  ", new TransferMetadata());

            Assert.Equal(Path.GetFullPath(relative), candidate.Path);
            Assert.Equal("x.pdf", candidate.FileName);
            Assert.Null(candidate.DeclaredContentType);
        }
    }
}
