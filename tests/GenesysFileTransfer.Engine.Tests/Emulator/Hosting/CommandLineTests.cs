using GenesysFileTransfer.Emulator.Hosting;
using Xunit;

namespace GenesysFileTransfer.Engine.Tests.Emulator.Hosting;

public class CommandLineTests
{
    [Fact]
    public void Every_option_lands_in_the_emulator_settings()
    {
        var parsed = CommandLine.Parse(
            ["--port", "8123", "--ready-file", "ready.txt", "--parent-pid", "42", "--client-id", "id", "--client-secret", "secret",
             "--token-lifetime", "300", "--upload-url-lifetime", "60", "--validation-delay", "0"], out var error);

        Assert.Null(error);
        Assert.NotNull(parsed);
        Assert.Equal(8123, parsed.Options.Port);
        Assert.Equal("ready.txt", parsed.ReadyFile);
        Assert.Equal(42, parsed.ParentProcessId);
        Assert.Equal("id", parsed.Options.ClientId);
        Assert.Equal("secret", parsed.Options.ClientSecret);
        Assert.Equal(300, parsed.Options.TokenLifetimeSeconds);
        Assert.Equal(60, parsed.Options.UploadUrlLifetimeSeconds);
        Assert.Equal(0, parsed.Options.ValidationDelayMs);
    }

    [Fact]
    public void No_arguments_mean_the_defaults_on_any_free_port()
    {
        var parsed = CommandLine.Parse([], out _);

        Assert.NotNull(parsed);
        Assert.Equal(0, parsed.Options.Port);
        Assert.Null(parsed.ReadyFile);
        Assert.Null(parsed.ParentProcessId);
        Assert.Equal(200, parsed.Options.ValidationDelayMs);
    }

    [Theory]
    [InlineData("--port", "70000")]
    [InlineData("--port", "abc")]
    [InlineData("--token-lifetime", "0")]
    [InlineData("--validation-delay", "-1")]
    [InlineData("--unknown", "1")]
    [InlineData("--port")]
    public void Bad_arguments_are_refused_with_a_reason(params string[] args)
    {
        var parsed = CommandLine.Parse(args, out var error);

        Assert.Null(parsed);
        Assert.False(string.IsNullOrWhiteSpace(error));
    }
}
