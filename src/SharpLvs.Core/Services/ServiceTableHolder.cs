namespace SharpLvs.Core.Services;

/// <summary>
/// The hand-over point between the control plane and the data plane: the control plane
/// publishes a complete new <see cref="ServiceTable"/>; each worker reads the current one once
/// per batch. The data plane never locks.
/// </summary>
public sealed class ServiceTableHolder
{
    private ServiceTable _current;

    public ServiceTableHolder(ServiceTable? initial = null) => _current = initial ?? ServiceTable.Empty;

    /// <summary>
    /// The latest published snapshot. Volatile.Read pairs with the release in
    /// <see cref="Publish"/>, so a worker that sees the new table also sees every field the
    /// control plane wrote while building it.
    /// </summary>
    public ServiceTable Current => Volatile.Read(ref _current);

    /// <summary>Makes <paramref name="table"/> current; workers pick it up at their next batch.</summary>
    public void Publish(ServiceTable table)
    {
        ArgumentNullException.ThrowIfNull(table);
        Volatile.Write(ref _current, table);
    }
}
