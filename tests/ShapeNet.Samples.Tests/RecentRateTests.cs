using ShapeNet.Samples.Common;

namespace ShapeNet.Samples.Tests;

/// <summary>The progress bar's samples/s follows the current speed, not the average since the start.</summary>
public sealed class RecentRateTests
{
    private static TimeSpan S(double seconds) => TimeSpan.FromSeconds(seconds);

    [Fact]
    public void A_slow_start_does_not_hold_the_rate_down()
    {
        var rate = new RecentRate(S(0.5));
        Assert.Equal(100, rate.Update(S(10), 1_000), 6);          // first epoch: 1,000 samples in 10 s
        Assert.Equal(1_000, rate.Update(S(11), 2_000), 6);        // second: 1,000 in 1 s (the running average would say 182)
        Assert.Equal(1_000, rate.Update(S(12), 3_000), 6);
        Assert.Equal(2_000, rate.Update(S(12.5), 4_000), 6);      // reports half a second apart: the last one's speed
    }

    [Fact]
    public void A_run_shorter_than_a_few_seconds_reads_its_current_speed_not_its_average()
    {
        // The MNIST MLP sample's shape: a first epoch of 0.45 s (compilation), then 8,000 samples every 0.21 s
        // (38,095 samples/s). A 3-second window reached back to the start for the whole run, so the figure climbed every
        // epoch (from 17,778 to 29,630 by the fourth); half a second back reads the current speed from the fourth epoch.
        var rate = new RecentRate(S(0.5));
        double[] seconds = [0.45, 0.66, 0.87, 1.08, 1.29, 1.50];
        var read = seconds.Select((t, i) => rate.Update(S(t), (i + 1) * 8_000L)).ToArray();
        Assert.Equal(8_000 / 0.45, read[0], 6);
        Assert.Equal(24_000 / 0.87, read[2], 6);                   // nothing is half a second old yet: since the start
        for (int i = 3; i < read.Length; i++) Assert.Equal(8_000 / 0.21, read[i], 3);
    }

    [Fact]
    public void Reports_closer_than_the_span_are_averaged_over_at_least_the_span()
    {
        var rate = new RecentRate(S(1));
        for (int i = 1; i <= 4; i++) rate.Update(S(i * 0.25), i * 25);   // 100 samples/s for 1 s
        // Then 45 samples in 0.25 s: from the newest report at least 1 s old (0.25 s) that is 120 samples in 1 s.
        Assert.Equal(120, rate.Update(S(1.25), 145), 6);
    }

    [Fact]
    public void The_ring_keeps_the_newest_points_when_reports_outnumber_it()
    {
        var rate = new RecentRate(S(100), capacity: 4);
        double last = 0;
        for (int i = 1; i <= 20; i++) last = rate.Update(S(i), i * (i <= 10 ? 10 : 50));
        // A 4-point ring reaches back only four reports, all at 50 samples/s.
        Assert.Equal(50, last, 6);
    }

    [Fact]
    public void No_elapsed_time_gives_zero_and_bad_settings_are_rejected()
    {
        Assert.Equal(0, new RecentRate(S(1)).Update(TimeSpan.Zero, 5));
        Assert.Throws<ArgumentOutOfRangeException>(() => new RecentRate(TimeSpan.Zero));
        Assert.Throws<ArgumentOutOfRangeException>(() => new RecentRate(S(1), capacity: 1));
    }
}
