using System;
using System.IO;

namespace GenesysFileTransfer.Engine.Validation
{
    /// <summary>A file the user asks to send, with the type they declared (if any) and its metadata.</summary>
    public sealed class FileCandidate
    {
        public FileCandidate(string path, string? declaredContentType, TransferMetadata metadata)
        {
            if (path is null)
            {
                throw new ArgumentNullException(nameof(path));
            }

            Path = System.IO.Path.GetFullPath(path);
            FileName = System.IO.Path.GetFileName(Path) ?? string.Empty;

            // A blank type is how PowerShell passes "not given"; treat it like null so the extension decides.
            DeclaredContentType = string.IsNullOrWhiteSpace(declaredContentType) ? null : declaredContentType!.Trim();
            Metadata = metadata ?? throw new ArgumentNullException(nameof(metadata));
        }

        /// <summary>The full path.</summary>
        public string Path { get; }

        public string FileName { get; }

        /// <summary>Null means "derive it from the extension" (<see cref="ContentTypes.FromFileName"/>).</summary>
        public string? DeclaredContentType { get; }

        public TransferMetadata Metadata { get; }
    }
}
