using SharpLvs.Control.Handling;
using SharpLvs.Control.Ipvsadm;
using SharpLvs.Control.Protocol;

namespace SharpLvs.Control.Tests.Ipvsadm;

public class LvsadmTests
{
    private readonly RuleSetHandler _handler = new(["rr", "wrr", "wlc"]);

    private (int Code, string Out, string Err) Run(string line, string stdin = "")
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var code = Lvsadm.Run(
            line.Split(' ', StringSplitOptions.RemoveEmptyEntries), new StringReader(stdin), stdout, stderr,
            _handler.Handle, new FakeNameService());
        return (code, stdout.ToString(), stderr.ToString());
    }

    [Fact]
    public void Run_Seed002Session_ListsLikeIpvsadm()
    {
        Assert.Equal(0, Run("-A -t 10.1.1.250:80 -s rr").Code);
        Assert.Equal(0, Run("-a -t 10.1.1.250:80 -r 192.168.10.1 -m").Code);
        Assert.Equal(0, Run("-a -t 10.1.1.250:80 -r 192.168.10.2 -m").Code);

        var (code, output, _) = Run("-ln");

        Assert.Equal(0, code);
        Assert.Equal(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Listing", "Golden", "seed002_ln.txt")), output);
    }

    [Fact]
    public void Run_DuplicateService_PrintsKernelMessageStatus255()
    {
        Run("-A -t 198.18.0.10:80 -s rr");

        Assert.Equal((255, "", "Service already exists\n"), Run("-A -t 198.18.0.10:80 -s rr"));
    }

    [Fact]
    public void Run_BadWeight_Status2()
    {
        Assert.Equal((2, "", "illegal weight specified\n"), Run("-a -t 198.18.0.10:80 -r 198.18.1.1 -w 70000"));
    }

    [Fact]
    public void Run_DaemonDown_ClearMessage()
    {
        var stderr = new StringWriter();
        var code = Lvsadm.Run(
            ["-L", "-n"], TextReader.Null, TextWriter.Null, stderr,
            _ => throw new ControlUnavailableException("cannot reach lvsd in this network namespace (is it running?)"),
            new FakeNameService());

        Assert.Equal(2, code);
        Assert.Equal("lvsadm: cannot reach lvsd in this network namespace (is it running?)\n", stderr.ToString());
    }

    [Fact]
    public void Run_SaveThenRestore_RoundTrips()
    {
        Run("-A -t 198.18.0.10:80 -s wrr -p 60");
        Run("-a -t 198.18.0.10:80 -r 198.18.1.1 -w 3");
        Run("-A -u 198.18.0.10:53 -s rr");
        var saved = Run("-S -n").Out;

        Assert.Equal(0, Run("-C").Code);
        Assert.Equal(0, Run("-R", "# saved\n" + saved).Code);

        Assert.Equal(saved, Run("-S -n").Out);
    }

    [Fact]
    public void Run_RestoreWithBadLine_AppliesNothing()
    {
        var (code, _, err) = Run("-R", "-A -t 198.18.0.10:80 -s rr\n-a -t 198.18.0.10:80 -r 198.18.1.1 -w x\n");

        Assert.Equal(2, code);
        Assert.Equal("illegal weight specified\nlvsadm: -R: line 2 failed, no rule was changed\n", err);
        Assert.Empty(_handler.Current.Services);
    }

    [Fact]
    public void Run_RestoreRefusedByLvsd_NamesLineCountingCommentsAndAppliesNothing()
    {
        const string input = "# rules\n-A -t 198.18.0.10:80 -s rr\n\n-a -t 198.18.0.10:80 -r 198.18.1.1\n-A -t 198.18.0.10:80 -s wrr\n";

        var (code, _, err) = Run("-R", input);

        Assert.Equal(255, code);
        Assert.Equal("Service already exists\nlvsadm: -R: line 5 failed, no rule was changed\n", err);
        Assert.Empty(_handler.Current.Services);
    }

    [Fact]
    public void Run_RestoreNestedRestore_TryHelpAndLine()
    {
        var (code, _, err) = Run("-R", "-A -t 198.18.0.10:80 -s rr\n-R\n");

        Assert.Equal(255, code);
        Assert.Equal("Try `lvsadm -h' or 'lvsadm --help' for more information.\nlvsadm: -R: line 2 failed, no rule was changed\n", err);
    }

    [Fact]
    public void Run_RichSaveRestore_RoundTripsExactly()
    {
        string[] rules =
        [
            "-A -t 198.18.0.10:80 -s wrr -p 600 -M 255.255.255.0",
            "-a -t 198.18.0.10:80 -r 198.18.1.2:80 -g -w 3",
            "-a -t 198.18.0.10:80 -r 198.18.1.1:80 -g -w 0",
            "-A -u 198.18.0.10:53 -s rr -o",
            "-a -u 198.18.0.10:53 -r 198.18.1.3:5353 -m -w 1",
            "-A -t [fd00:198:18::10]:443 -s wlc -p 60 -M 64",
            "-a -t [fd00:198:18::10]:443 -r [fd00:198:18::1]:443 -m -w 2 -x 100 -y 50",
            "-A -f 7 -s rr",
            "-a -f 7 -r 198.18.1.9:0 -i -w 1 --tun-type gue --tun-port 6080 --tun-csum",
            "-A -f 8 -6 -s rr -p 300",
            "-A -t 198.18.0.11:80 -s rr -b flag-1,flag-3",
        ];
        foreach (var rule in rules)
        {
            Assert.Equal((0, "", ""), Run(rule));
        }

        var saved = Run("-S -n").Out;
        Assert.Equal(0, Run("-C").Code);
        Assert.Equal((0, "", ""), Run("-R", saved));

        Assert.Equal(saved, Run("-S -n").Out);
        Assert.Equal(saved.Split('\n').Length - 1, rules.Length);
    }

    [Fact]
    public void Run_StartDaemon_OneClearMessageNonZero()
    {
        var (code, output, err) = Run("--start-daemon master --mcast-interface eth0");

        Assert.Equal(255, code);
        Assert.Equal("", output);
        Assert.Equal(RuleSetHandler.SyncNotImplemented + "\n", err);
    }

    [Fact]
    public void Run_Json_ListsServicesNumericallyAsValidJson()
    {
        Run("-A -t 198.18.0.10:80 -s rr");
        Run("-a -t 198.18.0.10:80 -r 198.18.1.1 -w 2");

        var (code, output, _) = Run("-L --json");

        Assert.Equal(0, code);
        using var json = System.Text.Json.JsonDocument.Parse(output);
        var service = Assert.Single(json.RootElement.GetProperty("services").EnumerateArray());
        Assert.Equal("tcp", service.GetProperty("protocol").GetString());
        Assert.Equal("198.18.0.10", service.GetProperty("address").GetString());
        Assert.Equal(80, service.GetProperty("port").GetInt32());
        var real = Assert.Single(service.GetProperty("realServers").EnumerateArray());
        Assert.Equal(("198.18.1.1", 2, "route"), (real.GetProperty("address").GetString(), real.GetProperty("weight").GetInt32(), real.GetProperty("forward").GetString()));
        Assert.Equal(0, real.GetProperty("rates").GetProperty("inBytesPerSecond").GetInt64());
        Assert.False(json.RootElement.TryGetProperty("connections", out _));
    }

    [Fact]
    public void Run_JsonWithSave_RefusedStatus2()
    {
        var (code, _, err) = Run("-S --json");

        Assert.Equal(2, code);
        Assert.Equal("lvsadm: --json goes with -L or -Lc only\n", err);
    }

    [Fact]
    public void Run_ListOneService_NoHeader()
    {
        Run("-A -t 198.18.0.10:80 -s rr");

        Assert.StartsWith("Prot LocalAddress:Port", Run("-L -n -t 198.18.0.10:80").Out, StringComparison.Ordinal);
    }

    [Fact]
    public void Run_Timeout_PrintsLine()
    {
        Assert.Equal("Timeout (tcp tcpfin udp): 900 120 300\n", Run("-L --timeout").Out);
    }

    [Fact]
    public void Run_Marks_ListedSavedFirstAndRestoredAfterClear()
    {
        Assert.Equal(0, Run("--add-mark 1 -t 198.18.0.10:80").Code);
        Assert.Equal(0, Run("--add-mark 1 -t 198.18.0.10:443").Code);
        Assert.Equal(0, Run("--add-mark 2 -u [fd00::]/64:53-54").Code);
        Run("-A -f 1 -s rr -p 3");
        Run("-a -f 1 -r 198.18.1.1");

        Assert.Equal(
            "FWMark     Prot Destination\n" +
            "1          TCP  198.18.0.10:80\n" +
            "1          TCP  198.18.0.10:443\n" +
            "2          UDP  [fd00::]/64:53-54\n",
            Run("--list-marks").Out);
        var saved = Run("-S -n").Out;
        Assert.Equal(
            "--add-mark 1 -t 198.18.0.10:80\n" +
            "--add-mark 1 -t 198.18.0.10:443\n" +
            "--add-mark 2 -u [fd00::]/64:53-54\n" +
            "-A -f 1 -s rr -p 3\n" +
            "-a -f 1 -r 198.18.1.1:0 -g -w 1\n",
            saved);

        Assert.Equal(0, Run("-C").Code);
        Assert.Equal("FWMark     Prot Destination\n", Run("--list-marks").Out);
        Assert.Equal(0, Run("-R", saved).Code);
        Assert.Equal(saved, Run("-S -n").Out);
    }

    [Fact]
    public void Run_MarkTwiceOrMissing_KernelStyleErrors()
    {
        Run("--add-mark 1 -t 198.18.0.0/24:80");

        Assert.Equal((255, "", "Mark rule already exists\n"), Run("--add-mark 2 -t 198.18.0.9/24:80"));
        Assert.Equal((255, "", "No such mark rule\n"), Run("--del-mark 2 -t 198.18.0.0/24:80"));
        Assert.Equal(0, Run("--del-mark 1 -t 198.18.0.0/24:80").Code);
    }

    [Fact]
    public void Run_Tunables_DefaultsThenChanged()
    {
        Assert.Equal(
            "net.ipv4.vs.conn_reuse_mode = 1\n" +
            "net.ipv4.vs.expire_nodest_conn = 0\n" +
            "net.ipv4.vs.expire_quiescent_template = 0\n" +
            "net.ipv4.vs.schedule_icmp = 0\n" +
            "net.ipv4.vs.sloppy_tcp = 0\n",
            Run("--list-tunables").Out);

        Assert.Equal(0, Run("--tunable expire_nodest_conn 1").Code);

        Assert.Contains("net.ipv4.vs.expire_nodest_conn = 1\n", Run("--list-tunables").Out, StringComparison.Ordinal);
        Assert.Equal(1, _handler.Current.Tunables.ExpireNodestConn);
    }

    [Fact]
    public void Run_PersistentServiceWithMask_ListedAsIpvsadm()
    {
        Run("-A -t 198.18.0.10:80 -s rr -p 3 -M 255.255.255.0");
        Run("-A -t 198.18.0.10:0 -s rr -p");
        Run("-A -u 198.18.0.10:53 -s rr -o");

        var listing = Run("-L -n").Out;

        Assert.Contains("TCP  198.18.0.10:80 rr persistent 3 mask 255.255.255.0\n", listing, StringComparison.Ordinal);
        Assert.Contains("TCP  198.18.0.10:0 rr persistent 300\n", listing, StringComparison.Ordinal);
        Assert.Contains("UDP  198.18.0.10:53 rr ops\n", listing, StringComparison.Ordinal);
        Assert.Contains("-A -t 198.18.0.10:80 -s rr -p 3 -M 255.255.255.0\n", Run("-S -n").Out, StringComparison.Ordinal);
    }
}
