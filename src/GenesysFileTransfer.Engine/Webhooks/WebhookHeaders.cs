using System;
using System.Collections;
using System.Collections.Generic;
using System.Collections.Specialized;
using System.Linq;

namespace GenesysFileTransfer.Engine.Webhooks
{
    /// <summary>
    /// The request headers of one callback, looked up case-insensitively as HTTP requires. Hosts hand headers over in
    /// many shapes (an HttpListener collection, an Azure Functions hashtable with lower-case names, a dictionary of
    /// string arrays); a header given several values keeps them all, joined by a space, which is the separator the
    /// Standard Webhooks signature list uses.
    /// </summary>
    public sealed class WebhookHeaders
    {
        private readonly Dictionary<string, string> _values;

        private WebhookHeaders(Dictionary<string, string> values)
        {
            _values = values;
        }

        public static WebhookHeaders Empty { get; } = new WebhookHeaders(new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase));

        public int Count => _values.Count;

        public IEnumerable<string> Names => _values.Keys;

        public static WebhookHeaders From(IEnumerable<KeyValuePair<string, string?>> headers)
        {
            var values = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            if (headers != null)
            {
                foreach (KeyValuePair<string, string?> header in headers)
                {
                    Add(values, header.Key, header.Value);
                }
            }

            return new WebhookHeaders(values);
        }

        /// <summary>Keys are turned into strings; values may be strings, arrays or lists of strings (or anything with a ToString).</summary>
        public static WebhookHeaders From(IDictionary? headers)
        {
            var values = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            if (headers != null)
            {
                foreach (DictionaryEntry entry in headers)
                {
                    string? name = entry.Key?.ToString();
                    if (name is null)
                    {
                        continue;
                    }

                    if (entry.Value is string text)
                    {
                        Add(values, name, text);
                    }
                    else if (entry.Value is IEnumerable many)
                    {
                        foreach (object? item in many)
                        {
                            Add(values, name, item?.ToString());
                        }
                    }
                    else
                    {
                        Add(values, name, entry.Value?.ToString());
                    }
                }
            }

            return new WebhookHeaders(values);
        }

        /// <summary>From an HttpListener (or WebHeaderCollection) request: one entry per header name.</summary>
        public static WebhookHeaders From(NameValueCollection headers)
        {
            var values = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            if (headers != null)
            {
                foreach (string? name in headers.AllKeys)
                {
                    if (name != null)
                    {
                        Add(values, name, headers[name]);
                    }
                }
            }

            return new WebhookHeaders(values);
        }

        public bool TryGet(string name, out string value)
        {
            if (_values.TryGetValue(name, out string? found) && found.Trim().Length > 0)
            {
                value = found.Trim();
                return true;
            }

            value = string.Empty;
            return false;
        }

        public string? this[string name] => TryGet(name, out string value) ? value : null;

        private static void Add(Dictionary<string, string> values, string name, string? value)
        {
            if (string.IsNullOrWhiteSpace(name) || value is null)
            {
                return;
            }

            string key = name.Trim();
            values[key] = values.TryGetValue(key, out string? existing) && existing.Length > 0 ? existing + " " + value : value;
        }

        public override string ToString() => string.Join(", ", _values.Keys.OrderBy(k => k, StringComparer.OrdinalIgnoreCase));
    }
}
