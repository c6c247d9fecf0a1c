namespace ShapeNet.Samples.Common;

/// <summary>
/// The current rate of a growing count (samples/s): the count's growth since the oldest report within the last
/// <see cref="Window"/> — the previous report when reports are further apart — not the running average since the start, which lags more
/// the longer a run goes (a slow first epoch keeps pulling it down, so it climbs every epoch and reads as if training
/// sped up). Fed (elapsed time, count) pairs in order; keeps a fixed ring of recent points and allocates nothing after
/// construction.
/// </summary>
public sealed class RecentRate
{
    private readonly (double Seconds, long Count)[] _points;
    private int _first, _length;

    /// <summary>A meter over about <paramref name="window"/> of recent reports (at most <paramref name="capacity"/> kept).</summary>
    public RecentRate(TimeSpan window, int capacity = 32)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 2);
        if (window <= TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(window), window, "The window must be positive.");
        Window = window;
        _points = new (double, long)[capacity];
        _points[0] = (0, 0);   // the start: time 0, count 0
        _length = 1;
    }

    /// <summary>How far back the rate looks, when reports are closer together than that.</summary>
    public TimeSpan Window { get; }

    /// <summary>Records that <paramref name="count"/> had been reached at <paramref name="elapsed"/> since the start and
    /// returns the rate per second over the recent window (0 until time has passed).</summary>
    public double Update(TimeSpan elapsed, long count)
    {
        double now = elapsed.TotalSeconds;
        // Drop points older than the window, but always keep one earlier point to measure from: reports further apart
        // than the window give the rate since the previous report.
        while (_length > 1 && now - _points[_first].Seconds > Window.TotalSeconds)
        {
            _first = (_first + 1) % _points.Length;
            _length--;
        }
        var (oldSeconds, oldCount) = _points[_first];
        double rate = now > oldSeconds ? (count - oldCount) / (now - oldSeconds) : 0;
        if (_length == _points.Length)
        {
            _first = (_first + 1) % _points.Length;
            _length--;
        }
        _points[(_first + _length) % _points.Length] = (now, count);
        _length++;
        return rate;
    }
}
