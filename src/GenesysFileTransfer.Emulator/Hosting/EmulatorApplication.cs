using System.Net;
using GenesysFileTransfer.Emulator.Auth;
using GenesysFileTransfer.Emulator.Content;
using GenesysFileTransfer.Emulator.Control;
using GenesysFileTransfer.Emulator.Conversations;
using GenesysFileTransfer.Emulator.Media;
using GenesysFileTransfer.Emulator.ObjectStore;
using GenesysFileTransfer.Emulator.State;
using GenesysFileTransfer.Emulator.Storage;
using GenesysFileTransfer.Emulator.Webhooks;

namespace GenesysFileTransfer.Emulator.Hosting;

/// <summary>Composes the web application: services, the request pipeline and every endpoint.</summary>
internal static class EmulatorApplication
{
    public static WebApplication Build(EmulatorOptions options, EmulatorState state, bool console)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions
        {
            ApplicationName = typeof(EmulatorApplication).Assembly.GetName().Name,
            ContentRootPath = AppContext.BaseDirectory,
        });

        builder.WebHost.UseKestrel(kestrel =>
        {
            kestrel.Listen(IPAddress.Loopback, options.Port);
            // Upload size is the emulator's own rule (maxContentLengthBytes against the declared length), checked
            // while streaming; Kestrel's 30 MB default must not pre-empt it with a different error.
            kestrel.Limits.MaxRequestBodySize = null;
            kestrel.AddServerHeader = false;
        });

        builder.Logging.ClearProviders();
        if (console)
        {
            // Warnings only, and on stderr: stdout carries exactly the one "listening" line a launcher waits for.
            builder.Logging.SetMinimumLevel(LogLevel.Warning);
            builder.Logging.AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace);
            builder.Services.Configure<ConsoleLifetimeOptions>(o => o.SuppressStatusMessages = true);
        }
        else
        {
            // In-process hosts must not hook Ctrl+C of the process they live in (a test runner, say).
            builder.Services.AddSingleton<IHostLifetime, InProcessLifetime>();
        }

        builder.Services.AddSingleton(options);
        builder.Services.AddSingleton(state);
        builder.Services.AddSingleton<PresignedUrlSigner>();
        builder.Services.AddSingleton<FaultInjector>();
        builder.Services.AddSingleton<ObjectStoreState>();
        builder.Services.AddSingleton<RequestStats>();
        builder.Services.AddSingleton<OpenMessagingNotifier>();

        var app = builder.Build();
        app.UseMiddleware<RequestLogMiddleware>();
        app.UseRouting();
        app.UseMiddleware<RequestStatsMiddleware>();
        app.UseMiddleware<FaultMiddleware>();
        app.UseMiddleware<BearerAuthenticationMiddleware>();

        OAuthEndpoints.Map(app);
        MediaEndpoints.Map(app);
        MessageEndpoints.Map(app);
        ConversationEndpoints.Map(app);
        S3Endpoints.Map(app);
        ObjectStoreEndpoints.Map(app);
        ObjectStoreControlEndpoints.Map(app);
        SupportedContentEndpoints.Map(app);
        WebDeploymentEndpoints.Map(app);
        ControlEndpoints.Map(app, options.Clone());
        OpenMessagingEndpoints.Map(app);
        StatsEndpoints.Map(app);
        return app;
    }

    private sealed class InProcessLifetime : IHostLifetime
    {
        public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
