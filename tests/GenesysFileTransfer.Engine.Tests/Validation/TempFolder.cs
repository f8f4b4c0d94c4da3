using System.Text;

namespace GenesysFileTransfer.Engine.Tests.Validation
{
    /// <summary>A fresh folder per test, deleted afterwards, so tests never see each other's files.</summary>
    internal sealed class TempFolder : IDisposable
    {
        public TempFolder()
        {
            Root = Path.Combine(Path.GetTempPath(), "gft-validation-" + Guid.NewGuid().ToString("N"));
            Directory.CreateDirectory(Root);
        }

        public string Root { get; }

        public string PathOf(string name) => Path.Combine(Root, name);

        public string Write(string name, byte[] bytes)
        {
            string path = PathOf(name);
            File.WriteAllBytes(path, bytes);
            return path;
        }

        public string WriteText(string name, string text) => Write(name, Encoding.UTF8.GetBytes(text));

        /// <summary>A file of the given length whose blocks are never written: instant even at 25 MB.</summary>
        public string WriteSparse(string name, long length, byte[]? head = null)
        {
            string path = PathOf(name);
            using var stream = new FileStream(path, FileMode.CreateNew, FileAccess.Write);
            if (head != null)
            {
                stream.Write(head, 0, head.Length);
            }

            stream.SetLength(length);
            return path;
        }

        public void Dispose()
        {
            try
            {
                Directory.Delete(Root, recursive: true);
            }
            catch (IOException)
            {
                // A file still held open by a failing test must not hide that test's own failure.
            }
        }
    }

    /// <summary>Minimal but genuine file headers.</summary>
    internal static class Samples
    {
        public static readonly byte[] Png = Concat(
            new byte[] { 0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A },
            new byte[] { 0x00, 0x00, 0x00, 0x0D, 0x49, 0x48, 0x44, 0x52, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x02, 0x00, 0x00, 0x00 });

        public static readonly byte[] Pdf = Encoding.Latin1.GetBytes("%PDF-1.7\n%\u00E2\u00E3\u00CF\u00D3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n%%EOF\n");

        public static readonly byte[] Jpeg = { 0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, 0x4A, 0x46, 0x49, 0x46, 0x00, 0x01, 0x01, 0x00, 0x00, 0x01 };

        public static readonly byte[] Gif89 = Concat(Encoding.ASCII.GetBytes("GIF89a"), new byte[] { 0x01, 0x00, 0x01, 0x00, 0x80, 0x00, 0x00 });

        public static readonly byte[] Gif87 = Concat(Encoding.ASCII.GetBytes("GIF87a"), new byte[] { 0x01, 0x00, 0x01, 0x00, 0x80, 0x00, 0x00 });

        public static readonly byte[] Elf = { 0x7F, 0x45, 0x4C, 0x46, 0x02, 0x01, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x00, 0x3E, 0x00 };

        public static readonly byte[] Zip = { 0x50, 0x4B, 0x03, 0x04, 0x14, 0x00, 0x00, 0x00, 0x08, 0x00 };

        /// <summary>A DOS header (as every Windows .exe has) pointing at a PE signature.</summary>
        public static byte[] WindowsExe()
        {
            var bytes = new byte[0x100];
            bytes[0] = (byte)'M';
            bytes[1] = (byte)'Z';
            bytes[2] = 0x90;
            bytes[4] = 0x03;
            bytes[8] = 0x04;
            bytes[0x0C] = 0xFF;
            bytes[0x0D] = 0xFF;
            bytes[0x10] = 0xB8;
            bytes[0x18] = 0x40;
            bytes[0x3C] = 0x80;
            bytes[0x80] = (byte)'P';
            bytes[0x81] = (byte)'E';
            return bytes;
        }

        public static byte[] Concat(params byte[][] parts) => parts.SelectMany(p => p).ToArray();
    }
}
