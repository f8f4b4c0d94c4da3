using System.Text.Json;

namespace GenesysFileTransfer.Emulator.Control;

/// <summary>What a matched request gets instead of its normal answer.</summary>
internal enum FaultAction
{
    /// <summary>Answer with <see cref="FaultRule.Status"/> in the route's own error format.</summary>
    Status,

    /// <summary>Wait <see cref="FaultRule.HangMs"/> (or until the client gives up), then answer normally.</summary>
    Hang,

    /// <summary>Cut the connection part-way through the request or response body, before the request is processed.</summary>
    Drop,

    /// <summary>
    /// Process the request completely (it has all its effects), then cut the connection before any byte of the
    /// answer is sent: the client cannot tell whether the server acted.
    /// </summary>
    DropResponse,
}

/// <summary>
/// A fault for the next <see cref="Count"/> requests to <see cref="Route"/> (a route name, or "*").
/// </summary>
internal sealed record FaultRule(
    string Route,
    string? Method,
    int Count,
    FaultAction Action,
    int? Status = null,
    int? RetryAfterSeconds = null,
    int? HangMs = null,
    JsonElement? Body = null);

/// <summary>Active fault rules, consumed first come, first served. Thread-safe.</summary>
internal sealed class FaultInjector
{
    private readonly object _gate = new();
    private readonly List<ActiveFault> _faults = [];

    public void Add(FaultRule rule)
    {
        lock (_gate) _faults.Add(new ActiveFault(rule, rule.Count));
    }

    public void Clear()
    {
        lock (_gate) _faults.Clear();
    }

    public IReadOnlyList<object> Describe()
    {
        lock (_gate)
        {
            return _faults.Select(f => (object)new
            {
                route = f.Rule.Route,
                method = f.Rule.Method,
                action = f.Rule.Action.ToString().ToLowerInvariant(),
                status = f.Rule.Status,
                retryAfterSeconds = f.Rule.RetryAfterSeconds,
                hangMs = f.Rule.HangMs,
                remaining = f.Remaining,
            }).ToArray();
        }
    }

    /// <summary>Takes one use of the first rule matching the request, if any.</summary>
    public FaultRule? TryTake(string route, string method)
    {
        lock (_gate)
        {
            for (var i = 0; i < _faults.Count; i++)
            {
                var fault = _faults[i];
                if (!Matches(fault.Rule, route, method)) continue;
                fault.Remaining--;
                if (fault.Remaining <= 0) _faults.RemoveAt(i);
                return fault.Rule;
            }
        }

        return null;
    }

    private static bool Matches(FaultRule rule, string route, string method)
        => (rule.Route == "*" || string.Equals(rule.Route, route, StringComparison.OrdinalIgnoreCase))
           && (rule.Method is null || string.Equals(rule.Method, method, StringComparison.OrdinalIgnoreCase));

    private sealed class ActiveFault(FaultRule rule, int remaining)
    {
        public FaultRule Rule { get; } = rule;
        public int Remaining { get; set; } = remaining;
    }
}
