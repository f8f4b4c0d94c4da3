using GenesysFileTransfer.Emulator.Hosting;
using GenesysFileTransfer.Emulator.State;
using GenesysFileTransfer.Emulator.Storage;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;

namespace GenesysFileTransfer.Emulator;

/// <summary>
/// A running emulator on 127.0.0.1. Start one per test (or per test class) with <see cref="StartAsync"/> and point
/// the client at <see cref="BaseUri"/>; dispose it to stop it and delete the uploaded bytes.
/// </summary>
public sealed class EmulatorHost : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly BlobStore _blobs;
    private int _disposed;

    private EmulatorHost(WebApplication app, EmulatorOptions options, EmulatorState state, BlobStore blobs, Uri baseUri)
    {
        _app = app;
        Options = options;
        State = state;
        _blobs = blobs;
        BaseUri = baseUri;
    }

    /// <summary>The root every endpoint hangs off, with a trailing slash, e.g. <c>http://127.0.0.1:43210/</c>.</summary>
    public Uri BaseUri { get; }

    /// <summary>The live settings; changes apply to the next request.</summary>
    public EmulatorOptions Options { get; }

    public EmulatorState State { get; }

    internal IHostApplicationLifetime Lifetime => _app.Lifetime;

    public static Task<EmulatorHost> StartAsync(EmulatorOptions? options = null, CancellationToken cancellationToken = default)
        => StartAsync(options, console: false, cancellationToken);

    internal static async Task<EmulatorHost> StartAsync(EmulatorOptions? options, bool console, CancellationToken cancellationToken)
    {
        options ??= new EmulatorOptions();
        options.Validate();
        var blobs = new BlobStore(options.StorageDirectory);
        var state = new EmulatorState(options, blobs);
        WebApplication? app = null;
        try
        {
            app = EmulatorApplication.Build(options, state, console);
            await app.StartAsync(cancellationToken);
            var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault()
                          ?? throw new InvalidOperationException("The emulator started without a listening address.");
            return new EmulatorHost(app, options, state, blobs, new Uri(address.TrimEnd('/') + "/"));
        }
        catch
        {
            if (app is not null) await app.DisposeAsync();
            blobs.Dispose();
            throw;
        }
    }

    /// <summary>Completes when the emulator stops: disposal, <c>POST /emulator/shutdown</c>, or Ctrl+C/SIGTERM for the CLI.</summary>
    public Task WaitForShutdownAsync(CancellationToken cancellationToken = default) => _app.WaitForShutdownAsync(cancellationToken);

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            await _app.StopAsync(timeout.Token);
        }
        finally
        {
            await _app.DisposeAsync();
            _blobs.Dispose();
        }
    }
}
