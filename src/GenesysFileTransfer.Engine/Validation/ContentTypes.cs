using System;
using System.Collections.Generic;

namespace GenesysFileTransfer.Engine.Validation
{
    /// <summary>The content type a file's extension implies, used when the caller declares none.</summary>
    public static class ContentTypes
    {
        private static readonly Dictionary<string, string> ByExtension =
            new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
            {
                [".pdf"] = "application/pdf",
                [".png"] = "image/png",
                [".jpg"] = "image/jpeg",
                [".jpeg"] = "image/jpeg",
                [".jpe"] = "image/jpeg",
                [".gif"] = "image/gif",
                [".bmp"] = "image/bmp",
                [".tif"] = "image/tiff",
                [".tiff"] = "image/tiff",
                [".webp"] = "image/webp",
                [".svg"] = "image/svg+xml",
                [".heic"] = "image/heic",
                [".txt"] = "text/plain",
                [".log"] = "text/plain",
                [".text"] = "text/plain",
                [".csv"] = "text/csv",
                [".tsv"] = "text/tab-separated-values",
                [".md"] = "text/markdown",
                [".htm"] = "text/html",
                [".html"] = "text/html",
                [".xml"] = "application/xml",
                [".json"] = "application/json",
                [".rtf"] = "application/rtf",
                [".zip"] = "application/zip",
                [".doc"] = "application/msword",
                [".docx"] = "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                [".xls"] = "application/vnd.ms-excel",
                [".xlsx"] = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                [".ppt"] = "application/vnd.ms-powerpoint",
                [".pptx"] = "application/vnd.openxmlformats-officedocument.presentationml.presentation",
                [".mp3"] = "audio/mpeg",
                [".wav"] = "audio/wav",
                [".mp4"] = "video/mp4",
                [".mov"] = "video/quicktime",
                [".exe"] = "application/x-msdownload",
                [".dll"] = "application/x-msdownload",
            };

        /// <summary>The type the extension implies (case-insensitive), or null when there is none or it is unknown.</summary>
        public static string? FromFileName(string fileName)
        {
            if (string.IsNullOrEmpty(fileName))
            {
                return null;
            }

            // Not Path.GetExtension: on .NET Framework it throws for characters such as '<' and '|', and names that
            // contain them must reach FileNameRules to be reported, not crash the lookup.
            int dot = fileName.LastIndexOf('.');
            if (dot < 0 || fileName.IndexOfAny(new[] { '/', '\\' }, dot) >= 0)
            {
                return null;
            }

            return ByExtension.TryGetValue(fileName.Substring(dot), out string? type) ? type : null;
        }
    }
}
