using System.Text;
using GenesysFileTransfer.Engine.Validation;
using Xunit;

namespace GenesysFileTransfer.Engine.Tests.Contract;

/// <summary>
/// Every code of docs/usage.md "Validation error codes", written as the literal a user's script matches
/// (<c>$report.Failures.ErrorCode -contains 'FileTooLong'</c>), each produced by a file or metadata that breaks that
/// one rule, with the field the table names.
/// </summary>
public sealed class DocumentedValidationCodesTests : IDisposable
{
    private const string Bucket = "3f2504e0-4f89-41d3-9a0c-0305e82c3301";
    private static readonly byte[] Pdf = Encoding.ASCII.GetBytes("%PDF-1.4\n1 0 obj<<>>endobj\n%%EOF\n");
    private readonly string _folder = Directory.CreateTempSubdirectory("gft-codes-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private string Write(string name, byte[] bytes)
    {
        string path = Path.Combine(_folder, name);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    private static TransferMetadata Metadata(string? bucket = Bucket, int? retentionDays = 30, string? encryption = "AES-256", bool accessPolicy = true) => new()
    {
        StorageBucketReference = bucket,
        AccessPolicy = accessPolicy ? new AccessPolicy { RetentionDays = retentionDays ?? 0, EncryptionStandard = encryption! } : null,
    };

    private static IReadOnlyList<ValidationFailure> Check(string path, string? contentType = null, TransferMetadata? metadata = null, FileUploadPolicy? policy = null) =>
        new FileTransferValidator(policy ?? FileUploadPolicy.Default, requireMetadata: true)
            .Validate(new FileCandidate(path, contentType, metadata ?? Metadata())).Failures;

    private static void AssertReports(IReadOnlyList<ValidationFailure> failures, string field, string code)
    {
        Assert.Contains(failures, f => f.ErrorCode == code && f.Field == field);
    }

    [Fact]
    public void Path_codes()
    {
        AssertReports(Check(Path.Combine(_folder, "missing.pdf")), "path", "FileNotFound");
        AssertReports(Check(Directory.CreateDirectory(Path.Combine(_folder, "folder.pdf")).FullName), "path", "NotAFile");

        // Held open exclusively by another handle: .NET's file-share locks make the read fail, as a locked file on Windows.
        string locked = Write("locked.pdf", Pdf);
        using (new FileStream(locked, FileMode.Open, FileAccess.ReadWrite, FileShare.None))
        {
            AssertReports(Check(locked), "path", "FileUnreadable");
        }
    }

    [Theory]
    [InlineData("", "FileNameEmpty")]
    [InlineData("report/", "FileNameTrailingSlash")]
    public void File_name_codes_no_path_can_produce(string name, string code)
    {
        // A path always ends in a name; Genesys' own rules still cover a name that is empty or ends with '/'.
        Assert.Contains(FileNameRules.Check(name), f => f.ErrorCode == code && f.Field == "fileName");
    }

    [Theory]
    [InlineData("FileNameLeadingDot", ".invoice.pdf")]
    [InlineData("FileNameWhitespace", "my invoice.pdf")]
    [InlineData("FileNameForbiddenCharacter", "invoice#7.pdf")]
    [InlineData("FileNameControlCharacter", "invoice\u202Efdp.pdf")]
    [InlineData("FileNameReservedDeviceName", "CON.pdf")]
    [InlineData("FileNameTrailingDotOrSpace", "invoice.pdf.")]
    public void File_name_codes(string code, string name)
    {
        AssertReports(Check(Write(name, Pdf), "application/pdf"), "fileName", code);
    }

    [Fact]
    public void A_name_of_256_characters_is_FileNameTooLong_and_255_is_fine()
    {
        // Most file systems cap a name at 255 bytes, so the rule is checked on the name alone.
        Assert.Contains(FileNameRules.Check(new string('a', 252) + ".pdf"), f => f.ErrorCode == "FileNameTooLong" && f.Field == "fileName");
        Assert.Empty(FileNameRules.Check(new string('a', 251) + ".pdf"));
    }

    [Fact]
    public void Length_codes()
    {
        AssertReports(Check(Write("empty.pdf", [])), "length", "FileEmpty");
        string large = Path.Combine(_folder, "large.pdf");
        using (FileStream stream = File.Create(large))
        {
            stream.Write(Pdf);
            stream.SetLength(26_214_400 + 1);
        }

        AssertReports(Check(large), "length", "FileTooLarge");
    }

    [Fact]
    public void Content_type_codes()
    {
        AssertReports(Check(Write("archive.unknownext", Pdf)), "contentType", "ContentTypeUnknown");
        AssertReports(Check(Write("anim.gif", Encoding.ASCII.GetBytes("GIF89a......"))), "contentType", "ContentTypeNotAllowed");
        byte[] executable = new byte[512];
        executable[0] = (byte)'M';
        executable[1] = (byte)'Z';
        AssertReports(Check(Write("setup.pdf", executable)), "contentType", "ContentMismatch");
    }

    [Fact]
    public void Metadata_codes()
    {
        string good = Write("good.pdf", Pdf);
        AssertReports(Check(good, metadata: Metadata(bucket: null)), "metadata.storageBucketReference", "StorageBucketReferenceMissing");
        AssertReports(Check(good, metadata: Metadata(bucket: "bucket-7")), "metadata.storageBucketReference", "StorageBucketReferenceNotUuid");
        AssertReports(Check(good, metadata: Metadata(accessPolicy: false)), "metadata.accessPolicy", "AccessPolicyMissing");
        AssertReports(Check(good, metadata: Metadata(retentionDays: 0)), "metadata.accessPolicy.retentionDays", "RetentionDaysNotPositive");
        AssertReports(Check(good, metadata: Metadata(retentionDays: 36_501)), "metadata.accessPolicy.retentionDays", "RetentionDaysTooLarge");
        Assert.Empty(Check(good, metadata: Metadata(retentionDays: 36_500)));
        AssertReports(Check(good, metadata: Metadata(encryption: "DES")), "metadata.accessPolicy.encryptionStandard", "EncryptionStandardNotSupported");
        Assert.Empty(Check(good, metadata: Metadata(encryption: "rsa-2048")));
    }
}
