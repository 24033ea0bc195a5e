namespace SharpLvs.Daemon;

/// <summary>lvsd cannot start; the message says why in words an admin can act on.</summary>
internal sealed class DirectorStartException(string message, Exception? inner = null) : Exception(message, inner);
