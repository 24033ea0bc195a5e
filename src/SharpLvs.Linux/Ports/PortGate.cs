namespace SharpLvs.Linux.Ports;

/// <summary>
/// The state word a packet port shares between its worker and whoever disposes it:
/// 0 idle, 1 inside Receive/Complete, 2 closed. Closing waits (bounded) for the worker to
/// leave, so the rings' memory never goes away under it; a late call after that finds the
/// port closed and does nothing.
/// </summary>
internal static class PortGate
{
    private const int Idle = 0;
    private const int Busy = 1;
    private const int Closed = 2;

    public static bool TryEnter(ref int state) => Interlocked.CompareExchange(ref state, Busy, Idle) == Idle;

    public static void Exit(ref int state) => Volatile.Write(ref state, Idle);

    public static bool IsClosed(ref int state) => Volatile.Read(ref state) == Closed;

    /// <summary>Marks the port closed once the worker is out (2 s at most); false if it already was.</summary>
    public static bool Close(ref int state)
    {
        var spin = new SpinWait();
        var deadline = Environment.TickCount64 + 2000;
        while (Interlocked.CompareExchange(ref state, Closed, Idle) is var previous && previous != Idle)
        {
            if (previous == Closed)
            {
                return false;
            }

            if (Environment.TickCount64 > deadline)
            {
                Volatile.Write(ref state, Closed);
                break;
            }

            spin.SpinOnce();
        }

        return true;
    }
}
