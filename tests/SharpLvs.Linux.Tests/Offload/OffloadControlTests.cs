using SharpLvs.Linux.Offload;
using SharpLvs.Linux.Tests.Testbed;

namespace SharpLvs.Linux.Tests.Offload;

public class OffloadControlTests
{
    [RootFact]
    public void Disable_VethWithOffloadsOn_SwitchesOffAndRestores()
    {
        using var director = NetworkNamespace.Create("d");
        using var peer = NetworkNamespace.Create("p");
        NetworkNamespace.Link(director, "vd", "198.18.0.2/24", peer, "vp", "198.18.0.1/24");
        director.Exec("ethtool", "-K vd gro on tso on gso on");

        var control = director.Run(() => OffloadControl.Disable(["vd"]));

        Assert.Contains("gro", control.Description, StringComparison.Ordinal);
        Assert.Contains("tso", control.Description, StringComparison.Ordinal);
        Assert.Contains("gso", control.Description, StringComparison.Ordinal);
        var off = Features(director);
        Assert.Equal("off", off["generic-receive-offload"]);
        // The legacy TSO command covers tso/tso6/ecn/mangleid; ethtool's summary line also
        // counts newer bits (tx-tcp-accecn-segmentation on 6.18) that it does not reach.
        Assert.Equal("off", off["tx-tcp-segmentation"]);
        Assert.Equal("off", off["tx-tcp6-segmentation"]);
        Assert.Equal("off", off["generic-segmentation-offload"]);

        var restored = director.Run(control.Restore);

        Assert.Contains("gro restored", restored, StringComparison.Ordinal);
        var on = Features(director);
        Assert.Equal("on", on["generic-receive-offload"]);
        Assert.Equal("on", on["tx-tcp-segmentation"]);
        Assert.Equal("on", on["generic-segmentation-offload"]);
    }

    [RootFact]
    public void Disable_OffloadsAlreadyOff_ChangesNothing()
    {
        using var director = NetworkNamespace.Create("d");
        using var peer = NetworkNamespace.Create("p");
        NetworkNamespace.Link(director, "vd", "198.18.0.2/24", peer, "vp", "198.18.0.1/24");
        director.Exec("ethtool", "-K vd gro off tso off gso off");

        var control = director.Run(() => OffloadControl.Disable(["vd"]));

        Assert.Equal("vd: offloads already off", control.Description);
        Assert.Equal("offloads: nothing to restore", control.Restore());
        Assert.Equal("off", Features(director)["generic-receive-offload"]);
    }

    private static Dictionary<string, string> Features(NetworkNamespace ns) =>
        ns.Exec("ethtool", "-k vd")
            .Split('\n')
            .Select(l => l.Split(':', 2))
            .Where(p => p.Length == 2)
            .ToDictionary(p => p[0].Trim(), p => p[1].Trim().Split(' ')[0]);
}
