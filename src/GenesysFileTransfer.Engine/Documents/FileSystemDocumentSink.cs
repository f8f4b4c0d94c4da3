using System;
using System.Buffers;
using System.IO;
using System.Security.Cryptography;
using System.Threading;
using System.Threading.Tasks;

namespace GenesysFileTransfer.Engine.Documents
{
    /// <summary>
    /// Archives into a folder (local, mounted or a UNC share): <c>&lt;root&gt;/&lt;key path&gt;/&lt;name&gt;</c> plus
    /// <c>&lt;name&gt;.metadata.json</c>. Each file is written to a temporary file in the same folder, flushed to disk
    /// and renamed into place, so a reader never sees half a file under the final name. The sidecar is written last
    /// and only if absent: it is the commit record of the document. A document without a sidecar is what a crashed
    /// earlier attempt left, and is replaced.
    /// </summary>
    public sealed class FileSystemDocumentSink : IDocumentSink
    {
        private const int BufferSize = 81920;
        private const string TempSuffix = ".tmp";

        /// <summary>Temporary files older than this in a document's folder are leftovers of a crash and are removed.</summary>
        private static readonly TimeSpan StaleTempAge = TimeSpan.FromHours(24);

        public FileSystemDocumentSink(string rootDirectory)
        {
            if (string.IsNullOrWhiteSpace(rootDirectory))
            {
                throw new ArgumentException("The destination folder must not be empty.", nameof(rootDirectory));
            }

            Root = Path.GetFullPath(rootDirectory);
        }

        /// <summary>The destination folder, as a full path.</summary>
        public string Root { get; }

        public string Description => "folder " + Root;

        /// <summary>The full path a document with this key and name is (or would be) stored at.</summary>
        public string PathFor(string documentKey, string fileName)
            => Path.Combine(Root, DocumentPaths.RelativePath(documentKey, fileName).Replace('/', Path.DirectorySeparatorChar));

        public async Task<StoredDocument> StoreAsync(DocumentToStore document, CancellationToken cancellationToken)
        {
            if (document is null)
            {
                throw new ArgumentNullException(nameof(document));
            }

            string documentPath = PathFor(document.DocumentKey, document.FileName);
            string sidecarPath = documentPath + DocumentPaths.SidecarSuffix;
            string folder = Path.GetDirectoryName(documentPath)!;
            try
            {
                Directory.CreateDirectory(folder);
                RemoveStaleTemporaryFiles(folder);

                StoredDocument? existing = CheckExisting(document, documentPath, sidecarPath);
                if (existing != null)
                {
                    return existing;
                }

                // No sidecar: nothing is committed under this key, so whatever document file is there (a crashed
                // attempt's) may be replaced.
                await WriteAtomicallyAsync(documentPath, document, cancellationToken).ConfigureAwait(false);

                byte[] sidecar = document.Metadata.ToSidecarJson();
                string temp = TempPathFor(sidecarPath);
                try
                {
                    await WriteFileAsync(temp, sidecar, cancellationToken).ConfigureAwait(false);
                    if (!TryMoveIfAbsent(temp, sidecarPath))
                    {
                        // Another worker committed the same key between our check and now (its lease had been
                        // taken over); its sidecar decides.
                        return CheckExisting(document, documentPath, sidecarPath)
                            ?? throw new DocumentSinkUnavailableException($"The sidecar '{sidecarPath}' could not be created and cannot be read.");
                    }
                }
                finally
                {
                    TryDelete(temp);
                }

                return new StoredDocument(document.DocumentKey, documentPath, document.Sha256, document.Length, created: true);
            }
            catch (DocumentArchiveException)
            {
                throw;
            }
            catch (OperationCanceledException)
            {
                throw;
            }
            catch (UnauthorizedAccessException ex)
            {
                throw new DocumentSinkException("DocumentSinkAccessDenied", $"Access to '{folder}' was denied: {ex.Message}", isTransient: false, ex);
            }
            catch (IOException ex)
            {
                // A share that went away, a full disk, a locked file: all may pass, so the item waits in the outbox.
                throw new DocumentSinkUnavailableException($"The folder '{folder}' could not be written: {ex.Message}", ex);
            }
        }

        public void Dispose()
        {
        }

        /// <summary>The committed document for the key, or null when nothing is committed.</summary>
        private static StoredDocument? CheckExisting(DocumentToStore document, string documentPath, string sidecarPath)
        {
            if (!File.Exists(sidecarPath))
            {
                return null;
            }

            DocumentMetadata? stored = DocumentMetadata.FromSidecarJson(File.ReadAllBytes(sidecarPath));
            if (stored is null)
            {
                throw new DocumentSinkException(
                    "DocumentSidecarDamaged",
                    $"The metadata sidecar '{sidecarPath}' is not readable JSON with a sha256; fix or remove it, then archive again.");
            }

            if (!string.Equals(stored.Sha256, document.Sha256, StringComparison.OrdinalIgnoreCase))
            {
                throw new DocumentConflictException(document.DocumentKey, documentPath, stored.Sha256, document.Sha256);
            }

            if (!File.Exists(documentPath))
            {
                // The sidecar survived but the document was removed by hand: put the same bytes back.
                return null;
            }

            return new StoredDocument(document.DocumentKey, documentPath, stored.Sha256, new FileInfo(documentPath).Length, created: false);
        }

        /// <summary>Copies the content into a temporary file beside the target, checks its SHA-256, then renames it into place.</summary>
        private static async Task WriteAtomicallyAsync(string path, DocumentToStore document, CancellationToken cancellationToken)
        {
            string temp = TempPathFor(path);
            byte[] buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
            try
            {
                using (IncrementalHash sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256))
                {
                    long written = 0;
                    using (Stream source = document.OpenContent())
                    using (var target = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, BufferSize, FileOptions.Asynchronous))
                    {
                        int read;
                        while ((read = await source.ReadAsync(buffer, 0, buffer.Length, cancellationToken).ConfigureAwait(false)) > 0)
                        {
                            sha.AppendData(buffer, 0, read);
                            await target.WriteAsync(buffer, 0, read, cancellationToken).ConfigureAwait(false);
                            written += read;
                        }

                        await target.FlushAsync(cancellationToken).ConfigureAwait(false);

                        // Through the OS cache to the disk (or the server, for a share) before the rename makes it
                        // visible: a power cut must not leave a final name over unwritten blocks.
                        target.Flush(flushToDisk: true);
                    }

                    string actual = Hex(sha.GetHashAndReset());
                    if (!string.Equals(actual, document.Sha256, StringComparison.OrdinalIgnoreCase) || written != document.Length)
                    {
                        throw new DocumentIntegrityException(
                            document.DocumentKey,
                            $"the content changed while it was stored ({written} bytes with SHA-256 {actual}; expected {document.Length} bytes with {document.Sha256}).");
                    }
                }

                ReplaceWith(temp, path);
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(buffer);
                TryDelete(temp);
            }
        }

        private static async Task WriteFileAsync(string path, byte[] content, CancellationToken cancellationToken)
        {
            using (var target = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, 4096, FileOptions.Asynchronous))
            {
                await target.WriteAsync(content, 0, content.Length, cancellationToken).ConfigureAwait(false);
                await target.FlushAsync(cancellationToken).ConfigureAwait(false);
                target.Flush(flushToDisk: true);
            }
        }

        /// <summary>Renames <paramref name="temp"/> over <paramref name="path"/>, atomically whether or not it exists.</summary>
        private static void ReplaceWith(string temp, string path)
        {
            try
            {
                File.Move(temp, path);
            }
            catch (IOException) when (File.Exists(path))
            {
                // netstandard2.0's File.Move cannot overwrite; File.Replace is rename(2) on Unix and ReplaceFile on
                // Windows, both atomic for readers.
                File.Replace(temp, path, destinationBackupFileName: null, ignoreMetadataErrors: true);
            }
        }

        /// <summary>Renames only if the target does not exist yet; false when it does.</summary>
        private static bool TryMoveIfAbsent(string temp, string path)
        {
            if (File.Exists(path))
            {
                return false;
            }

            try
            {
                File.Move(temp, path);
                return true;
            }
            catch (IOException) when (File.Exists(path))
            {
                return false;
            }
        }

        /// <summary>A hidden, unique temporary name in the same folder, so the final rename never crosses volumes.</summary>
        private static string TempPathFor(string path)
            => Path.Combine(Path.GetDirectoryName(path)!, "." + Path.GetFileName(path) + "." + Guid.NewGuid().ToString("N") + TempSuffix);

        private static void RemoveStaleTemporaryFiles(string folder)
        {
            try
            {
                foreach (string file in Directory.EnumerateFiles(folder, ".*" + TempSuffix))
                {
                    if (DateTime.UtcNow - File.GetLastWriteTimeUtc(file) > StaleTempAge)
                    {
                        TryDelete(file);
                    }
                }
            }
            catch (IOException)
            {
            }
            catch (UnauthorizedAccessException)
            {
            }
        }

        private static void TryDelete(string path)
        {
            try
            {
                if (File.Exists(path))
                {
                    File.Delete(path);
                }
            }
            catch (IOException)
            {
            }
            catch (UnauthorizedAccessException)
            {
            }
        }

        internal static string Hex(byte[] bytes)
        {
            var chars = new char[bytes.Length * 2];
            const string digits = "0123456789abcdef";
            for (int i = 0; i < bytes.Length; i++)
            {
                chars[2 * i] = digits[bytes[i] >> 4];
                chars[(2 * i) + 1] = digits[bytes[i] & 0xF];
            }

            return new string(chars);
        }
    }
}
