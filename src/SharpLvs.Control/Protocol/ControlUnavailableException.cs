namespace SharpLvs.Control.Protocol;

/// <summary>No lvsd answered on the control socket of this network namespace.</summary>
public sealed class ControlUnavailableException : Exception
{
    public ControlUnavailableException()
    {
    }

    public ControlUnavailableException(string message)
        : base(message)
    {
    }

    public ControlUnavailableException(string message, Exception inner)
        : base(message, inner)
    {
    }
}
