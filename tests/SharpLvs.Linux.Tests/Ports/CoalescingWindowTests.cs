using SharpLvs.Linux.Ports;

namespace SharpLvs.Linux.Tests.Ports;

public class CoalescingWindowTests
{
    [Fact]
    public void AfterPoll_FramesFurtherApartThanTheLongestWindow_StaysInPoll()
    {
        var window = new CoalescingWindow(100);

        window.AfterPoll(frames: 1, waitedNanoseconds: 150_000);

        Assert.False(window.Engaged);
    }

    [Fact]
    public void AfterPoll_FramesCloseTogether_EngagesWithAWindowForFourOfThem()
    {
        var window = new CoalescingWindow(100);

        window.AfterPoll(frames: 1, waitedNanoseconds: 7_000);

        Assert.True(window.Engaged);
        Assert.Equal(28_000, window.WindowNanoseconds);
    }

    [Fact]
    public void AfterPoll_CoalescingOff_NeverEngages()
    {
        var window = new CoalescingWindow(0);

        window.AfterPoll(frames: 5, waitedNanoseconds: 1_000);

        Assert.False(window.Engaged);
    }

    [Fact]
    public void AfterPoll_NothingArrived_StaysInPoll()
    {
        var window = new CoalescingWindow(100);

        window.AfterPoll(frames: 0, waitedNanoseconds: 1_000);

        Assert.False(window.Engaged);
    }

    [Fact]
    public void AfterPoll_VeryCloseFrames_WindowNotBelowTheFloor()
    {
        var window = new CoalescingWindow(100);

        window.AfterPoll(frames: 8, waitedNanoseconds: 1_000);

        Assert.Equal(CoalescingWindow.FloorNanoseconds, window.WindowNanoseconds);
    }

    [Fact]
    public void AfterPoll_MaximumBelowTheFloor_WindowIsTheMaximum()
    {
        var window = new CoalescingWindow(5);

        window.AfterPoll(frames: 1, waitedNanoseconds: 1_000);

        Assert.Equal(5_000, window.WindowNanoseconds);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    public void AfterSleep_OneFrameOrNone_GoesBackToPoll(int frames)
    {
        var window = Engaged(waitedNanoseconds: 7_000);

        window.AfterSleep(frames);

        Assert.False(window.Engaged);
    }

    [Fact]
    public void AfterSleep_SmallBatches_GrowTheWindowUpToTheMaximum()
    {
        var window = Engaged(waitedNanoseconds: 7_000);
        var previous = window.WindowNanoseconds;

        window.AfterSleep(4);
        Assert.Equal(previous * 5 / 4, window.WindowNanoseconds);

        for (var i = 0; i < 50; i++)
        {
            window.AfterSleep(4);
        }

        Assert.True(window.Engaged);
        Assert.Equal(100_000, window.WindowNanoseconds);
    }

    [Fact]
    public void AfterSleep_LargeBatches_ShrinkTheWindowDownToTheFloor()
    {
        var window = Engaged(waitedNanoseconds: 20_000);
        var previous = window.WindowNanoseconds;

        window.AfterSleep(64);
        Assert.Equal(previous * 3 / 4, window.WindowNanoseconds);

        for (var i = 0; i < 50; i++)
        {
            window.AfterSleep(64);
        }

        Assert.Equal(CoalescingWindow.FloorNanoseconds, window.WindowNanoseconds);
    }

    [Fact]
    public void AfterSleep_BatchesNearTheTarget_KeepTheWindow()
    {
        var window = Engaged(waitedNanoseconds: 7_000);
        var previous = window.WindowNanoseconds;

        window.AfterSleep(CoalescingWindow.TargetBatch);

        Assert.Equal(previous, window.WindowNanoseconds);
    }

    private static CoalescingWindow Engaged(long waitedNanoseconds)
    {
        var window = new CoalescingWindow(100);
        window.AfterPoll(frames: 1, waitedNanoseconds: waitedNanoseconds);
        Assert.True(window.Engaged);
        return window;
    }
}
