using GenesysFileTransfer.Engine.Transfers;
using Xunit;

namespace GenesysFileTransfer.Engine.Tests.Core;

/// <summary>
/// The default poll schedule is what bounds how late a validation is noticed and how many requests a slow one
/// costs; these pin its shape.
/// </summary>
public class ScanScheduleTests
{
    [Fact]
    public void Default_schedule_starts_small_and_holds_at_the_fast_interval()
    {
        var options = new ScanWaitOptions();

        Assert.Equal(TimeSpan.FromMilliseconds(100), options.IntervalFor(1));
        Assert.Equal(TimeSpan.FromMilliseconds(150), options.IntervalFor(2));
        Assert.Equal(TimeSpan.FromMilliseconds(225), options.IntervalFor(3));
        Assert.Equal(TimeSpan.FromMilliseconds(250), options.IntervalFor(4));
        Assert.Equal(TimeSpan.FromMilliseconds(250), options.IntervalFor(10));
    }

    [Fact]
    public void No_pause_within_the_fast_window_is_longer_than_the_fast_interval()
    {
        var options = new ScanWaitOptions();
        TimeSpan waited = TimeSpan.Zero;
        int poll = 1;
        for (; waited < options.FastWindow; poll++)
        {
            TimeSpan pause = options.IntervalFor(poll);
            Assert.True(pause <= options.FastInterval, $"poll {poll} waits {pause.TotalMilliseconds} ms");
            waited += pause;
        }

        // A validation that takes the whole window is seen within about 20 polls, not hundreds.
        Assert.InRange(poll, 15, 25);
    }

    [Fact]
    public void After_the_fast_window_pauses_grow_smoothly_to_the_maximum()
    {
        var options = new ScanWaitOptions();
        TimeSpan waited = TimeSpan.Zero;
        int poll = 1;
        while (waited < options.FastWindow)
        {
            waited += options.IntervalFor(poll++);
        }

        Assert.Equal(TimeSpan.FromMilliseconds(375), options.IntervalFor(poll));
        Assert.Equal(TimeSpan.FromMilliseconds(562.5), options.IntervalFor(poll + 1));
        Assert.Equal(options.MaxInterval, options.IntervalFor(poll + 10));
        Assert.Equal(options.MaxInterval, options.IntervalFor(500));
    }

    [Fact]
    public void A_maximum_below_the_fast_interval_caps_the_fast_window_too()
    {
        var options = new ScanWaitOptions { MaxInterval = TimeSpan.FromMilliseconds(120) };

        Assert.Equal(TimeSpan.FromMilliseconds(100), options.IntervalFor(1));
        Assert.Equal(TimeSpan.FromMilliseconds(120), options.IntervalFor(2));
        Assert.Equal(TimeSpan.FromMilliseconds(120), options.IntervalFor(100));
    }
}
