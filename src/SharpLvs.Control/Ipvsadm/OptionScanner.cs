namespace SharpLvs.Control.Ipvsadm;

/// <summary>
/// Splits argv the way popt does for ipvsadm: long options ("--name" or "--name=value"),
/// clusters of short options ("-Ln", "-At" with the value in the next word, "-w5"), a
/// value-optional "-p" that takes the next word only when it does not start with '-', "--"
/// ending the options, and every other word kept aside as a leftover argument.
/// </summary>
internal sealed class OptionScanner
{
    public enum ArgumentKind
    {
        None,
        Required,
        Optional,
    }

    public sealed record OptionSpec(string LongName, char ShortName, ArgumentKind Argument, string Id);

    public readonly record struct Token(OptionSpec? Option, string? Value, string Text, string? Error);

    private readonly IReadOnlyList<string> _args;
    private readonly IReadOnlyList<OptionSpec> _specs;
    private readonly List<string> _leftovers = [];
    private int _next;
    private string? _cluster;
    private int _clusterPos;
    private bool _optionsEnded;

    public OptionScanner(IReadOnlyList<string> args, IReadOnlyList<OptionSpec> specs)
    {
        _args = args;
        _specs = specs;
    }

    /// <summary>Words that were not options, in order (popt's poptGetArg).</summary>
    public IReadOnlyList<string> Leftovers => _leftovers;

    /// <summary>The next option; false at the end. A token with Error set is popt's error return.</summary>
    public bool TryNext(out Token token)
    {
        if (_cluster is not null)
        {
            return ReadShort(out token);
        }

        while (_next < _args.Count)
        {
            var word = _args[_next++];
            if (_optionsEnded || word.Length < 2 || word[0] != '-')
            {
                _leftovers.Add(word);
                continue;
            }

            if (word == "--")
            {
                _optionsEnded = true;
                continue;
            }

            if (word.StartsWith("--", StringComparison.Ordinal))
            {
                token = ReadLong(word);
                return true;
            }

            _cluster = word;
            _clusterPos = 1;
            return ReadShort(out token);
        }

        token = default;
        return false;
    }

    private Token ReadLong(string word)
    {
        var equals = word.IndexOf('=', StringComparison.Ordinal);
        var name = equals >= 0 ? word[2..equals] : word[2..];
        var spec = FindLong(name);
        if (spec is null)
        {
            return new Token(null, null, word, "unknown option");
        }

        if (spec.Argument == ArgumentKind.None)
        {
            return equals >= 0 ? new Token(spec, null, word, "option does not take a value") : new Token(spec, null, word, null);
        }

        if (equals >= 0)
        {
            return new Token(spec, word[(equals + 1)..], word, null);
        }

        return TakeNextWord(spec, word);
    }

    private bool ReadShort(out Token token)
    {
        var word = _cluster!;
        var c = word[_clusterPos++];
        var rest = _clusterPos < word.Length ? word[_clusterPos..] : null;
        var spec = c == '\0' ? null : FindShort(c);
        if (spec is null)
        {
            _cluster = null;
            token = new Token(null, null, word, "unknown option");
            return true;
        }

        if (spec.Argument == ArgumentKind.None)
        {
            if (rest is null)
            {
                _cluster = null;
            }

            token = new Token(spec, null, word, null);
            return true;
        }

        _cluster = null;
        token = rest is not null ? new Token(spec, rest, word, null) : TakeNextWord(spec, word);
        return true;
    }

    // Plain loops: a -R of 110,000 lines looks up over half a million options.
    private OptionSpec? FindShort(char c)
    {
        for (var i = 0; i < _specs.Count; i++)
        {
            if (_specs[i].ShortName == c)
            {
                return _specs[i];
            }
        }

        return null;
    }

    private OptionSpec? FindLong(string name)
    {
        for (var i = 0; i < _specs.Count; i++)
        {
            if (_specs[i].LongName == name)
            {
                return _specs[i];
            }
        }

        return null;
    }

    private Token TakeNextWord(OptionSpec spec, string word)
    {
        if (spec.Argument == ArgumentKind.Optional)
        {
            if (_next < _args.Count && !_args[_next].StartsWith('-'))
            {
                return new Token(spec, _args[_next++], word, null);
            }

            return new Token(spec, null, word, null);
        }

        if (_next >= _args.Count)
        {
            return new Token(spec, null, word, "missing argument");
        }

        return new Token(spec, _args[_next++], word, null);
    }
}
