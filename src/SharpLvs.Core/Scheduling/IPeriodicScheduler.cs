namespace SharpLvs.Core.Scheduling;

/// <summary>
/// A scheduler with state that ages, as lblc and lblcr keep per-destination entries that the
/// kernel collects from a timer (ip_vs_lblc_check_expire). The data-plane worker that runs
/// <see cref="IScheduler.Schedule"/> calls <see cref="Tick"/> on the same thread about once a
/// second, never per packet; the scheduler stamps its entries with the last tick's time.
/// </summary>
public interface IPeriodicScheduler
{
    void Tick(long nowMs);
}
