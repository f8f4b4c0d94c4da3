using System.Collections.Concurrent;
using GenesysFileTransfer.Emulator.Http;

namespace GenesysFileTransfer.Emulator.Control;

/// <summary>
/// Counts what a client does to the emulator's Genesys and storage routes: requests per route, how many were in
/// flight at once (now and at most), and how many distinct connections carried them. This is how a test proves
/// that a client bounds its concurrency, and a benchmark that it reuses its connections, without timing anything.
/// Control calls are not counted: they are the test talking, not the client under test.
/// </summary>
internal sealed class RequestStats
{
    private readonly ConcurrentDictionary<string, RouteCounter> _routes = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, byte> _connections = new(StringComparer.Ordinal);
    private DateTimeOffset _since = DateTimeOffset.UtcNow;

    /// <summary>Marks a request as started; dispose the result when it has been answered (or abandoned).</summary>
    public IDisposable Enter(string route, string connectionId)
    {
        _connections.TryAdd(connectionId, 0);
        var counter = _routes.GetOrAdd(route, static _ => new RouteCounter());
        counter.Enter();
        return counter;
    }

    /// <summary>Forgets the totals and maxima; requests still in flight stay counted as in flight.</summary>
    public void Reset()
    {
        foreach (var counter in _routes.Values) counter.Reset();
        _connections.Clear();
        _since = DateTimeOffset.UtcNow;
    }

    public StatsView Snapshot() => new(
        _since,
        _connections.Count,
        _routes.OrderBy(r => r.Key, StringComparer.Ordinal)
            .ToDictionary(r => r.Key, r => r.Value.View(), StringComparer.Ordinal));

    private sealed class RouteCounter : IDisposable
    {
        private readonly object _gate = new();
        private int _inFlight;
        private int _maxInFlight;
        private long _requests;

        public void Enter()
        {
            lock (_gate)
            {
                _inFlight++;
                _requests++;
                if (_inFlight > _maxInFlight) _maxInFlight = _inFlight;
            }
        }

        // One counter serves many requests, so Dispose is "one request left", not "this object is done".
        public void Dispose()
        {
            lock (_gate) _inFlight--;
        }

        public void Reset()
        {
            lock (_gate)
            {
                _requests = 0;
                _maxInFlight = _inFlight;
            }
        }

        public RouteStatsView View()
        {
            lock (_gate) return new RouteStatsView(_requests, _inFlight, _maxInFlight);
        }
    }
}

/// <summary><c>GET /emulator/stats</c>: counts since the emulator started or the last <c>DELETE /emulator/stats</c>.</summary>
internal sealed record StatsView(DateTimeOffset Since, int Connections, IReadOnlyDictionary<string, RouteStatsView> Routes);

internal sealed record RouteStatsView(long Requests, int InFlight, int MaxInFlight);

/// <summary>
/// Runs after routing (it needs the route name) and before faults, so a request held by a hang fault counts as in
/// flight: from the client's side it is.
/// </summary>
internal sealed class RequestStatsMiddleware(RequestDelegate next, RequestStats stats)
{
    public async Task InvokeAsync(HttpContext context)
    {
        var route = EmulatorRoute.Of(context);
        if (route is null || route.Name == EmulatorRoute.Control)
        {
            await next(context);
            return;
        }

        using (stats.Enter(route.Name, context.Connection.Id))
        {
            await next(context);
        }
    }
}

internal static class StatsEndpoints
{
    public static void Map(IEndpointRouteBuilder app)
    {
        var control = app.MapGroup("/emulator").WithEmulatorRoute(EmulatorRoute.Control, BearerMode.None);
        control.MapGet("/stats", (RequestStats stats) => EmulatorJson.Ok(stats.Snapshot()));
        control.MapDelete("/stats", (RequestStats stats) =>
        {
            stats.Reset();
            return Results.NoContent();
        });
    }
}
