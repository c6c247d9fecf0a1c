namespace ShapeNet.Samples.Common;

/// <summary>
/// The current rate of a growing count (samples/s): the count's growth over the most recent stretch of at least
/// <see cref="Span"/>, measured from the newest report that is at least that old (the previous report when reports are
/// further apart; the oldest kept one while none is). Not the running average since the start, which lags more the longer a
/// run goes (a slow first epoch keeps pulling it down, so it climbs every epoch and reads as if training sped up), nor an
/// average over a fixed window longer than the run, which is the same thing. Fed (elapsed time, count) pairs in order;
/// keeps a fixed ring of recent points and allocates nothing after construction.
/// </summary>
public sealed class RecentRate
{
    private readonly (double Seconds, long Count)[] _points;
    private int _first, _length;

    /// <summary>A meter over at least <paramref name="span"/> of recent reports (at most <paramref name="capacity"/> kept).</summary>
    public RecentRate(TimeSpan span, int capacity = 32)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 2);
        if (span <= TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(span), span, "The span must be positive.");
        Span = span;
        _points = new (double, long)[capacity];
        _points[0] = (0, 0);   // the start: time 0, count 0
        _length = 1;
    }

    /// <summary>The shortest stretch the rate is measured over, when there are reports that old.</summary>
    public TimeSpan Span { get; }

    /// <summary>Records that <paramref name="count"/> had been reached at <paramref name="elapsed"/> since the start and
    /// returns the rate per second over the most recent stretch of at least <see cref="Span"/> (0 until time has passed).</summary>
    public double Update(TimeSpan elapsed, long count)
    {
        double now = elapsed.TotalSeconds;
        // The oldest point is dropped while the next one is already at least a span old: it is then never needed again.
        while (_length > 1 && now - _points[(_first + 1) % _points.Length].Seconds >= Span.TotalSeconds)
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
