using SharpLvs.Control.Rules;
using SharpLvs.Core.Services;
using SharpLvs.Packets;
using static SharpLvs.Control.Ipvsadm.OptionScanner;

namespace SharpLvs.Control.Ipvsadm;

/// <summary>After the options: ipvsadm's checks and defaults that build the command.</summary>
public sealed partial class CommandLineParser
{
    private AdminCommand Finish(ParseState s)
    {
        var command = s.Command;
        if (command is AdminCommandKind.AddService or AdminCommandKind.EditService)
        {
            if (s.FirewallMark == 0 && s.ServicePort == 0 && (s.Flags & ServiceRuleFlags.Persistent) == 0)
            {
                throw Fail("Zero port specified for non-persistent service");
            }

            if ((s.Flags & ServiceRuleFlags.OnePacket) != 0 && s.FirewallMark == 0 && s.Protocol != IpProtocolNumbers.Udp)
            {
                throw Fail("One-Packet Scheduling is only for UDP virtual services");
            }

            if (s.Scheduler.Length == 0)
            {
                s.Scheduler = DefaultScheduler;
            }
        }

        if (command == AdminCommandKind.StartDaemon && s.McastInterface.Length == 0)
        {
            s.McastInterface = "eth0";
        }

        if (command is AdminCommandKind.AddServer or AdminCommandKind.EditServer)
        {
            // ipvsadm: without port mapping in DR and TUN the real server's port is the
            // service's, silently (fwmark services have no port to copy).
            if (s.FirewallMark == 0 && s.Forwarding is ForwardingMethod.Tunnel or ForwardingMethod.DirectRouting)
            {
                s.DestinationPort = s.ServicePort;
            }

            if (s.DestinationFamily != s.Family && s.Forwarding != ForwardingMethod.Tunnel)
            {
                throw Fail("Different address family is allowed only for tunneling servers");
            }

            const AdminOptions tunnelOptions = AdminOptions.TunnelType | AdminOptions.TunnelPort |
                AdminOptions.TunnelNoChecksum | AdminOptions.TunnelChecksum | AdminOptions.TunnelRemoteChecksum;
            if ((s.Options & tunnelOptions) != 0 && s.Forwarding != ForwardingMethod.Tunnel)
            {
                throw Fail("Tunnel options conflict with forward method");
            }

            if (OptionTable.CheckTunnel(s.TunnelType, s.Options) is { } tunnelError)
            {
                throw Fail(tunnelError);
            }
        }

        if (command == AdminCommandKind.List)
        {
            const AdminOptions other = AdminOptions.Connection | AdminOptions.Timeout | AdminOptions.Daemon;
            const AdminOptions detail = AdminOptions.Stats | AdminOptions.Rate | AdminOptions.Thresholds;
            if (((s.Options & other) != 0 && (s.Options & detail) != 0) ||
                ((s.Options & (AdminOptions.Timeout | AdminOptions.Daemon)) != 0 && (s.Options & AdminOptions.PersistentConn) != 0))
            {
                throw Fail("options conflicts in the list command");
            }
        }

        var key = s.FirewallMark != 0
            ? new ServiceKey(0, s.Family == Family.V6 ? InetAddress.None : InetAddress.FromV4(0), 0, s.FirewallMark)
            : new ServiceKey(s.Protocol, s.ServiceAddress, s.ServicePort);
        var service = new ServiceRule(key, s.Scheduler, s.Flags, s.Timeout, s.Netmask, s.PersistenceEngine);
        var destination = new DestinationRule(
            s.DestinationAddress, s.DestinationPort, s.Forwarding, s.Weight, s.UpperThreshold, s.LowerThreshold,
            s.TunnelType, s.TunnelPort, s.TunnelFlags);
        var daemon = command is AdminCommandKind.StartDaemon or AdminCommandKind.StopDaemon
            ? new SyncDaemonSettings(s.DaemonBackup, s.McastInterface, s.SyncId, s.SyncMaxLength, s.McastGroup, s.McastPort, s.McastTtl)
            : null;
        if (command is AdminCommandKind.AddLocalAddress or AdminCommandKind.DeleteLocalAddress
            && (s.FirewallMark != 0 || s.LocalAddress.IsIPv4 != (s.Family == Family.V4)))
        {
            throw Fail("local address and virtual service must be of one family (and no fwmark service)");
        }

        return new AdminCommand(command, s.Options, s.Format, service, destination, s.Timeouts, daemon, s.Mark, s.Tunable)
        {
            LocalAddress = s.LocalAddress,
        };
    }
}
