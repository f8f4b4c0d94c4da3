using System;
using System.IO;

namespace GenesysFileTransfer.Engine.Validation
{
    /// <summary>A file the user asks to send, with the type they declared (if any) and its metadata.</summary>
    public sealed class FileCandidate
    {
        public FileCandidate(string path, string? declaredContentType, TransferMetadata metadata)
            : this(path, declaredContentType, metadata, null)
        {
        }

        /// <summary>
        /// A file sent under another name than it has on disk (<paramref name="fileName"/>, e.g. one Genesys accepts
        /// for "my invoice.pdf"); null or blank keeps the name on disk. The name on disk stays in <see cref="Path"/>.
        /// </summary>
        public FileCandidate(string path, string? declaredContentType, TransferMetadata metadata, string? fileName)
        {
            if (path is null)
            {
                throw new ArgumentNullException(nameof(path));
            }

            Path = System.IO.Path.GetFullPath(path);
            OriginalFileName = System.IO.Path.GetFileName(Path) ?? string.Empty;
            FileName = string.IsNullOrWhiteSpace(fileName) ? OriginalFileName : fileName!;

            // A blank type is how PowerShell passes "not given"; treat it like null so the extension decides.
            DeclaredContentType = string.IsNullOrWhiteSpace(declaredContentType) ? null : declaredContentType!.Trim();
            Metadata = metadata ?? throw new ArgumentNullException(nameof(metadata));
        }

        /// <summary>The full path.</summary>
        public string Path { get; }

        /// <summary>The name Genesys is given and shows (the name on disk unless another was asked for).</summary>
        public string FileName { get; }

        /// <summary>The name on disk.</summary>
        public string OriginalFileName { get; }

        /// <summary>Null means "derive it from the extension" (<see cref="ContentTypes.FromFileName"/>).</summary>
        public string? DeclaredContentType { get; }

        public TransferMetadata Metadata { get; }
    }
}
