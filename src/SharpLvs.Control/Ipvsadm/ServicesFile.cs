using System.Globalization;

namespace SharpLvs.Control.Ipvsadm;

/// <summary>
/// <c>/etc/services</c> ("name port/proto [aliases] [# comment]"), read once. getservbyname
/// matches the name or an alias; getservbyport answers the first line for the port.
/// </summary>
internal sealed class ServicesFile
{
    private readonly Dictionary<(string Name, string Protocol), ushort> _ports = [];
    private readonly Dictionary<(ushort Port, string Protocol), string> _names = [];

    public static ServicesFile Load(string path)
    {
        var file = new ServicesFile();
        try
        {
            if (File.Exists(path))
            {
                file.Read(File.ReadLines(path));
            }
        }
        catch (IOException)
        {
            // An unreadable services file means no names, as getservbyname then finds none.
        }
        catch (UnauthorizedAccessException)
        {
        }

        return file;
    }

    public static ServicesFile Parse(IEnumerable<string> lines)
    {
        var file = new ServicesFile();
        file.Read(lines);
        return file;
    }

    public bool TryGetPort(string name, string? protocol, out ushort port)
    {
        port = 0;
        return protocol is not null && _ports.TryGetValue((name, protocol), out port);
    }

    public string? GetName(ushort port, string? protocol) =>
        protocol is not null && _names.TryGetValue((port, protocol), out var name) ? name : null;

    private void Read(IEnumerable<string> lines)
    {
        foreach (var raw in lines)
        {
            var hash = raw.IndexOf('#', StringComparison.Ordinal);
            var line = hash >= 0 ? raw[..hash] : raw;
            var fields = line.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length < 2)
            {
                continue;
            }

            var slash = fields[1].IndexOf('/', StringComparison.Ordinal);
            if (slash <= 0 ||
                !ushort.TryParse(fields[1].AsSpan(0, slash), NumberStyles.None, CultureInfo.InvariantCulture, out var port))
            {
                continue;
            }

            var protocol = fields[1][(slash + 1)..];
            _names.TryAdd((port, protocol), fields[0]);
            for (var i = 0; i < fields.Length; i++)
            {
                if (i != 1)
                {
                    _ports.TryAdd((fields[i], protocol), port);
                }
            }
        }
    }
}
