using GenesysFileTransfer.Engine.Connection;
using Xunit;

namespace GenesysFileTransfer.Engine.Tests.Core;

public class EnvironmentTests
{
    [Theory]
    [InlineData("us_east_1", "https://api.mypurecloud.com/", "https://login.mypurecloud.com/")]
    [InlineData("eu-west-1", "https://api.mypurecloud.ie/", "https://login.mypurecloud.ie/")]
    [InlineData("ap_southeast_2", "https://api.mypurecloud.com.au/", "https://login.mypurecloud.com.au/")]
    [InlineData("mypurecloud.de", "https://api.mypurecloud.de/", "https://login.mypurecloud.de/")]
    [InlineData("use2.us-gov-pure.cloud", "https://api.use2.us-gov-pure.cloud/", "https://login.use2.us-gov-pure.cloud/")]
    public void Regions_map_to_api_and_login_hosts(string region, string api, string login)
    {
        GenesysEnvironment environment = GenesysEnvironment.FromRegion(region);

        Assert.Equal(api, environment.ApiBaseUri.ToString());
        Assert.Equal(login, environment.LoginBaseUri.ToString());
    }

    [Fact]
    public void Unknown_region_names_the_valid_ones()
    {
        var error = Assert.Throws<ArgumentException>(() => GenesysEnvironment.FromRegion("moon_base_1"));

        Assert.Contains("us_east_1", error.Message);
    }

    [Fact]
    public void Custom_api_host_derives_the_login_host_like_the_sdk()
    {
        GenesysEnvironment environment = GenesysEnvironment.FromBaseUri(new Uri("https://api.gateway.example.com"));

        Assert.Equal("https://login.gateway.example.com/", environment.LoginBaseUri.ToString());
    }

    [Fact]
    public void Loopback_base_serves_both_api_and_login()
    {
        GenesysEnvironment environment = GenesysEnvironment.FromBaseUri(new Uri("http://127.0.0.1:5099"));

        Assert.Equal(environment.ApiBaseUri, environment.LoginBaseUri);
        Assert.Equal("http://127.0.0.1:5099/", environment.ApiBaseUri.ToString());
    }

    [Fact]
    public void Plain_http_to_a_remote_host_is_refused_so_secrets_never_travel_in_clear()
    {
        Assert.Throws<ArgumentException>(() => GenesysEnvironment.FromBaseUri(new Uri("http://api.example.com")));
    }
}
