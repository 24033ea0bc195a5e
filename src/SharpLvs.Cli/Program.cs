using SharpLvs.Control.Ipvsadm;
using SharpLvs.Control.Protocol;
using SharpLvs.Linux.RealServerSide;

// lvsadm: ipvsadm's syntax, talking to the lvsd of this network namespace.
// `lvsadm realserver ...` prepares this host as a real server, locally (no lvsd).
if (args.Length > 0 && args[0] == "realserver")
{
    return RealServerCommand.Run(args[1..], Console.Out, Console.Error, Environment.GetEnvironmentVariable(RealServerCommand.StateDirectoryVariable));
}

var client = new ControlClient();
return Lvsadm.Run(args, Console.In, Console.Out, Console.Error, client.Send, new SystemNameService());
