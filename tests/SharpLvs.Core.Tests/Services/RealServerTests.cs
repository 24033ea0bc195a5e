using static SharpLvs.Core.Tests.TestServices;

namespace SharpLvs.Core.Tests.Services;

public class RealServerTests
{
    [Fact]
    public void Bind_UpperThresholdReached_Overloaded()
    {
        var server = Server('A');
        server.UpperThreshold = 2;

        server.Bind(inactive: false, template: false);
        Assert.False(server.IsOverloaded);
        server.Bind(inactive: true, template: false);

        Assert.True(server.IsOverloaded);
        Assert.Equal(1, server.ActiveConnections);
        Assert.Equal(1, server.InactiveConnections);
    }

    [Fact]
    public void Unbind_BelowLowerThreshold_NoLongerOverloaded()
    {
        var server = Server('A');
        server.UpperThreshold = 3;
        server.LowerThreshold = 2;
        for (var i = 0; i < 3; i++)
        {
            server.Bind(inactive: false, template: false);
        }

        server.Unbind(inactive: false, template: false);
        Assert.True(server.IsOverloaded);
        server.Unbind(inactive: false, template: false);

        Assert.False(server.IsOverloaded);
    }

    [Fact]
    public void Unbind_NoLowerThreshold_ClearsBelowThreeQuartersOfUpper()
    {
        var server = Server('A');
        server.UpperThreshold = 4;
        for (var i = 0; i < 4; i++)
        {
            server.Bind(inactive: false, template: false);
        }

        server.Unbind(inactive: false, template: false); // 3 · 4 = 12, not < 12
        Assert.True(server.IsOverloaded);
        server.Unbind(inactive: false, template: false); // 2 · 4 = 8 < 12

        Assert.False(server.IsOverloaded);
    }

    [Theory]
    [InlineData(0, false)] // limit removed
    [InlineData(5, false)] // raised
    [InlineData(2, true)]  // unchanged
    [InlineData(1, true)]  // lowered
    public void UpperThreshold_Edited_ClearsOverloadOnlyWhenRemovedOrRaised(int upper, bool stillOverloaded)
    {
        // __ip_vs_update_dest: clear IP_VS_DEST_F_OVERLOAD if !u_threshold || u_threshold > old.
        var server = Server('A');
        server.UpperThreshold = 2;
        server.Bind(inactive: false, template: false);
        server.Bind(inactive: false, template: false);
        Assert.True(server.IsOverloaded);

        server.UpperThreshold = upper;

        Assert.Equal(stillOverloaded, server.IsOverloaded);
    }

    [Fact]
    public void LastWeight_KeepsTheLatestNonZeroWeight()
    {
        var server = Server('A', weight: 3);
        server.Weight = 0;
        Assert.Equal(3, server.LastWeight);
        server.Weight = 5;
        server.Weight = 0;

        Assert.Equal(5, server.LastWeight);
        Assert.Equal(0, Server('B', weight: 0).LastWeight);
    }

    [Fact]
    public void MoveConnection_BetweenActiveAndInactive_KeepsTotal()
    {
        var server = Server('A');
        server.Bind(inactive: true, template: false);

        server.MoveConnection(toInactive: false);

        Assert.Equal(1, server.ActiveConnections);
        Assert.Equal(0, server.InactiveConnections);
        Assert.Equal(256, server.ConnectionOverhead);
    }

    [Fact]
    public void Weight_Negative_Throws()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => Server('A').Weight = -1);
    }

    [Fact]
    public void StatsZero_ReadsZeroAfterwards()
    {
        var server = Server('A');
        server.Stats.CountConnection();
        server.Stats.CountIn(60);

        server.Stats.Zero();
        server.Stats.CountIn(40);

        Assert.Equal(0, server.Stats.Connections);
        Assert.Equal(1, server.Stats.InPackets);
        Assert.Equal(40, server.Stats.InBytes);
    }
}
