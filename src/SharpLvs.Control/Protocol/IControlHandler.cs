namespace SharpLvs.Control.Protocol;

/// <summary>Answers control requests; lvsd implements it (or uses <see cref="Handling.RuleSetHandler"/>).</summary>
public interface IControlHandler
{
    /// <summary>Called on a pool thread, possibly for several connections at once; must not throw for bad input.</summary>
    ControlResponse Handle(ControlRequest request);
}
