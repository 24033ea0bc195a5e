namespace SharpLvs.Linux.Xdp;

/// <summary>A jump target inside one <see cref="BpfAssembler"/>.</summary>
internal readonly record struct BpfLabel(int Id);

/// <summary>
/// Builds an eBPF program instruction by instruction, with forward and backward labels
/// resolved when the program is finished (a jump's offset counts instructions after the jump,
/// instruction-set.rst "Jump instructions"; ld_imm64 takes two slots). Only what lvsd's XDP
/// program needs; every method emits exactly the instruction its name says.
/// </summary>
internal sealed class BpfAssembler
{
    private readonly List<BpfInstruction> _code = [];
    private readonly List<int> _labels = [];
    private readonly List<(int At, BpfLabel Target)> _fixups = [];

    public int Count => _code.Count;

    public BpfLabel NewLabel()
    {
        _labels.Add(-1);
        return new BpfLabel(_labels.Count - 1);
    }

    /// <summary>Binds <paramref name="label"/> to the next instruction.</summary>
    public void Mark(BpfLabel label)
    {
        if (_labels[label.Id] >= 0)
        {
            throw new InvalidOperationException($"label {label.Id} is bound twice");
        }

        _labels[label.Id] = _code.Count;
    }

    /// <summary>dst = imm (64-bit, sign-extended).</summary>
    public void Mov64(BpfRegister dst, int imm) => Alu64(BpfInstruction.OpMov, dst, imm);

    /// <summary>dst = src (64-bit).</summary>
    public void Mov64(BpfRegister dst, BpfRegister src) => Alu64(BpfInstruction.OpMov, dst, src);

    /// <summary>dst = dst OP imm (64-bit).</summary>
    public void Alu64(byte op, BpfRegister dst, int imm) =>
        Emit(new BpfInstruction((byte)(BpfInstruction.ClassAlu64 | op | BpfInstruction.SourceK), dst, BpfRegister.R0, 0, imm));

    /// <summary>dst = dst OP src (64-bit).</summary>
    public void Alu64(byte op, BpfRegister dst, BpfRegister src) =>
        Emit(new BpfInstruction((byte)(BpfInstruction.ClassAlu64 | op | BpfInstruction.SourceX), dst, src, 0, 0));

    /// <summary>dst = htobe16(dst) (zero-extended): on a little-endian host, a byte swap of the low 16 bits.</summary>
    public void ToBigEndian16(BpfRegister dst) =>
        Emit(new BpfInstruction((byte)(BpfInstruction.ClassAlu | BpfInstruction.OpEnd | BpfInstruction.SourceX), dst, BpfRegister.R0, 0, 16));

    /// <summary>dst = *(size *)(src + offset).</summary>
    public void Load(byte size, BpfRegister dst, BpfRegister src, short offset) =>
        Emit(new BpfInstruction((byte)(BpfInstruction.ClassLdx | BpfInstruction.ModeMem | size), dst, src, offset, 0));

    /// <summary>*(size *)(dst + offset) = src.</summary>
    public void Store(byte size, BpfRegister dst, short offset, BpfRegister src) =>
        Emit(new BpfInstruction((byte)(BpfInstruction.ClassStx | BpfInstruction.ModeMem | size), dst, src, offset, 0));

    /// <summary>*(size *)(dst + offset) = imm.</summary>
    public void Store(byte size, BpfRegister dst, short offset, int imm) =>
        Emit(new BpfInstruction((byte)(BpfInstruction.ClassSt | BpfInstruction.ModeMem | size), dst, BpfRegister.R0, offset, imm));

    /// <summary>dst = the map whose file descriptor is <paramref name="mapFd"/> (ld_imm64 with src = BPF_PSEUDO_MAP_FD, two slots).</summary>
    public void LoadMap(BpfRegister dst, int mapFd)
    {
        Emit(new BpfInstruction((byte)(BpfInstruction.ClassLd | BpfInstruction.ModeImm | BpfInstruction.SizeDw), dst, (BpfRegister)BpfInstruction.PseudoMapFd, 0, mapFd));
        Emit(new BpfInstruction(0, 0, 0, 0));
    }

    /// <summary>if (dst OP imm) goto target (64-bit compare).</summary>
    public void Jump(byte op, BpfRegister dst, int imm, BpfLabel target) =>
        EmitJump(new BpfInstruction((byte)(BpfInstruction.ClassJmp | op | BpfInstruction.SourceK), dst, BpfRegister.R0, 0, imm), target);

    /// <summary>if (dst OP src) goto target (64-bit compare).</summary>
    public void Jump(byte op, BpfRegister dst, BpfRegister src, BpfLabel target) =>
        EmitJump(new BpfInstruction((byte)(BpfInstruction.ClassJmp | op | BpfInstruction.SourceX), dst, src, 0, 0), target);

    /// <summary>goto target.</summary>
    public void Jump(BpfLabel target) =>
        EmitJump(new BpfInstruction((byte)(BpfInstruction.ClassJmp | BpfInstruction.JumpAlways), 0, 0, 0, 0), target);

    /// <summary>r0 = helper(r1, ..., r5); r1-r5 are clobbered.</summary>
    public void Call(int helper) =>
        Emit(new BpfInstruction((byte)(BpfInstruction.ClassJmp | BpfInstruction.JumpCall), 0, 0, 0, helper));

    /// <summary>return r0.</summary>
    public void Exit() => Emit(new BpfInstruction((byte)(BpfInstruction.ClassJmp | BpfInstruction.JumpExit), 0, 0, 0, 0));

    /// <summary>The program, every jump resolved.</summary>
    public BpfInstruction[] Build()
    {
        var code = _code.ToArray();
        foreach (var (at, target) in _fixups)
        {
            var to = _labels[target.Id];
            if (to < 0)
            {
                throw new InvalidOperationException($"label {target.Id} is never bound");
            }

            var offset = to - (at + 1);
            if (offset is < short.MinValue or > short.MaxValue)
            {
                throw new InvalidOperationException("jump out of range");
            }

            code[at] = code[at] with { Offset = (short)offset };
        }

        return code;
    }

    /// <summary>The program as the bytes BPF_PROG_LOAD takes.</summary>
    public static byte[] Encode(ReadOnlySpan<BpfInstruction> program)
    {
        var bytes = new byte[program.Length * 8];
        for (var i = 0; i < program.Length; i++)
        {
            program[i].Encode(bytes.AsSpan(i * 8, 8));
        }

        return bytes;
    }

    private void EmitJump(BpfInstruction instruction, BpfLabel target)
    {
        _fixups.Add((_code.Count, target));
        Emit(instruction);
    }

    private void Emit(BpfInstruction instruction) => _code.Add(instruction);
}
