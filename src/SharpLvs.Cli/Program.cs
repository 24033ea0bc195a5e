using SharpLvs.Control.Ipvsadm;
using SharpLvs.Control.Protocol;

// lvsadm: ipvsadm's syntax, talking to the lvsd of this network namespace.
var client = new ControlClient();
return Lvsadm.Run(args, Console.In, Console.Out, Console.Error, client.Send, new SystemNameService());
