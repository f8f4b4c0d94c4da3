namespace GenesysFileTransfer.Engine.Validation
{
    /// <summary>
    /// The stable error codes of <see cref="ValidationFailure.ErrorCode"/>. The PowerShell layer and the documentation
    /// refer to these strings, so they never change once released.
    /// </summary>
    public static class ValidationErrorCodes
    {
        public const string FileNotFound = "FileNotFound";
        public const string NotAFile = "NotAFile";
        public const string FileUnreadable = "FileUnreadable";

        public const string FileNameEmpty = "FileNameEmpty";
        public const string FileNameTooLong = "FileNameTooLong";
        public const string FileNameLeadingDot = "FileNameLeadingDot";
        public const string FileNameTrailingSlash = "FileNameTrailingSlash";
        public const string FileNameWhitespace = "FileNameWhitespace";
        public const string FileNameForbiddenCharacter = "FileNameForbiddenCharacter";
        public const string FileNameControlCharacter = "FileNameControlCharacter";
        /// <summary>An invisible format character (Unicode Cf: zero-width space, joiners, word joiner, BOM, soft hyphen…).</summary>
        public const string FileNameInvisibleCharacter = "FileNameInvisibleCharacter";
        /// <summary>The path is a symbolic link, junction or other reparse point; links are not followed.</summary>
        public const string FileIsLink = "FileIsLink";
        public const string FileNameReservedDeviceName = "FileNameReservedDeviceName";
        public const string FileNameTrailingDotOrSpace = "FileNameTrailingDotOrSpace";

        public const string FileEmpty = "FileEmpty";
        public const string FileTooLarge = "FileTooLarge";

        public const string ContentTypeUnknown = "ContentTypeUnknown";
        public const string ContentTypeNotAllowed = "ContentTypeNotAllowed";
        public const string ContentMismatch = "ContentMismatch";

        public const string StorageBucketReferenceMissing = "StorageBucketReferenceMissing";
        public const string StorageBucketReferenceNotUuid = "StorageBucketReferenceNotUuid";
        public const string AccessPolicyMissing = "AccessPolicyMissing";
        public const string RetentionDaysNotPositive = "RetentionDaysNotPositive";
        public const string RetentionDaysTooLarge = "RetentionDaysTooLarge";
        public const string EncryptionStandardNotSupported = "EncryptionStandardNotSupported";
    }

    /// <summary>The values of <see cref="ValidationFailure.Field"/>.</summary>
    public static class ValidationFields
    {
        public const string Path = "path";
        public const string FileName = "fileName";
        public const string Length = "length";
        public const string ContentType = "contentType";
        public const string StorageBucketReference = "metadata.storageBucketReference";
        public const string AccessPolicy = "metadata.accessPolicy";
        public const string RetentionDays = "metadata.accessPolicy.retentionDays";
        public const string EncryptionStandard = "metadata.accessPolicy.encryptionStandard";
    }
}
